"""The LLM seam: one small interface, `ChatEngine.complete`, carried by LangChain.

Engines:
- rules (no LLM): `make_chat_engine` returns None and review.rules scores the call;
- openai: `OpenAIChatEngine`, LangChain's `ChatOpenAI` at any OpenAI-compatible endpoint (OpenAI,
  Azure, Ollama, vLLM, LM Studio, llama.cpp server);
- local: review.local_llm starts xllamacpp's OpenAI-compatible server on 127.0.0.1 in-process and
  reuses `OpenAIChatEngine` against it unchanged.

Every engine is a `StructuredChatEngine` around a LangChain chat model: the answer is asked for with
`with_structured_output(<Pydantic model>, method="json_schema", include_raw=True)`, so the Pydantic
model (extra="forbid") is the schema sent to the endpoint and the validator of the reply. The policy
around it is ours: bounded retries with exponential backoff on timeouts, 429 and 5xx (LangChain's and
the openai client's own retries are off), a clear one-line LLMError for everything else, and ONE
re-ask that feeds the validation error back. Tests wrap a fake chat model (tests/fakes.py) in the same
class, so the same code runs in tests and in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ValidationError

from .errors import ConfigError, InvalidReplyError, LLMError
from .llm_replies import (
    endpoint_error,
    not_a_completion,
    reply_problem,
    usage_of_message,
    usage_of_response,
)

DEFAULT_OPENAI_URL = "https://api.openai.com/v1"
ENGINE_LABELS = {
    "rules": "Offline rules engine (no LLM)",
    "openai": "LLM at an OpenAI-compatible endpoint",
    "local": "Local LLM in-process (GGUF)",
}
REASK_ECHO_CHARS = 4000  # the invalid reply sent back with the re-ask; 300 when it was cut at the limit

M = TypeVar("M", bound=BaseModel)


@runtime_checkable
class ChatEngine(Protocol):
    """Anything that turns a system + user prompt into a validated instance of a Pydantic model."""

    name: str  # "openai", "local", or a fake's name in tests
    model: str | None
    local: bool  # True when text never leaves the machine (no redaction needed)

    def complete(self, system: str, user: str, output: type[M], name: str) -> tuple[M, dict]:
        """A validated instance of the Pydantic model `output`, and usage
        {"prompt_tokens", "completion_tokens", "calls"}."""
        ...


@dataclass
class UsageTally:
    """Token usage summed over the LLM calls of one review."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def add(self, usage: dict) -> None:
        self.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        self.completion_tokens += int(usage.get("completion_tokens") or 0)
        self.calls += int(usage.get("calls", 1) or 0)

    def as_dict(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens, "calls": self.calls}


