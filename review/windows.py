"""What gets embedded: transcript windows (a focal turn and its neighbours) and the texts of
each criterion (its document and its probes). Pure functions over typed data; `review.index`
stores their vectors in chromadb and `review.retrieve` ranks the windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .hashing import sha256_text
from .schema import Criterion, Methodology
from .types import Role, Segment, Transcript

# Window shape, measured on the dev set (benchmarks/retrieval.py): the focal turn with one turn
# before and one after holds a question with its answer, whichever of the two is focal.
WINDOW_BEFORE = 1
WINDOW_AFTER = 1


@dataclass(frozen=True)
class Window:
    """Consecutive turns around one focal turn; the unit that is embedded and retrieved."""

    call_id: str
    segment_ids: list[int]
    focal_segment_id: int
    speaker: str  # of the focal turn
    role: Role  # of the focal turn
    start: float
    end: float
    text: str  # the embedded document: the window's turns, one line each
    focal_text: str
    turn_texts: list[str]  # the text of each turn in segment_ids order

    @property
    def window_id(self) -> str:
        return f"{self.call_id}#{self.focal_segment_id}"


def build_windows(
    call_id: str, transcript: Transcript, before: int = WINDOW_BEFORE, after: int = WINDOW_AFTER
) -> list[Window]:
    """One window per non-empty turn: the turn plus `before` turns before it and `after` after.

    call_id: recorded on each window. transcript: its segments in order. before/after: the
    number of neighbouring turns included on each side.
    """
    segments = [s for s in transcript.segments if s.text.strip()]
    windows = []
    for i, focal in enumerate(segments):
        span = segments[max(0, i - before) : i + after + 1]
        windows.append(
            Window(
                call_id=call_id,
                segment_ids=[s.id for s in span],
                focal_segment_id=focal.id,
                speaker=focal.speaker,
                role=focal.role,
                start=span[0].start,
                end=span[-1].end,
                text=window_document(span),
                focal_text=focal.text.strip(),
                turn_texts=[s.text.strip() for s in span],
            )
        )
    return windows


def window_document(segments: list[Segment]) -> str:
    """The text embedded for a window: each turn on its own line, without speaker labels
    (names only add noise to the vector; the role is kept in metadata for filtering)."""
    return "\n".join(s.text.strip() for s in segments)


def criterion_document(criterion: Criterion) -> str:
    """The one document stored per criterion: name, the reviewer's question, good examples."""
    parts = [f"{criterion.name}.", criterion.question.strip()]
    parts += [example.strip() for example in criterion.good_examples]
    return "\n".join(parts)


def criterion_probes(criterion: Criterion) -> list[str]:
    """The texts a window is compared with: the question, then each good example phrase.

    Good examples are phrased like speech, so they land near real turns; the question alone is
    a reviewer's sentence and misses abstract criteria (economic buyer, metrics).
    """
    return [criterion.question.strip(), *[e.strip() for e in criterion.good_examples if e.strip()]]


def methodology_sha256(methodology: Any) -> str:
    """The content hash of a LoadedMethodology (its file's sha256) or of a bare Methodology."""
    sha = getattr(methodology, "sha256", None)
    if sha:
        return sha
    return sha256_text(methodology.model_dump_json())


def _unwrap(methodology: Any) -> Methodology:
    return getattr(methodology, "methodology", methodology)
