"""What an endpoint answered, read for review.llm: token usage, why a reply is invalid, and one-line
errors for refusals and non-chat answers, with anything secret scrubbed out first.

An endpoint's own error text can echo the request ("Authorization: Bearer sk-..."), so any of it that
goes into a message passes `scrub` first: messages reach stderr, the app and the store.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from . import snippets
from .errors import LLMError

BASE_URL_HINT = "check CALLREVIEW_LLM_BASE_URL (it usually ends in /v1)"
_SECRET_PATTERNS = (
    re.compile(r"\bbearer\s+\S+", re.I),
    re.compile(r"\b(authorization|x-api-key|api[-_ ]?key)\b\s*[:=]?\s*\S+", re.I),
    re.compile(r"\b(sk|rk|pk)-[A-Za-z0-9_\-*.]{6,}"),
)


def scrub(text: str, secrets: tuple[str, ...] = (), limit: int = 160) -> str:
    """`text` on one line, without the given secrets, bearer tokens, authorization values or API keys.

    text: text an endpoint sent. secrets: exact strings to remove (the configured key). limit: most characters.
    """
    text = " ".join(str(text).split())
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return snippets.shorten(text, limit)


def endpoint_error(where: str, model: str | None, exc: Any, secrets: tuple[str, ...]) -> LLMError:
    """The one-line error for a 4xx answer (never retried); the endpoint's text is scrubbed."""
    status = getattr(exc, "status_code", 0)
    if status == 401:
        return LLMError(f"{where}: the endpoint rejected the API key; set CALLREVIEW_LLM_API_KEY")
    if status == 403:
        return LLMError(f"{where}: the API key may not use model '{model}'; check CALLREVIEW_LLM_API_KEY "
                        "and CALLREVIEW_LLM_MODEL")
    if status == 404:
        return LLMError(f"{where} has no model '{model}' or no /chat/completions route; check "
                        f"CALLREVIEW_LLM_MODEL and {BASE_URL_HINT}")
    body = getattr(exc, "body", None)
    text = body.get("message") if isinstance(body, dict) else None
    detail = scrub(text if isinstance(text, str) else getattr(exc, "message", "") or "", secrets)
    return LLMError(f"{where} refused the request ({status}: {detail}); check that it supports "
                    "response_format json_schema and the model name in CALLREVIEW_LLM_MODEL")


def not_a_completion(where: str, response: Any, exc: BaseException, secrets: tuple[str, ...]) -> LLMError:
    """The one-line error for a 200 answer that is not a chat completion (an HTML page, {}, plain text).

    The body itself is not quoted: it may be a login page or echo the request.
    """
    kind = "a reply"
    if response is not None:
        ctype = str(response.headers.get("content-type", "")).lower()
        try:
            text = response.text.lstrip()[:200].lower()
        except Exception:  # an unread streaming body: go by the content type alone
            text = ""
        if "html" in ctype or text.startswith(("<!doctype", "<html", "<")):
            kind = "HTML"
        elif not text:
            kind = "an empty body"
        elif "json" in ctype or text.startswith(("{", "[")):
            kind = "JSON"
        else:
            kind = "plain text"
    return LLMError(f"{where} answered with {kind}, not a chat completion ({type(exc).__name__}); {BASE_URL_HINT}")


def reply_problem(output: type[BaseModel], content: str, error: object = None) -> str:
    """Why the reply text is not a valid `output` (fed back to the model with the re-ask).

    output: the Pydantic model asked for. content: the reply text. error: what the client or
        LangChain raised or returned as parsing_error (used when the text itself validates, e.g. a refusal).
    """
    if not content.strip():
        refusal = scrub(str(error or ""), limit=120)
        return f"the reply was empty ({refusal or 'no content'})"
    try:
        output.model_validate_json(content)
    except ValidationError as exc:
        return validation_summary(exc)
    if error is not None:
        return f"{type(error).__name__}: {scrub(str(error), limit=200)}"
    return "the reply did not parse"


def validation_summary(exc: ValidationError, limit: int = 5) -> str:
    """The first few problems of a ValidationError on one line, located like $.criteria[0].score."""
    parts = []
    for err in exc.errors()[:limit]:
        if err["type"] == "json_invalid":
            parts.append(f"not valid JSON ({err.get('ctx', {}).get('error', err['msg'])})")
            continue
        path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        parts.append(f"{path}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def usage_of_message(message: Any) -> tuple[int, int]:
    """(prompt, completion) tokens of a LangChain AIMessage: usage_metadata, else the token_usage metadata."""
    usage = getattr(message, "usage_metadata", None) or {}
    if usage:
        return int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
    token_usage = (getattr(message, "response_metadata", None) or {}).get("token_usage") or {}
    return int(token_usage.get("prompt_tokens") or 0), int(token_usage.get("completion_tokens") or 0)


def usage_of_response(response: Any) -> tuple[int, int]:
    """(prompt, completion) tokens from the "usage" of a chat completion's HTTP body; (0, 0) if none."""
    try:
        usage = response.json().get("usage") or {}
        return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    except (ValueError, AttributeError, TypeError):
        return 0, 0
