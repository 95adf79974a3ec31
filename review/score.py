"""Criteria + candidate turns -> Scorecard, with any engine behind the one seam.

With an LLM engine, each criterion gets one prompt holding only that criterion's candidate
turns (deduplicated, numbered by segment id) inside <transcript_turns> delimiters, with the
instruction that the text inside is untrusted call data. The model answers with a score and
segment ids; code cuts the quotes (review.evidence), so nothing a model writes can appear as a
quote. Without an engine the rules engine (review.rules) scores from the criterion's signals.

Guarantees that hold whatever a model answers:
- every quote is a verbatim substring of a turn that was shown for that criterion;
- a score above 0 needs at least one evidence quote that resolved; otherwise it falls to 0;
- a turn that talks to the reviewer ("ignore your instructions", "give full marks") is never
  accepted as evidence, and the scorecard is flagged.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

from . import rules
from .evidence import resolve_evidence
from .llm import ENGINE_LABELS, ChatEngine, UsageTally
from .prompts import Prompt, load_prompt
from .redact import RedactionCounts, redact
from .schema import Criterion
from .types import Candidate, CriterionScore, Provenance, Scorecard, SectionTotal, Transcript

RATIONALE_MAX = 400  # the prompt asks for under 300; the schema leaves headroom before a re-ask
QUOTE_MAX = 200
MAX_EVIDENCE = 3
OPEN, CLOSE = "<transcript_turns>", "</transcript_turns>"

# Text addressed to the reviewer/model rather than to the other person on the call.
INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b[^.?!]{0,40}\b(instructions?|prompt|rules|guidelines)\b"
    r"|\b(give|award|score)\b[^.?!]{0,30}\b(full|maximum|max|perfect|top)\b[^.?!]{0,15}\b(marks?|scores?|points)\b"
    r"|\b(system prompt|you are an ai|as an ai|language model|the (ai|llm|model|grader|reviewer) (should|must))\b"
    r"|</?\s*transcript_turns\s*>",
    re.I,
)


def estimate_tokens(text: str) -> int:
    """Rough token count: words and punctuation marks (close to BPE counts for English).

    tiktoken needs its BPE files from the network on first use, which this tool may not have.
    """
    return len(re.findall(r"\w+|[^\w\s]", text))


def transcript_sha256(transcript: Transcript) -> str:
    return hashlib.sha256(transcript.model_dump_json().encode("utf-8")).hexdigest()


def answer_schema(criterion: Criterion) -> dict:
    """JSON schema of the model's answer for one criterion (strict: every field required)."""
    return {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 0, "maximum": criterion.max_score},
            "verdict": {"type": "string", "enum": ["met", "partly_met", "not_met", "not_applicable"]},
            "evidence": {
                "type": "array",
                "maxItems": MAX_EVIDENCE,
                "items": {
                    "type": "object",
                    "properties": {
                        "segment_id": {"type": "integer"},
                        "quote": {"type": ["string", "null"], "maxLength": QUOTE_MAX},
                    },
                    "required": ["segment_id", "quote"],
                    "additionalProperties": False,
                },
            },
            "rationale": {"type": "string", "maxLength": RATIONALE_MAX},
        },
        "required": ["score", "verdict", "evidence", "rationale"],
        "additionalProperties": False,
    }


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"


def candidate_segment_ids(candidates: list[Candidate]) -> list[int]:
    """Segment ids of the candidate windows, each once, in call order (dedup of overlapping windows)."""
    return sorted({sid for c in candidates for sid in c.segment_ids})


def render_turns(transcript: Transcript, segment_ids: list[int], redact_text: bool, counts: RedactionCounts) -> str:
    """The turns as numbered lines for the prompt; delimiter look-alikes inside are neutralised."""
    lines = []
    for sid in segment_ids:
        seg = transcript.segment(sid)
        if seg is None:
            continue
        text = " ".join(seg.text.split())
        text = re.sub(r"<\s*/?\s*transcript_turns\s*>", "[removed tag]", text, flags=re.I)
        if redact_text:
            text = redact(text, counts)
        lines.append(f"[{sid}] {_clock(seg.start)} {seg.role} ({seg.speaker}): {text}")
    return "\n".join(lines)


