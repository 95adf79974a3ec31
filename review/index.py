"""The chromadb index: criteria of each methodology, and windows of each call's transcript.

Collections (each name ends with the embedding function's identity, so vectors of two models
never mix and changing `CALLREVIEW_EMBEDDING` never queries stale vectors):

- ``criteria-<id>``: one document per criterion (name, question, good examples), id
  ``<methodology_id>/<criterion_id>``, metadata {methodology_id, methodology_sha256,
  criterion_id, shown_by}.
- ``probes-<id>``: the texts retrieval compares windows with, several per criterion (the
  question and each good example, see `criterion_probes`), id ``<methodology_id>/<criterion_id>/<n>``.
  Kept next to `criteria` so a query never re-embeds the methodology.
- ``windows-<id>``: one entry per transcript window (a focal turn and its neighbours) of every
  call, metadata {call_id, segment_ids, focal_segment_id, speaker, role, start, end, content_sha}.
- ``turns-<id>``: the focal turn of each window on its own, same ids and metadata. Retrieval
  mixes both vectors: the window carries the question with its answer, the turn keeps a short
  answer from being diluted by its neighbours (measured in benchmarks/retrieval.py).
  One collection for all calls, filtered by call_id, rather than one per call: collections are
  not free (each has its own HNSW files, a team server would hold thousands), deleting a call is
  one filtered delete, and a search across calls stays possible.

Both are keyed by content: a methodology is re-indexed when its file's sha256 changes (old
entries deleted first), a call when its windows' text changes; unchanged input costs no embedding.
We embed explicitly and hand chromadb vectors, so each index or query is one batched call to the
embedding function and chromadb never falls back to its own (downloaded) default model.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ConfigError
from .hashing import sha256_json
from .settings import Settings
from .types import Transcript
from .windows import (
    WINDOW_AFTER,
    WINDOW_BEFORE,
    Window,
    _unwrap,
    build_windows,
    criterion_document,
    criterion_probes,
    methodology_sha256,
)

EMBED_BATCH = 256  # texts per call to the embedding function


class CallIndex:
    """chromadb collections for criteria and transcript windows, with one embedding function.

    Args:
        settings: `home` (PersistentClient folder `<home>/chroma`), `chroma_host` / `chroma_port`
            (HttpClient instead, for a team server) and `embedding` (used when
            `embedding_function` is None).
        embedding_function: anything callable as `fn(list_of_texts) -> list of vectors`; None
            builds `review.embeddings.make_embedding_function(settings)` on first use.
        client: a chromadb client to use instead (tests pass `chromadb.EphemeralClient()`).
        window_before / window_after: turns before / after the focal turn in each window.
    """

    def __init__(
        self,
        settings: Settings,
        embedding_function: Any = None,
        client: Any = None,
        window_before: int = WINDOW_BEFORE,
        window_after: int = WINDOW_AFTER,
    ) -> None:
        self.settings = settings
        self.window_before = window_before
        self.window_after = window_after
        self._embedding_function = embedding_function
        self._client = client
        self._collections: dict[str, Any] = {}

    # ------------------------------------------------------------------ plumbing

    @property
    def embedding_function(self) -> Any:
        if self._embedding_function is None:
            from .embeddings import make_embedding_function

            self._embedding_function = make_embedding_function(self.settings)
        return self._embedding_function

    @property
    def client(self) -> Any:
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)  # no network by default
            if self.settings.chroma_host:
                try:
                    self._client = chromadb.HttpClient(
                        host=self.settings.chroma_host,
                        port=self.settings.chroma_port,
                        settings=chroma_settings,
                    )
                except Exception as exc:
                    raise ConfigError(
                        f"cannot reach the chroma server at {self.settings.chroma_host}:{self.settings.chroma_port} "
                        f"({type(exc).__name__}); check CALLREVIEW_CHROMA_HOST / CALLREVIEW_CHROMA_PORT or unset "
                        "CALLREVIEW_CHROMA_HOST to use a local index"
                    ) from exc
            else:
                path = self.settings.home_path / "chroma"
                try:
                    self._client = chromadb.PersistentClient(
                        path=str(path), settings=chroma_settings
                    )
                except Exception as exc:
                    raise ConfigError(
                        f"cannot open the chromadb index at {path} ({type(exc).__name__}: {exc}); "
                        "check that the folder is writable, or move it aside to rebuild the index"
                    ) from exc
        return self._client

    def _collection(self, kind: str) -> Any:
        if kind not in self._collections:
            from .embeddings import embedding_identity

            identity = embedding_identity(self.embedding_function)
            self._collections[kind] = self.client.get_or_create_collection(
                f"{kind}-{identity}",
                embedding_function=None,  # we pass vectors; see the module docstring
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedding_identity": identity},
            )
        return self._collections[kind]

    def embed(self, texts: list[str], speakers: list[str] | None = None) -> np.ndarray:
        """Unit vectors for `texts` (one call to the embedding function), shape (n, dims).

        speakers: the call's speaker labels, so a redacting (remote) function can mask their names.
        """
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        function = self.embedding_function
        if speakers and hasattr(function, "for_speakers"):  # redaction of the speakers' names, if on
            function = function.for_speakers(speakers)
        texts = list(texts)
        # in slices, so a long call never holds every intermediate activation at once
        parts = [np.asarray(function(texts[i : i + EMBED_BATCH]), dtype=np.float32)
                 for i in range(0, len(texts), EMBED_BATCH)]
        shapes = [p.shape for p in parts]
        vectors = np.concatenate(parts) if all(len(sh) == 2 and sh[1] == shapes[0][1] for sh in shapes) \
            else np.zeros((0,), dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ConfigError(
                f"the embedding function returned {shapes} for {len(texts)} texts; "
                "check CALLREVIEW_EMBEDDING"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.clip(norms, 1e-12, None)

    def _add(
        self,
        collection: Any,
        ids: list[str],
        vectors: np.ndarray,
        documents: list[str],
        metadatas: list[dict],
    ) -> None:
        step = max(1, int(self.client.get_max_batch_size()))
        for i in range(0, len(ids), step):
            collection.add(
                ids=ids[i : i + step],
                embeddings=vectors[i : i + step],
                documents=documents[i : i + step],
                metadatas=metadatas[i : i + step],
            )

    # ------------------------------------------------------------------ methodologies

    def index_methodology(self, methodology: Any) -> int:
        """Index a methodology's criteria and probes unless the same content is already indexed.

        methodology: a `LoadedMethodology`, keyed by methodology id and its file's sha256 (an
        edited file is re-indexed, never stale), or a bare `Methodology`, keyed by the hash of
        the texts that get embedded (so passing `loaded.methodology` after `loaded` does not
        re-index). Returns the number of criteria indexed: 0 when nothing changed. Re-indexing
        first deletes every old entry of that methodology id.
        """
        m = _unwrap(methodology)
        sha = methodology_sha256(methodology)
        docs = [criterion_document(c) for c in m.criteria]
        probe_rows = [
            (c, n, text) for c in m.criteria for n, text in enumerate(criterion_probes(c))
        ]
        content_sha = sha256_json([[c.id, c.shown_by] for c in m.criteria] + docs + [t for *_, t in probe_rows])
        key, wanted = (
            ("methodology_sha256", sha)
            if hasattr(methodology, "sha256")
            else ("content_sha256", content_sha)
        )
        criteria = self._collection("criteria")
        probes = self._collection("probes")
        stored = criteria.get(where={"methodology_id": m.id}, include=["metadatas"])
        if (
            set(stored["ids"]) == {f"{m.id}/{c.id}" for c in m.criteria}
            and all(md.get(key) == wanted for md in stored["metadatas"])
            and len(probes.get(where={"methodology_id": m.id}, include=[])["ids"])
            == len(probe_rows)
        ):
            return 0
        criteria.delete(where={"methodology_id": m.id})
        probes.delete(where={"methodology_id": m.id})

        vectors = self.embed(docs + [text for _, _, text in probe_rows])
        self._add(
            criteria,
            [f"{m.id}/{c.id}" for c in m.criteria],
            vectors[: len(docs)],
            docs,
            [
                {
                    "methodology_id": m.id,
                    "methodology_sha256": sha,
                    "content_sha256": content_sha,
                    "criterion_id": c.id,
                    "shown_by": c.shown_by,
                }
                for c in m.criteria
            ],
        )
        self._add(
            probes,
            [f"{m.id}/{c.id}/{n}" for c, n, _ in probe_rows],
            vectors[len(docs) :],
            [text for _, _, text in probe_rows],
            [
                {
                    "methodology_id": m.id,
                    "methodology_sha256": sha,
                    "criterion_id": c.id,
                    "probe": n,
                }
                for c, n, _ in probe_rows
            ],
        )
        return len(m.criteria)

    def criterion_vectors(self, methodology: Any) -> dict[str, dict[str, np.ndarray]]:
        """Stored vectors per criterion id: {"document": (1, d), "probes": (n, d)}, probes in order.

        Indexes the methodology first when it is missing or its content changed.
        """
        m = _unwrap(methodology)
        self.index_methodology(methodology)
        out: dict[str, dict[str, np.ndarray]] = {c.id: {} for c in m.criteria}
        got = self._collection("criteria").get(
            where={"methodology_id": m.id}, include=["embeddings", "metadatas"]
        )
        for md, vec in zip(got["metadatas"], got["embeddings"], strict=True):
            out[md["criterion_id"]]["document"] = np.asarray([vec], dtype=np.float32)
        got = self._collection("probes").get(
            where={"methodology_id": m.id}, include=["embeddings", "metadatas"]
        )
        rows: dict[str, list[tuple[int, Any]]] = {}
        for md, vec in zip(got["metadatas"], got["embeddings"], strict=True):
            rows.setdefault(md["criterion_id"], []).append((int(md["probe"]), vec))
        for cid, items in rows.items():
            out[cid]["probes"] = np.asarray(
                [v for _, v in sorted(items, key=lambda r: r[0])], dtype=np.float32
            )
        return out

    def methodology_counts(self) -> dict[str, int]:
        """Indexed criteria per methodology id."""
        got = self._collection("criteria").get(include=["metadatas"])
        counts: dict[str, int] = {}
        for md in got["metadatas"]:
            counts[md["methodology_id"]] = counts.get(md["methodology_id"], 0) + 1
        return dict(sorted(counts.items()))

    # ------------------------------------------------------------------ transcripts

    def _windows_sha(self, windows: list[Window]) -> str:
        return sha256_json([[w.segment_ids, w.role, w.speaker, w.start, w.end, w.text] for w in windows]
                           + [[self.window_before, self.window_after]])

    def index_transcript(self, call_id: str, transcript: Transcript) -> int:
        """Index the windows of one call, replacing any earlier windows of the same call_id.

        call_id: the call's key (any string). transcript: the call's transcript.
        Returns the number of windows embedded: 0 when the same windows are already indexed.
        """
        if not call_id:
            raise ConfigError("index_transcript: call_id is empty; give each call a non-empty id")
        windows = build_windows(call_id, transcript, self.window_before, self.window_after)
        content_sha = self._windows_sha(windows)
        collection = self._collection("windows")
        turns = self._collection("turns")
        stored = collection.get(where={"call_id": call_id}, include=["metadatas"])
        if (
            windows
            and len(stored["ids"]) == len(windows)
            and all(md.get("content_sha") == content_sha for md in stored["metadatas"])
            and len(turns.get(where={"call_id": call_id}, include=[])["ids"]) == len(windows)
        ):
            return 0
        self.delete_call(call_id)
        if not windows:
            return 0
        vectors = self.embed([w.text for w in windows] + [w.focal_text for w in windows], transcript.speakers())
        metadatas = [
            {
                "call_id": call_id,
                "segment_ids": ",".join(str(i) for i in w.segment_ids),  # chroma metadata is scalar
                "focal_segment_id": w.focal_segment_id,
                "speaker": w.speaker,
                "role": w.role,
                "start": float(w.start),
                "end": float(w.end),
                "content_sha": content_sha,
            }
            for w in windows
        ]
        ids = [w.window_id for w in windows]
        try:
            self._add(collection, ids, vectors[: len(windows)], [w.text for w in windows], metadatas)
            self._add(turns, ids, vectors[len(windows) :], [w.focal_text for w in windows], metadatas)
        except BaseException:
            self.delete_call(call_id)  # never half a call in the index
            raise
        return len(windows)

    def window_vectors(self, call_id: str, kind: str = "windows") -> dict[int, np.ndarray]:
        """Stored vectors of one call by focal segment id: of its windows (kind "windows") or
        of the focal turns alone (kind "turns")."""
        got = self._collection(kind).get(
            where={"call_id": call_id}, include=["embeddings", "metadatas"]
        )
        return {
            int(md["focal_segment_id"]): np.asarray(vec, dtype=np.float32)
            for md, vec in zip(got["metadatas"], got["embeddings"], strict=True)
        }

    def delete_call(self, call_id: str) -> int:
        """Remove every window (and focal-turn entry) of a call. Returns how many windows were removed."""
        removed = 0
        for kind in ("windows", "turns"):
            collection = self._collection(kind)
            ids = collection.get(where={"call_id": call_id}, include=[])["ids"]
            step = max(1, int(self.client.get_max_batch_size()))
            for i in range(0, len(ids), step):  # one delete of 50,000 ids is too many SQL variables
                collection.delete(ids=ids[i : i + step])
            if kind == "windows":
                removed = len(ids)
        return removed
