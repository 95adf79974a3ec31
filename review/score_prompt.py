"""The batched scoring prompt: criteria of one batch, the union of their candidate turns, the answer schema.

One request scores a batch of criteria (the whole methodology when it has at most MAX_BATCH): the
fixed instructions go once in the system prompt, each criterion is a few compact lines (check,
levels, the segment ids it may cite) and every candidate turn of the batch appears once, numbered
by segment id, inside <transcript_turns> delimiters. Per call, that keeps the prompt within about
twice the transcript's tokens, where one prompt per criterion cost 4-10x on 2-6 minute calls.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

from .prompts import Prompt
from .redact import RedactionCounts, name_parts, redact
from .schema import Criterion
from .types import Candidate, Transcript

MAX_BATCH = 8  # criteria per request: more makes one answer long enough for small models to lose track
RATIONALE_MAX = 400  # the prompt asks for under 300; the schema leaves headroom before a re-ask
QUOTE_MAX = 120  # a locator only: code cuts the real quote; a short cap also bounds a batch answer
MAX_EVIDENCE = 3
VERDICTS = ["met", "partly_met", "not_met", "not_applicable"]
OPEN, CLOSE = "<transcript_turns>", "</transcript_turns>"
ANSWER_NAME = "criteria_scores"


def candidate_segment_ids(candidates: list[Candidate]) -> list[int]:
    """Segment ids of the candidate windows, each once, in call order (dedup of overlapping windows)."""
    return sorted({sid for c in candidates for sid in c.segment_ids})


def batches(criteria: list[Criterion], size: int = MAX_BATCH) -> list[list[Criterion]]:
    """Criteria split into the fewest batches of at most `size`, as even as possible, in order.

    criteria: the criteria to score (those with candidates). size: the most criteria per batch.
    """
    if not criteria:
        return []
    count = -(-len(criteria) // max(1, size))
    per = -(-len(criteria) // count)
    return [criteria[i:i + per] for i in range(0, len(criteria), per)]


def render_turns(transcript: Transcript, segment_ids: list[int], redact_text: bool, counts: RedactionCounts,
                 redact_names: bool = False) -> str:
    """The turns as numbered lines "[id] role: text"; delimiter look-alikes inside are neutralised.

    transcript: the call. segment_ids: the turns to show, in order. redact_text: mask emails, phone,
    card and IBAN numbers (for engines off the machine). counts: tally of what was redacted.
    redact_names: with redact_text, also mask the speakers' names and street addresses.
    """
    names = name_parts(transcript.speakers()) if redact_names else ()
    lines = []
    for sid in segment_ids:
        seg = transcript.segment(sid)
        if seg is None:
            continue
        text = " ".join(seg.text.split())
        text = re.sub(r"<\s*/?\s*transcript_turns\s*>", "[removed tag]", text, flags=re.I)
        if redact_text:
            text = redact(text, counts, names=names, addresses=redact_names)
        lines.append(f"[{sid}] {seg.role}: {text}")
    return "\n".join(lines)


def _id_ranges(segment_ids: list[int]) -> str:
    """"3-5, 9" for [3, 4, 5, 9]: consecutive ids as a range (windows are runs of turns)."""
    parts: list[str] = []
    run: list[int] = []
    for sid in [*segment_ids, None]:
        if run and (sid is None or sid != run[-1] + 1):
            parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
            run = []
        if sid is not None:
            run.append(sid)
    return ", ".join(parts)


def render_criterion(criterion: Criterion, segment_ids: list[int]) -> str:
    """One criterion as compact lines: id and name, shown by, check, levels, the turns it may cite."""
    # Level 0 (absent) and the top level (the Check fully met) are said by their labels and the Check;
    # their descriptions would cost ~45 tokens a criterion. The levels in between get theirs.
    top = criterion.levels[-1].score
    levels = "\n".join(f"{lv.score} {lv.label}" + (f": {' '.join(lv.description.split())}" if 0 < lv.score < top
                                                     else "") for lv in criterion.levels)
    return (f"# {criterion.id}: {criterion.name} (shown by {criterion.shown_by})\n"
            f"Check: {' '.join(criterion.question.split())}\n{levels}\n"
            f"cite: {_id_ranges(segment_ids)}")


def build_prompt(prompt: Prompt, methodology_name: str, shown: dict[str, list[int]],
                 criteria: list[Criterion], turns: str) -> tuple[str, str]:
    """(system, user) for one batch.

    prompt: prompts/score_criterion.yaml. methodology_name: shown in the system prompt.
    shown: criterion id -> the segment ids it may cite. criteria: the batch, in order.
    turns: render_turns of the union of the batch's segment ids.
    """
    return prompt.render(
        methodology_name=methodology_name,
        criteria="\n".join(render_criterion(c, shown[c.id]) for c in criteria),
        turns=turns,
        criterion_ids=", ".join(c.id for c in criteria),
    )


# One turn a criterion's answer cites; the quote only locates words in it (code cuts the real quote).
# (A comment, not a docstring: a docstring would be sent as the schema's description with every request.)
class EvidenceRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    segment_id: int
    quote: str | None = Field(max_length=QUOTE_MAX)


def answer_model(criteria: list[Criterion]) -> type[BaseModel]:
    """The Pydantic model of the answer for a batch: {"criteria": [one entry per criterion]} (extra="forbid").

    It is the JSON schema sent to the endpoint and the validator of the reply. Per-criterion bounds
    (score within that criterion's levels, evidence only from its turns) cannot be said in one item
    model; review.score checks them in code, and re-asks once for criteria the answer leaves out
    (so the entry count is asked for in the schema, not enforced by validation).
    """
    ids = tuple(c.id for c in criteria)
    entry = create_model(
        "CriterionAnswer",
        __config__=ConfigDict(extra="forbid"),
        # said as an enum even for one id (pydantic would write "const", which not every endpoint takes)
        id=(Annotated[Literal[ids], WithJsonSchema({"type": "string", "enum": list(ids)})], ...),  # type: ignore[valid-type, arg-type, maybe-unrecognized-str-typeform]  # a Literal built at run time
        score=(int, Field(ge=0, le=max(c.max_score for c in criteria))),
        verdict=(Literal[tuple(VERDICTS)], ...),  # type: ignore[valid-type, arg-type]
        evidence=(list[EvidenceRef], Field(max_length=MAX_EVIDENCE)),
        rationale=(str, Field(max_length=RATIONALE_MAX)),
    )
    return create_model(
        "CriteriaScores",
        __config__=ConfigDict(extra="forbid"),
        criteria=(list[entry], Field(max_length=len(criteria),  # type: ignore[valid-type]
                                     json_schema_extra={"minItems": len(criteria)})),
    )