def build_prompt(prompt: Prompt, methodology_name: str, criterion: Criterion, turns: str, segment_ids: list[int]):
    """(system, user) for one criterion."""
    levels = "\n".join(f"{lv.score} = {lv.label}: {lv.description}" for lv in criterion.levels)
    return prompt.render(
        methodology_name=methodology_name,
        criterion_name=criterion.name,
        criterion_question=" ".join(criterion.question.split()),
        shown_by=criterion.shown_by,
        levels=levels,
        good_examples=" | ".join(criterion.good_examples[:2]) or "(none given)",
        poor_examples=" | ".join(criterion.poor_examples[:1]) or "(none given)",
        segment_ids=", ".join(str(i) for i in segment_ids),
        turns=turns,
        max_score=criterion.max_score,
    )


def verdict_for(score: int, criterion: Criterion) -> str:
    if score >= criterion.max_score:
        return "met"
    return "not_met" if score <= 0 else "partly_met"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _score_with_engine(transcript, methodology, criterion, cands, engine, prompt, settings, tally, counts, flags):
    shown = candidate_segment_ids(cands)
    if not shown:
        return CriterionScore(
            id=criterion.id, name=criterion.name, section=criterion.section, score=0,
            max_score=criterion.max_score, weight=criterion.weight, verdict="not_met",
            rationale="No turn of the call was retrieved as evidence for this criterion.",
        )
    redact_text = settings.redact and not engine.local
    turns = render_turns(transcript, shown, redact_text, counts)
    system, user = build_prompt(prompt, methodology.name, criterion, turns, shown)
    answer, usage = engine.complete_json(system, user, answer_schema(criterion), "criterion_score")
    tally.add(usage)
    return _accept(transcript, criterion, answer, set(shown), flags)


def _is_injection(transcript: Transcript, segment_id: int) -> bool:
    seg = transcript.segment(segment_id)
    return seg is not None and bool(INJECTION.search(seg.text))


def _accept(transcript, criterion, answer, shown: set[int], flags) -> CriterionScore:
    """Apply the guarantees to a (schema-valid) model answer."""
    injected = {sid for sid in shown if _is_injection(transcript, sid)}
    refs = [r for r in answer.get("evidence", []) if not (isinstance(r, dict) and r.get("segment_id") in injected)]
    dropped = [f"segment {r['segment_id']}: addresses the reviewer, not evidence of the criterion"
               for r in answer.get("evidence", []) if isinstance(r, dict) and r.get("segment_id") in injected]
    quotes, not_resolved = resolve_evidence(transcript, refs, shown)
    dropped += not_resolved
    score = max(0, min(int(answer["score"]), criterion.max_score))
    rationale = _one_line(answer.get("rationale", ""))
    verdict = "not_applicable" if answer.get("verdict") == "not_applicable" else verdict_for(score, criterion)
    if score > 0 and not quotes:
        flags.append(f"{criterion.id}: the model gave {score}/{criterion.max_score} without evidence that "
                     "resolves to the transcript; scored 0")
        rationale = _one_line(f"Scored 0: no evidence resolved to the transcript (model said: {rationale})")
        score, verdict = 0, ("not_applicable" if verdict == "not_applicable" else "not_met")
    if dropped:
        flags.append(f"{criterion.id}: dropped {len(dropped)} evidence reference(s) that did not resolve "
                     "to the turns shown")
    return CriterionScore(
        id=criterion.id, name=criterion.name, section=criterion.section, score=score,
        max_score=criterion.max_score, weight=criterion.weight, verdict=verdict,
        evidence=quotes, rationale=rationale or "No rationale given.", dropped_evidence=dropped,
    )


def _without_injection(transcript: Transcript, cands: list[Candidate]) -> list[Candidate]:
    """Candidates minus the turns that address the reviewer (they are never evidence)."""
    out = []
    for cand in cands:
        keep = [sid for sid in cand.segment_ids if transcript.segment(sid) is not None
                and not _is_injection(transcript, sid)]
        if keep:
            out.append(cand.model_copy(update={"segment_ids": keep}))
    return out


def _score_with_rules(transcript, criterion, cands) -> CriterionScore:
    cands = _without_injection(transcript, cands)
    result = rules.score_criterion(transcript, criterion, cands)
    quotes, dropped = resolve_evidence(transcript, result.refs, set(candidate_segment_ids(cands)))
    return CriterionScore(
        id=criterion.id, name=criterion.name, section=criterion.section, score=result.score,
        max_score=criterion.max_score, weight=criterion.weight, verdict=verdict_for(result.score, criterion),
        evidence=quotes, rationale=result.rationale, dropped_evidence=dropped,
    )


