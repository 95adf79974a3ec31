"""The rep's self-review of a call: their own level on each criterion, a note on it, and what they
would do differently, written before the coaching session (the seed's coaching engages the rep in
their own growth; SLED's analysis asks for the rep's view first).

Kept as a versioned document of the review (key SELF_REVIEW_KEY, JSON), so every save is kept and
nothing the rep wrote is lost; a later review of the same call shows the latest one (`find`). Only
the rep (or an admin) writes it (review.store.scoped), and the manager reads it beside the scorecard:
`compare` lines the rep's levels up with the scores (overrides applied), the places they differ
first, since that is where the session starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import InputError
from .markdown_text import escape_markdown
from .types import Scorecard

SELF_REVIEW_KEY = "self_review"
MAX_NOTE_CHARS = 2000  # per criterion
MAX_REFLECTION_CHARS = 5000


class SelfReview(BaseModel):
    """What the rep said of their own call. levels: criterion id -> the level they give themselves;
    notes: criterion id -> why; reflection: what they would do differently."""

    model_config = ConfigDict(extra="ignore")
    levels: dict[str, int] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    reflection: str = ""

    def is_empty(self) -> bool:
        return not self.levels and not any(n.strip() for n in self.notes.values()) and not self.reflection.strip()


def parse(content: str | None) -> SelfReview:
    """The self-review a stored document holds (empty for None); a damaged one is an InputError."""
    if not content:
        return SelfReview()
    try:
        return SelfReview.model_validate(json.loads(content))
    except (ValueError, ValidationError):
        raise InputError("the stored self-review could not be read; write it again (earlier versions are "
                         "kept in its history)") from None


def dump(review: SelfReview, scorecard: Scorecard) -> str:
    """The document to store: levels checked against the criteria's scales, notes trimmed.

    Raises InputError (one line) for a level outside a criterion's scale, an unknown criterion, or
    text over its limit.
    """
    by_id = {c.id: c for c in scorecard.criteria}
    for cid, level in review.levels.items():
        if cid not in by_id:
            raise InputError(f"criterion '{cid}' is not on this scorecard; reload the page and rate again")
        if not 0 <= level <= by_id[cid].max_score:
            raise InputError(f"{by_id[cid].name}: level {level} is outside 0-{by_id[cid].max_score}")
    for cid, note in review.notes.items():
        if cid not in by_id:
            raise InputError(f"criterion '{cid}' is not on this scorecard; reload the page and write it again")
        if len(note) > MAX_NOTE_CHARS:
            raise InputError(f"the note on {by_id[cid].name} is over {MAX_NOTE_CHARS} characters; shorten it")
    if len(review.reflection) > MAX_REFLECTION_CHARS:
        raise InputError(f"what you would do differently is over {MAX_REFLECTION_CHARS} characters; shorten it")
    notes = {cid: n.strip() for cid, n in review.notes.items() if n.strip()}
    return json.dumps({"levels": review.levels, "notes": notes, "reflection": review.reflection.strip()},
                      ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Found:
    """A stored self-review: what it says, who saved it and when, the review it was written on, and
    its version there (the base of the next save when that is the review being read)."""

    review: SelfReview
    review_id: int
    version: int
    author: str
    saved_at: str


def find(store, review_id: int, call_id: int) -> Found | None:
    """The rep's latest self-review of the call: written on this review, else on the newest other
    review of the same call (a re-score or a new rep makes a new review; the rep's view of the call
    stays). None when the rep wrote none. A damaged one is an InputError (parse)."""
    others = [r.id for r in reversed(store.reviews_for_call(call_id)) if r.id != review_id]
    for rid in [review_id, *others]:
        history = store.document_history(rid, SELF_REVIEW_KEY)
        if history:
            last = history[-1]
            return Found(parse(last.content), rid, last.version, last.author, last.created_at[:10])
    return None


@dataclass(frozen=True)
class Line:
    """One criterion: the rep's level (None: not rated) against the scorecard's (overrides applied)."""

    criterion_id: str
    name: str
    rep_level: int | None
    score: int
    max_score: int
    note: str

    @property
    def differs(self) -> bool:
        return self.rep_level is not None and self.rep_level != self.score

    @property
    def gap(self) -> str:
        """How the rep's view differs, in words ("" when it does not)."""
        if not self.differs or self.rep_level is None:
            return ""
        return "rates it higher" if self.rep_level > self.score else "rates it lower"


def compare(review: SelfReview, scorecard: Scorecard) -> list[Line]:
    """Every criterion the rep rated or wrote on, those whose level differs from the scorecard first
    (in scorecard order within each group)."""
    lines = [Line(c.id, c.name, review.levels.get(c.id), c.score, c.max_score, review.notes.get(c.id, ""))
             for c in scorecard.criteria if c.id in review.levels or review.notes.get(c.id, "").strip()]
    return sorted(lines, key=lambda line: not line.differs)


def to_markdown(review: SelfReview, scorecard: Scorecard, author: str | None = None, heading: bool = True) -> str:
    """The self-review as a section of the manager's prep note ("" when it is empty): each rated
    criterion against the scorecard, differences first, the rep's notes, and what they would do
    differently. The rep's text is Markdown-escaped (it is shown as written). heading: start with
    "**The rep's self-review** (author):" (False: the list alone, under a heading of the page's)."""
    if review.is_empty():
        return ""
    lines = [f"**The rep's self-review**{f' ({escape_markdown(author)})' if author else ''}:", ""] if heading else []
    for line in compare(review, scorecard):
        rep = "not rated" if line.rep_level is None else f"{line.rep_level}/{line.max_score}"
        gap = f" \u2014 **{line.gap}**" if line.differs else ""
        note = f": \u201c{escape_markdown(line.note)}\u201d" if line.note else ""
        lines.append(f"- {escape_markdown(line.name)}: the rep {rep}, the scorecard {line.score}/{line.max_score}{gap}{note}")
    if review.reflection:
        lines.append(f"- What they would do differently: \u201c{escape_markdown(review.reflection)}\u201d")
    return "\n".join(lines) + "\n"