class StructuredChatEngine:
    """A LangChain chat model behind the `ChatEngine` seam, with our retry and re-ask policy.

    chat_model: a LangChain chat model whose `with_structured_output(model, method="json_schema",
        include_raw=True)` answers {"raw", "parsed", "parsing_error"} (ChatOpenAI, or the test fake).
    name: engine name recorded in provenance. model: model name recorded in provenance.
    local: True when the model runs on this machine, so no redaction is needed.
    where: how messages name the endpoint, e.g. "LLM endpoint https://host/v1".
    max_retries: retries after a timeout, a 429 or a 5xx, with exponential backoff (1 s, 2 s, 4 s, ...).
    timeout: seconds for one request (said in the message when requests time out).
    secrets: strings never to put into a message (the API key).
    sleep: the backoff sleep (tests pass a no-op).
    """

    def __init__(self, chat_model: Any, name: str, model: str | None, local: bool = False, where: str = "",
                 max_retries: int = 3, timeout: float = 60.0, secrets: tuple[str, ...] = (),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.chat_model = chat_model
        self.name = name
        self.model = model
        self.local = local
        self.where = where or f"LLM engine '{name}'"
        self.max_retries = max(0, int(max_retries))
        self.timeout = timeout
        self._secrets = tuple(s for s in secrets if s)
        self._sleep = sleep

    def __repr__(self) -> str:  # never shows the key
        return f"{type(self).__name__}(name={self.name!r}, model={self.model!r}, local={self.local})"

    def complete(self, system: str, user: str, output: type[M], name: str) -> tuple[M, dict]:
        """Ask for `output`; re-ask once, feeding the validation error back, if the reply is invalid.

        system: the system prompt. user: the user prompt (already redacted if it leaves the machine).
        output: the Pydantic model of the answer (its JSON schema is sent as response_format).
        name: what is asked for, in messages (e.g. "criteria_scores").
        """
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        runnable = self.chat_model.with_structured_output(output, method="json_schema", include_raw=True)
        messages: list = [SystemMessage(content=system), HumanMessage(content=user)]
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0}
        problem = ""
        for _ in range(2):  # the first answer and one re-ask
            parsed, content, used, problem, truncated = self._ask(runnable, messages, output)
            usage["calls"] += 1
            usage["prompt_tokens"] += used[0]
            usage["completion_tokens"] += used[1]
            if parsed is not None:
                return parsed, usage
            # A reply cut off at the output limit is mostly noise: send back only its start, so the
            # re-ask cannot overflow the context of a small local model.
            echo = content[: 300 if truncated else REASK_ECHO_CHARS]
            messages = messages[:2] + [
                AIMessage(content=echo),
                HumanMessage(content=f"That reply is invalid: {problem}. Reply again with only a JSON object "
                                     "that matches the schema."),
            ]
        raise InvalidReplyError(
            f"{name} answer of model '{self.model}' at {self.where} is still invalid after a re-ask "
            f"({problem[:200]}); try a stronger model or check that the endpoint supports json_schema output"
        )

    def _ask(self, runnable, messages: list, output: type[M]):
        """One answer: (parsed or None, reply text, (prompt, completion) tokens, problem, cut at the limit)."""
        try:
            result = self._invoke(runnable, messages)
        except _reply_errors() as exc:
            # The openai client validates the content itself and raises; LangChain attaches the HTTP
            # response, which holds the reply text and the token usage of this request.
            response = getattr(exc, "response", None)
            reply = _completion_body(response)
            if reply is not None:
                content, truncated = reply
                return None, content, usage_of_response(response), reply_problem(output, content, exc), truncated
            failure: LLMError | None = not_a_completion(self.where, response, exc, self._secrets)
        else:
            failure = None
        if failure is not None:
            raise failure
        raw, parsed = result.get("raw"), result.get("parsed")
        used = usage_of_message(raw)
        if isinstance(parsed, output) and result.get("parsing_error") is None:
            return parsed, "", used, "", False
        raw_content = getattr(raw, "content", None)
        content = raw_content if isinstance(raw_content, str) else ""
        truncated = (getattr(raw, "response_metadata", None) or {}).get("finish_reason") == "length"
        return None, content, used, reply_problem(output, content, result.get("parsing_error")), truncated

    def _invoke(self, runnable, messages: list) -> dict:
        """One request, retried on timeouts, 429 and 5xx; a clear one-line LLMError otherwise."""
        import openai

        reason = ""
        for attempt in range(self.max_retries + 1):
            failure: LLMError | None = None  # raised outside the except blocks: no endpoint text in __context__
            try:
                result = runnable.invoke(messages)
            except openai.APITimeoutError:
                reason = f"timed out after {self.timeout:g} s"
            except openai.RateLimitError:
                reason = "rate limited (429)"
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    failure = endpoint_error(self.where, self.model, exc, self._secrets)
                reason = f"server error ({exc.status_code})"
            except openai.APIConnectionError:
                failure = LLMError(f"{self.where} is unreachable; check CALLREVIEW_LLM_BASE_URL or that the server runs")
            except _reply_errors():
                raise  # a reply that does not parse or validate: the caller re-asks
            except (AttributeError, TypeError, IndexError, KeyError) as exc:
                if not _raised_by_the_client(exc):
                    raise  # a bug, not an answer: keep its traceback
                # the endpoint answered 200 with something that is not a chat completion (HTML, {}, ...)
                failure = not_a_completion(self.where, getattr(exc, "response", None), exc, self._secrets)
            else:
                if not isinstance(result, dict) or "raw" not in result:
                    raise LLMError(f"{self.where}: the chat model gave no raw reply; it must support include_raw")
                return result
            if failure is not None:
                raise failure
            if attempt < self.max_retries:
                self._sleep(min(2.0**attempt, 30.0))
        raise LLMError(
            f"{self.where} {reason} on {self.max_retries + 1} attempt(s); try again later or raise "
            "CALLREVIEW_LLM_MAX_RETRIES / CALLREVIEW_LLM_TIMEOUT_S"
        )