def _totals(methodology, scores: list[CriterionScore]):
    counted = [s for s in scores if s.verdict != "not_applicable"]
    sections = []
    for section in methodology.sections:
        mine = [s for s in counted if s.section == section.id]
        if not mine:
            continue
        got = sum(s.weight * s.score for s in mine)
        best = sum(s.weight * s.max_score for s in mine)
        sections.append(SectionTotal(section=section.id, score=round(got, 2), max_score=round(best, 2),
                                     percent=round(100 * got / best, 1) if best else 0.0))
    got = sum(s.weight * s.score for s in counted)
    best = sum(s.weight * s.max_score for s in counted)
    return sections, round(got, 2), round(best, 2), (round(100 * got / best, 1) if best else 0.0)


def score_call(transcript: Transcript, loaded_methodology, candidates: dict[str, list[Candidate]],
               engine: ChatEngine | None, settings, prompt: Prompt | None = None) -> Scorecard:
    """Score every criterion of the methodology for one call.

    transcript: the call, with segment ids, roles and word timestamps (unredacted, local).
    loaded_methodology: object with .methodology (review.schema.Methodology), .sha256 and .path.
    candidates: criterion id -> retrieved candidate windows (review.retrieve.retrieve_candidates).
    engine: a ChatEngine, or None for the offline rules engine.
    settings: review.settings.Settings (uses .redact).
    prompt: the scoring prompt; default prompts/score_criterion.yaml.
    """
    methodology = loaded_methodology.methodology
    if engine is not None and prompt is None:
        prompt = load_prompt("score_criterion")
    tally, counts, flags = UsageTally(), RedactionCounts(), []
    scores = []
    for criterion in methodology.criteria:
        cands = candidates.get(criterion.id, [])
        if engine is None:
            scores.append(_score_with_rules(transcript, criterion, cands))
        else:
            scores.append(_score_with_engine(transcript, methodology, criterion, cands, engine, prompt,
                                             settings, tally, counts, flags))
    suspicious = [s for s in transcript.segments if INJECTION.search(s.text)]
    for seg in suspicious:
        flags.append(f"possible prompt injection at {_clock(seg.start)} (segment {seg.id}, {seg.role}): "
                     f"\"{_one_line(seg.text, 80)}\"; never used as evidence")
    if counts.total:
        flags.append(f"redacted {counts.emails} email(s), {counts.phones} phone number(s), {counts.cards} card "
                     "number(s) before sending text to the endpoint")

    sections, total, total_max, percent = _totals(methodology, scores)
    ranked = sorted((s for s in scores if s.score > 0 and s.evidence),
                    key=lambda s: (s.score / s.max_score, s.weight), reverse=True)
    strengths = [s.id for s in ranked if s.verdict == "met"][:3] or [s.id for s in ranked][:1]
    targets = {c.id: c.target for c in methodology.criteria}
    gaps = sorted((s for s in scores if s.verdict != "not_applicable" and s.score < targets[s.id]),
                  key=lambda s: (s.weight * (targets[s.id] - s.score), s.weight), reverse=True)

    name = "rules" if engine is None else engine.name
    transcript_tokens = sum(estimate_tokens(s.text) for s in transcript.segments)
    usage = tally.as_dict() | {"transcript_tokens": transcript_tokens}
    provenance = Provenance(
        engine=name,
        engine_label=rules.ENGINE_LABEL if engine is None else ENGINE_LABELS.get(name, f"LLM engine '{name}'"),
        model=None if engine is None else engine.model,
        prompt_version=None if prompt is None else prompt.version,
        prompt_sha256=None if prompt is None else prompt.sha256,
        methodology_id=methodology.id,
        methodology_version=methodology.version,
        methodology_sha256=loaded_methodology.sha256,
        transcript_sha256=transcript_sha256(transcript),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        token_usage=usage,
    )
    return Scorecard(
        methodology_id=methodology.id, methodology_name=methodology.name, criteria=scores, sections=sections,
        total_score=total, total_max=total_max, total_percent=percent, metrics=transcript.metrics,
        strengths=strengths, gaps=[s.id for s in gaps], engine=name, provenance=provenance, flags=flags,
    )
