"""The LLM seam: one small interface, `ChatEngine.complete_json`, and its OpenAI-compatible engine.

Engines:
- rules (no LLM): `make_chat_engine` returns None and review.rules scores the call;
- openai: `OpenAIChatEngine`, any OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM,
  LM Studio, llama.cpp server);
- local: review.local_llm starts xllamacpp's OpenAI-compatible server on 127.0.0.1 in-process
  and reuses `OpenAIChatEngine` against it unchanged.

Why the `openai` client directly rather than langchain-openai's `with_structured_output`: we
need the HTTP status of each failure (401 vs 429 vs 5xx) to decide between retrying and a clear
one-line error, the raw reply text to feed a validation error back, and the token usage of every
request; the client gives all three without another layer, and its own retries are switched off
so ours are bounded, logged nowhere and testable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .errors import ConfigError, LLMError

DEFAULT_OPENAI_URL = "https://api.openai.com/v1"
ENGINE_LABELS = {
    "rules": "Offline rules engine (no LLM)",
    "openai": "LLM at an OpenAI-compatible endpoint",
    "local": "Local LLM in-process (GGUF)",
}


@runtime_checkable
class ChatEngine(Protocol):
    """Anything that turns a system + user prompt into JSON matching a JSON schema."""

    name: str  # "openai", "local", or a fake's name in tests
    model: str | None
    local: bool  # True when text never leaves the machine (no redaction needed)

    def complete_json(self, system: str, user: str, schema: dict, name: str) -> tuple[dict, dict]:
        """(parsed JSON object, usage {prompt_tokens, completion_tokens, calls})."""
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


# --------------------------------------------------------------------------- schema check

_TYPES = {
    "object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
    "boolean": bool, "null": type(None),
}


def schema_errors(value: object, schema: dict, path: str = "$") -> list[str]:
    """Why `value` does not match `schema` (the JSON-schema subset our prompts use); [] if it does.

    value: parsed JSON.
    schema: type, properties, required, additionalProperties, items, enum, minimum, maximum,
        maxLength, maxItems, anyOf.
    """
    if "anyOf" in schema:
        options = [schema_errors(value, option, path) for option in schema["anyOf"]]
        return [] if any(not o for o in options) else options[0]
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        ok = any(
            isinstance(value, _TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool))
            for t in names
        )
        if not ok:
            return [f"{path}: expected {' or '.join(names)}, got {type(value).__name__}"]
    errors: list[str] = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} is above the maximum {schema['maximum']}")
    if isinstance(value, str) and "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append(f"{path}: string longer than {schema['maxLength']} characters")
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing required field '{key}'")
        if schema.get("additionalProperties") is False:
            errors += [f"{path}: unexpected field '{k}'" for k in value if k not in props]
        for key, sub in props.items():
            if key in value:
                errors += schema_errors(value[key], sub, f"{path}.{key}")
    return errors


# --------------------------------------------------------------------------- OpenAI-compatible


class OpenAIChatEngine:
    """Chat completions with `response_format: json_schema` (strict) at an OpenAI-compatible URL.

    base_url: endpoint base URL ending in /v1 (empty = api.openai.com).
    model: model name at the endpoint.
    api_key: key sent as a bearer token; empty sends a dummy (local servers need none). Never
        logged or put into any message.
    timeout: seconds for one request.
    max_retries: retries after a timeout, a 429 or a 5xx, with exponential backoff (1 s, 2 s, 4 s, ...).
    http_client: an httpx client for the openai client (tests pass one with a MockTransport).
    local: True when the endpoint runs on this machine (the local engine), so no redaction is needed.
    name: engine name recorded in provenance.
    max_output_tokens: cap on the reply's tokens (None = the endpoint's default).
    sleep: the backoff sleep (tests pass a no-op).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        max_retries: int = 3,
        http_client: object | None = None,
        local: bool = False,
        name: str = "openai",
        max_output_tokens: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = (base_url or DEFAULT_OPENAI_URL).rstrip("/")
        self.model = model
        self.local = local
        self.name = name
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.max_output_tokens = max_output_tokens
        self._api_key = api_key
        self._http_client = http_client
        self._sleep = sleep
        self._client = None

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIChatEngine(base_url={self.base_url!r}, model={self.model!r}, local={self.local})"

    def _openai(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                base_url=self.base_url,
                api_key=self._api_key or "no-key",
                timeout=self.timeout,
                max_retries=0,  # retries are ours: bounded, with our backoff and error messages
                http_client=self._http_client,
            )
        return self._client

    def _request(self, messages: list[dict], schema: dict, name: str):
        """One chat completion, retried on timeouts, 429 and 5xx; clear LLMError otherwise."""
        import openai

        kwargs: dict = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        }
        if self.max_output_tokens:
            kwargs["max_tokens"] = self.max_output_tokens
        where = f"LLM endpoint {self.base_url}"
        for attempt in range(self.max_retries + 1):
            try:
                return self._openai().chat.completions.create(**kwargs)
            except openai.APITimeoutError:
                reason = f"timed out after {self.timeout:g} s"
            except openai.APIConnectionError:
                raise LLMError(
                    f"{where} is unreachable; check CALLREVIEW_LLM_BASE_URL or that the server runs"
                ) from None
            except openai.AuthenticationError:
                raise LLMError(f"{where}: the endpoint rejected the API key; set CALLREVIEW_LLM_API_KEY") from None
            except openai.PermissionDeniedError:
                raise LLMError(
                    f"{where}: the API key may not use model '{self.model}'; check CALLREVIEW_LLM_API_KEY "
                    "and CALLREVIEW_LLM_MODEL"
                ) from None
            except openai.NotFoundError:
                raise LLMError(
                    f"{where} has no model '{self.model}' or no /chat/completions route; check "
                    "CALLREVIEW_LLM_MODEL and CALLREVIEW_LLM_BASE_URL (it usually ends in /v1)"
                ) from None
            except openai.RateLimitError:
                reason = "rate limited (429)"
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    detail = " ".join(str(getattr(exc, "message", "") or "").split())[:160]
                    raise LLMError(
                        f"{where} refused the request ({exc.status_code}: {detail}); check that it supports "
                        "response_format json_schema and the model name in CALLREVIEW_LLM_MODEL"
                    ) from None
                reason = f"server error ({exc.status_code})"
            if attempt < self.max_retries:
                self._sleep(min(2.0**attempt, 30.0))
        raise LLMError(
            f"{where} {reason} on {self.max_retries + 1} attempt(s); try again later or raise "
            "CALLREVIEW_LLM_MAX_RETRIES / CALLREVIEW_LLM_TIMEOUT_S"
        )

    def complete_json(self, system: str, user: str, schema: dict, name: str) -> tuple[dict, dict]:
        """Ask for JSON matching `schema`; re-ask once, feeding the error back, if the reply is invalid.

        system: the system prompt.
        user: the user prompt (already redacted if it goes off the machine).
        schema: JSON schema of the reply (an object).
        name: schema name sent with response_format.
        """
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        usage = {"prompt_tokens": 0, "completion_tokens": 0, "calls": 0}
        error = ""
        for _ in range(2):  # the first answer and one re-ask
            response = self._request(messages, schema, name)
            usage["calls"] += 1
            if response.usage is not None:
                usage["prompt_tokens"] += response.usage.prompt_tokens or 0
                usage["completion_tokens"] += response.usage.completion_tokens or 0
            content = (response.choices[0].message.content or "") if response.choices else ""
            try:
                parsed = json.loads(content)
                problems = schema_errors(parsed, schema)
            except json.JSONDecodeError as exc:
                problems = [f"not valid JSON ({exc.msg} at character {exc.pos})"]
            if not problems:
                return parsed, usage
            error = "; ".join(problems[:5])
            truncated = bool(response.choices) and response.choices[0].finish_reason == "length"
            # A reply cut off at the output limit is mostly noise: send back only its start, so the
            # re-ask cannot overflow the context of a small local model.
            messages = messages[:2] + [
                {"role": "assistant", "content": content[: 300 if truncated else 4000]},
                {"role": "user", "content": f"That reply is invalid: {error}. Reply again with only a JSON object "
                 "that matches the schema."},
            ]
        raise LLMError(
            f"output of model '{self.model}' at {self.base_url} is still invalid after a re-ask ({error[:200]}); "
            "try a stronger model or check that the endpoint supports json_schema output"
        )


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