def _reply_errors() -> tuple[type[BaseException], ...]:
    """What the client raises for a chat completion whose content does not parse or validate."""
    import openai

    return (ValidationError, ValueError, openai.LengthFinishReasonError, openai.ContentFilterFinishReasonError)


def _raised_by_the_client(exc: BaseException) -> bool:
    """True when the innermost frame of `exc` is in the openai client or LangChain, i.e. they choked
    on what the endpoint sent (an HTML page read as a completion, a completion without choices)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    module = str(tb.tb_frame.f_globals.get("__name__", "")) if tb is not None else ""
    return module.split(".")[0] in ("openai", "langchain_openai", "langchain_core", "httpx", "httpx2")


def _completion_body(response) -> tuple[str, bool] | None:
    """(reply text, cut at the output limit) from an HTTP response holding a chat completion, else None."""
    if response is None:
        return None
    try:
        body = response.json()
        choice = body["choices"][0]
        content = choice["message"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return (content, choice.get("finish_reason") == "length") if isinstance(content, str) else None


class OpenAIChatEngine(StructuredChatEngine):
    """LangChain's ChatOpenAI (json_schema output, temperature 0) at an OpenAI-compatible URL.

    base_url: endpoint base URL ending in /v1 (empty = api.openai.com).
    model: model name at the endpoint.
    api_key: key sent as a bearer token; empty sends a dummy (local servers need none). Never
        logged or put into any message.
    timeout: seconds for one request.
    max_retries: retries after a timeout, a 429 or a 5xx (ours; the client's own are off).
    http_client: an httpx client for the openai client (tests pass one with a MockTransport).
    local: True when the endpoint runs on this machine (the local engine), so no redaction is needed.
    name: engine name recorded in provenance.
    max_output_tokens: cap on the reply's tokens (None = the endpoint's default).
    sleep: the backoff sleep (tests pass a no-op).
    """

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 60.0, max_retries: int = 3,
                 http_client: object | None = None, local: bool = False, name: str = "openai",
                 max_output_tokens: int | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        self.base_url = (base_url or DEFAULT_OPENAI_URL).rstrip("/")
        chat_model = ChatOpenAI(
            base_url=self.base_url,
            api_key=SecretStr(api_key or "no-key"),
            model=model,
            temperature=0,
            timeout=timeout,
            max_retries=0,  # retries are ours: bounded, with our backoff and error messages
            max_tokens=max_output_tokens,  # type: ignore[call-arg]  # ChatOpenAI's alias of max_completion_tokens
            http_client=http_client,
            use_responses_api=False,  # /chat/completions is what every OpenAI-compatible server offers
        )
        super().__init__(chat_model, name=name, model=model, local=local, where=f"LLM endpoint {_shown_url(self.base_url)}",
                         max_retries=max_retries, timeout=timeout, secrets=(api_key,), sleep=sleep)

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIChatEngine(base_url={_shown_url(self.base_url)!r}, model={self.model!r}, local={self.local})"


def _shown_url(url: str) -> str:
    """The URL as messages show it: without a user:password@ part or a query (either may hold a key)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "(the configured URL)"


def make_chat_engine(settings) -> ChatEngine | None:
    """The engine the settings ask for; None means the offline rules engine (no LLM).

    settings: review.settings.Settings (llm_engine, llm_base_url, llm_model, llm_api_key,
        llm_timeout_s, llm_max_retries, llm_gguf_path, llm_threads).
    """
    engine = (settings.llm_engine or "rules").strip().lower()
    if engine == "rules":
        return None
    if engine == "openai":
        return OpenAIChatEngine(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
    if engine == "local":
        from .local_llm import make_local_engine

        return make_local_engine(settings)
    raise ConfigError(
        f"setting CALLREVIEW_LLM_ENGINE={settings.llm_engine!r} is not an engine; use rules, openai or local"
    )
