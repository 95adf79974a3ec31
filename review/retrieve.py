"""Evidence retrieval: for each criterion, the transcript windows most likely to be its evidence.

Each window (a focal turn and its neighbours, see `review.index`) gets a score per criterion:

    score = semantic similarity (cosine to the criterion's probe texts, averaged; half to the
            window, half to its focal turn alone)
          + keyword_boost   if one of the criterion's `keywords` regexes matches the focal turn
          + question_boost  if the criterion `needs_question` and the focal turn asks one ('?')

Windows whose focal turn is not spoken by the side that must show the criterion (`shown_by`) are
dropped ("unknown" roles always pass: a mono recording without roles still gets candidates).
Every variant in `RetrievalConfig` was measured on the labelled dev set by
`benchmarks/retrieval.py`; the defaults are the best measured one. All of it is deterministic:
exact cosine over the call's windows (a call has tens to hundreds), ties broken by time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .index import CallIndex
from .keywords import keyword_hits
from .schema import Criterion
from .types import Candidate, Transcript
from .windows import Window, _unwrap, build_windows


@dataclass(frozen=True)
class RetrievalConfig:
    """How windows are scored against a criterion.

    queries: "question" (the criterion's question only), "document" (the stored criterion
        document: name + question + examples in one vector) or "probes" (question and each good
        example embedded separately).
    aggregate: how several probe similarities combine: "max" or "mean" (or "max_mean", their average).
    focal_weight: similarity = (1 - w) * similarity to the window + w * similarity to its focal
        turn alone.
    keyword_boost: added when a keyword regex of the criterion matches a turn of the window.
    keyword_scope: "window" (any turn of the window) or "focal" (the focal turn only).
    question_boost: added when the criterion needs a question and the focal turn contains '?'.
    role_filter: drop windows whose focal speaker cannot show the criterion (shown_by).
    contrast: share of a window's mean similarity to all the methodology's criteria that is
        subtracted from its similarity to each one.
    """

    queries: Literal["question", "document", "probes"] = "probes"
    aggregate: Literal["max", "mean", "max_mean"] = "mean"
    focal_weight: float = 0.5
    keyword_boost: float = 0.1
    keyword_scope: Literal["window", "focal"] = "focal"
    question_boost: float = 0.05
    role_filter: bool = True
    contrast: float = 0.0


DEFAULT_CONFIG = RetrievalConfig()


def role_allows(shown_by: str, role: str) -> bool:
    """Whether a turn spoken by `role` can show a criterion with this `shown_by`."""
    return shown_by == "either" or role == "unknown" or role == shown_by


def _query_vectors(stored: dict[str, np.ndarray], config: RetrievalConfig) -> np.ndarray:
    if config.queries == "document":
        return stored["document"]
    if config.queries == "question":
        return stored["probes"][:1]  # probe 0 is the question (see review.index.criterion_probes)
    return stored["probes"]


def _aggregate(similarities: np.ndarray, how: str) -> np.ndarray:
    """similarities: (n_queries, n_windows) -> (n_windows,)."""
    if how == "mean":
        return similarities.mean(axis=0)
    if how == "max_mean":
        return (similarities.max(axis=0) + similarities.mean(axis=0)) / 2
    return similarities.max(axis=0)


def semantic_similarity(
    query_matrices: list[np.ndarray],
    window_matrix: np.ndarray,
    turn_matrix: np.ndarray,
    config: RetrievalConfig = DEFAULT_CONFIG,
) -> np.ndarray:
    """(n_criteria, n_windows) similarities.

    query_matrices: per criterion, its query vectors (n_queries, d). window_matrix / turn_matrix:
    (n_windows, d) vectors of the windows and of their focal turns alone. config: `aggregate`,
    `focal_weight` and `contrast` (minus that share of the window's mean similarity to all
    criteria: a window that resembles every criterion is no one's evidence).
    """
    if not len(window_matrix) or not query_matrices:
        return np.zeros((len(query_matrices), len(window_matrix)), dtype=np.float32)
    w = config.focal_weight
    sims = np.stack(
        [
            _aggregate((1 - w) * (q @ window_matrix.T) + w * (q @ turn_matrix.T), config.aggregate)
            for q in query_matrices
        ]
    )
    if config.contrast:
        sims = sims - config.contrast * sims.mean(axis=0, keepdims=True)
    return sims


def score_windows(
    criterion: Criterion,
    windows: list[Window],
    similarity: np.ndarray,
    config: RetrievalConfig = DEFAULT_CONFIG,
) -> list[tuple[float, float, list[str], Window]]:
    """(score, semantic similarity, keyword hits, window) for each window the role filter keeps,
    best first; ties keep transcript order.

    criterion: the criterion scored. windows: the call's windows. similarity: this criterion's
    semantic similarity to each window (a row of `semantic_similarity`). config: the boosts.
    """
    scored = []
    for i, window in enumerate(windows):
        if config.role_filter and not role_allows(criterion.shown_by, window.role):
            continue
        texts = [window.focal_text] if config.keyword_scope == "focal" else window.turn_texts
        hits = keyword_hits(criterion, texts)
        score = float(similarity[i])
        if hits:
            score += config.keyword_boost
        if criterion.needs_question and "?" in window.focal_text:
            score += config.question_boost
        scored.append((score, float(similarity[i]), hits, window, i))
    scored.sort(key=lambda row: (-row[0], row[4]))
    return [row[:4] for row in scored]


@dataclass(frozen=True)
class RankedWindow:
    """A window scored for one criterion: `score` ranks, `similarity` is the semantic part."""

    score: float
    similarity: float
    keyword_hits: list[str]
    window: Window


def rank_windows(
    index: CallIndex,
    call_id: str,
    transcript: Transcript,
    methodology: Any,
    config: RetrievalConfig = DEFAULT_CONFIG,
) -> dict[str, list[RankedWindow]]:
    """Every window the role filter keeps, scored and sorted best first, per criterion id.

    Arguments as for `retrieve_candidates`; this is its uncut form (benchmarks read the focal
    turn of each window from it).
    """
    m = _unwrap(methodology)
    index.index_transcript(call_id, transcript)
    windows = build_windows(call_id, transcript, index.window_before, index.window_after)
    matrices = []
    for kind in ("windows", "turns"):
        stored = index.window_vectors(call_id, kind)
        matrices.append(
            np.stack([stored[w.focal_segment_id] for w in windows]) if windows else np.zeros((0, 1))
        )
    criterion_vectors = index.criterion_vectors(methodology)
    sims = semantic_similarity(
        [_query_vectors(criterion_vectors[c.id], config) for c in m.criteria], matrices[0], matrices[1], config
    )
    return {
        criterion.id: [
            RankedWindow(score, similarity, hits, window)
            for score, similarity, hits, window in score_windows(
                criterion, windows, sims[row], config
            )
        ]
        for row, criterion in enumerate(m.criteria)
    }


def retrieve_candidates(
    index: CallIndex,
    call_id: str,
    transcript: Transcript,
    methodology: Any,
    k: int = 3,
    config: RetrievalConfig = DEFAULT_CONFIG,
) -> dict[str, list[Candidate]]:
    """For each criterion of `methodology`, the top-k windows that could be its evidence.

    index: the CallIndex (its embedding function and window shape are used). call_id: the call's
    key in the index; the transcript is (re)indexed under it when missing or changed.
    transcript: the call's transcript. methodology: a LoadedMethodology or a Methodology (indexed
    when missing or changed). k: candidates per criterion. config: scoring variant (defaults are
    the best measured).

    Returns {criterion id: [Candidate, ...]} in the methodology's criterion order, best first.
    `similarity` is the semantic similarity clipped to 0..1; ranking also uses keyword hits and,
    for criteria that need a question, whether the focal turn asks one.
    """
    ranked = rank_windows(index, call_id, transcript, methodology, config)
    return {
        criterion_id: [
            Candidate(
                criterion_id=criterion_id,
                segment_ids=list(r.window.segment_ids),
                focal_segment_id=r.window.focal_segment_id,
                speaker=r.window.speaker,
                role=r.window.role,
                start=r.window.start,
                end=r.window.end,
                text=r.window.text,
                similarity=round(min(1.0, max(0.0, r.similarity)), 4),
                keyword_hits=r.keyword_hits,
            )
            for r in rows[:k]
        ]
        for criterion_id, rows in ranked.items()
    }
