"""The test fakes, one per seam: a LangChain fake chat model (wrapped by the same engine class the
real path uses, so tests go through `with_structured_output`) and a fake embedding function."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableLambda, RunnableMap, RunnablePassthrough
from pydantic import BaseModel

from review.llm import StructuredChatEngine


class Request:
    """What the fake chat model was asked: the messages and the Pydantic model of the answer."""

    def __init__(self, messages: list[BaseMessage], output: type[BaseModel] | None):
        self.messages = messages
        self.output = output

    @property
    def system(self) -> str:
        return str(self.messages[0].content)

    @property
    def user(self) -> str:
        return str(self.messages[1].content)

    @property
    def schema(self) -> dict:
        """The JSON schema of the asked-for answer (what ChatOpenAI sends as response_format)."""
        return self.output.model_json_schema() if self.output else {}


Reply = str | dict | Callable[[Request], "str | dict"]


class FakeChatModel(BaseChatModel):
    """A LangChain chat model that replays canned replies in order and records every request.

    replies: each a JSON string (sent as it is, so it may be invalid), a dict (sent as JSON) or a
        callable(Request) -> either; when none is left, `default` answers (or the test fails).
    error: raised by every request instead of answering (e.g. an openai.APITimeoutError).
    usage: (prompt, completion) tokens reported per reply; prompt None = count_tokens of the messages.
    count_tokens: the prompt-token count of a text (default: its words).
    """

    replies: list[Any] = []
    default: Any = None
    error: Any = None
    usage: tuple[int | None, int] = (None, 20)
    count_tokens: Any = None
    requests: list[Request] = []

    @property
    def _llm_type(self) -> str:
        return "fake-chat"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        request = Request(list(messages), kwargs.get("response_format"))
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        if self.replies:
            reply = self.replies.pop(0)
        elif self.default is not None:
            reply = self.default
        else:
            raise AssertionError("the fake chat model has no canned reply left")
        if callable(reply):
            reply = reply(request)
        content = reply if isinstance(reply, str) else json.dumps(reply)
        prompt = self.usage[0]
        if prompt is None:
            count = self.count_tokens or (lambda text: len(text.split()))
            prompt = sum(count(str(m.content)) for m in messages)
        message = AIMessage(content=content, response_metadata={"finish_reason": "stop"},
                            usage_metadata={"input_tokens": prompt, "output_tokens": self.usage[1],
                                            "total_tokens": prompt + self.usage[1]})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def with_structured_output(self, schema: Any, *, method: str = "json_schema", include_raw: bool = False,
                               **kwargs: Any):
        """ChatOpenAI's json_schema path: the Pydantic model goes with the request as response_format
        and the reply's content is validated by it; include_raw answers {"raw", "parsed", "parsing_error"}."""
        assert method == "json_schema" and isinstance(schema, type) and issubclass(schema, BaseModel)
        bound = self.bind(response_format=schema)
        parse = RunnableLambda(lambda message: schema.model_validate_json(message.content))
        if not include_raw:
            return bound | parse
        with_parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parse, parsing_error=lambda _: None)
        fallback = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=bound) | with_parsed.with_fallbacks([fallback], exception_key="parsing_error")


def fake_engine(*replies: Reply, default: Reply | None = None, local: bool = False, name: str = "fake",
                model: str = "fake-model", error: BaseException | None = None, usage: tuple = (None, 20),
                count_tokens: Callable[[str], int] | None = None, max_retries: int = 0) -> StructuredChatEngine:
    """The engine class of the real path around a FakeChatModel; `.chat_model.requests` holds what it was asked."""
    chat = FakeChatModel(replies=list(replies), default=default, error=error, usage=usage, count_tokens=count_tokens,
                         requests=[])
    return StructuredChatEngine(chat, name=name, model=model, local=local, max_retries=max_retries,
                                sleep=lambda _s: None)


def requests_of(engine: StructuredChatEngine) -> list[Request]:
    return engine.chat_model.requests


class FakeEmbedding:
    """chromadb's EmbeddingFunction protocol: deterministic bag-of-words vectors (texts sharing words
    are close), unit length, never zero. Counts its calls and the texts it embedded."""

    dims = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def __call__(self, input: list[str]) -> list[np.ndarray]:
        self.calls += 1
        self.texts += len(input)
        out = []
        for text in input:
            v = np.zeros(self.dims, dtype=np.float32)
            for word in re.findall(r"[a-z']+", text.lower()):
                v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims] += 1.0
            v[0] += 1e-3  # never a zero vector
            out.append(v / np.linalg.norm(v))
        return out

    @staticmethod
    def name() -> str:
        return "test-hash"
