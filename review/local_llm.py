"""The local engine: a GGUF model run in-process by xllamacpp (optional extra `local-llm`).

xllamacpp serves llama.cpp's OpenAI-compatible HTTP API (with json_schema output) from inside
this process, so we start it on 127.0.0.1 at a free port and reuse `OpenAIChatEngine` (LangChain's
ChatOpenAI, the same structured-output, retry and re-ask path as a remote endpoint) against it
unchanged. Nothing leaves the machine, so the engine is `local=True` and text is not redacted.
One thread by default: with 2 cores shared with transcription, 2 threads collapsed to under 1
token/s under contention.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from .errors import ConfigError, LLMError
from .llm import OpenAIChatEngine

# One server per (GGUF path, threads, context) for the life of the process: loading a model
# takes seconds and every review would otherwise pay it again.
_SERVERS: dict[tuple[str, int, int], tuple[object, str]] = {}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base: str, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as resp:
                if json.loads(resp.read() or b"{}").get("status") == "ok":
                    return
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.25)
    raise LLMError(f"the local model server at {base} did not become ready in {deadline_s:g} s; check the GGUF file")


def start_local_server(gguf_path: str | Path, threads: int = 1, context_tokens: int = 8192) -> str:
    """Start (or reuse) xllamacpp's server for a GGUF file; return its base URL ending in /v1.

    gguf_path: the model file.
    threads: CPU threads for generation and prompt processing.
    context_tokens: context window of the single slot.
    """
    try:
        import xllamacpp
    except ImportError:
        raise ConfigError(
            "the local engine needs the xllamacpp package; pip install 'callreview[local-llm]' "
            "or set CALLREVIEW_LLM_ENGINE=rules"
        ) from None
    path = Path(gguf_path).expanduser()
    if not str(gguf_path) or not path.is_file():
        raise ConfigError(
            f"setting CALLREVIEW_LLM_GGUF_PATH={str(gguf_path)!r} is not a GGUF file; point it at a downloaded "
            "instruct model (e.g. a Qwen2.5 or Llama 3.2 GGUF)"
        )
    key = (str(path.resolve()), int(threads), int(context_tokens))
    if key in _SERVERS:
        return _SERVERS[key][1]
    params = xllamacpp.CommonParams()
    params.model.path = key[0]
    params.hostnames = ["127.0.0.1"]
    params.port = _free_port()
    params.n_parallel = 1
    params.n_ctx = key[2]
    params.cpuparams.n_threads = max(1, key[1])
    params.cpuparams_batch.n_threads = max(1, key[1])
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:  # xllamacpp raises plain RuntimeErrors for a bad model file
        raise ConfigError(
            f"xllamacpp could not load {path} ({type(exc).__name__}); check that it is a GGUF model file"
        ) from None
    base = server.listening_address.rstrip("/")
    _wait_healthy(base, 60.0)
    _SERVERS[key] = (server, f"{base}/v1")
    return f"{base}/v1"


def make_local_engine(settings) -> OpenAIChatEngine:
    """OpenAIChatEngine against an in-process xllamacpp server for settings.llm_gguf_path.

    settings: review.settings.Settings (llm_gguf_path, llm_threads, llm_timeout_s, llm_max_retries).
    """
    base_url = start_local_server(settings.llm_gguf_path, threads=settings.llm_threads)
    return OpenAIChatEngine(
        base_url=base_url,
        model=Path(settings.llm_gguf_path).name,
        api_key="",
        # a CPU model at one thread is slow: allow for the prompt and the reply
        timeout=max(settings.llm_timeout_s, 300.0),
        max_retries=settings.llm_max_retries,
        local=True,
        name="local",
        max_output_tokens=2048,  # room for a batch of criteria in one answer
    )
