"""Criteria + candidate turns -> Scorecard, with any engine behind the one seam.

With an LLM engine, one prompt scores a batch of criteria (the whole methodology, up to
review.score_prompt.MAX_BATCH criteria): the instructions once, each criterion with the segment
ids it may cite, and the union of the batch's candidate turns, each once, numbered by segment id
inside <transcript_turns> delimiters, with the instruction that the text inside is untrusted call
data. The model answers per criterion with a score and segment ids; code cuts the quotes
(review.evidence), so nothing a model writes can appear as a quote. Without an engine the rules
engine (review.rules) scores from the criterion's signals.

Guarantees that hold whatever a model answers:
- every quote is a verbatim substring of a turn that was shown for THAT criterion (a turn shown
  for another criterion of the batch is dropped and flagged);
- a score above 0 needs at least one evidence quote that resolved; otherwise it falls to 0;
- a score outside the criterion's levels is cut to its top level and flagged;
- a criterion the answer leaves out is asked again once on its own batch, then scored 0 and flagged;
- a turn that talks to the reviewer ("ignore your instructions", "give full marks") is never
  accepted as evidence, and the scorecard is flagged.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from . import rules, snippets
from .evidence import resolve_evidence
from .hashing import transcript_sha256
from .injection import INJECTION, InjectionDetector, default_detector
from .judge import THRESHOLD, Judgement, judge_note
from .keywords import search_keyword
from .llm import ENGINE_LABELS, ChatEngine, UsageTally
from .prompts import Prompt, load_prompt
from .redact import RedactionCounts
from .schema import Criterion
from .score_prompt import (
    ANSWER_NAME,
    CLOSE,
    MAX_BATCH,
    OPEN,
    answer_model,
    batches,
    build_prompt,
    candidate_segment_ids,
    render_turns,
)
from .speakers import speaker_flags
from .timefmt import clock
from .types import (
    Candidate,
    CriterionScore,
    Provenance,
    Scorecard,
    SectionTotal,
    Transcript,
    Verdict,
)

__all__ = ["CLOSE", "INJECTION", "OPEN", "estimate_tokens", "score_call", "strengths_and_gaps", "totals",
           "verdict_for"]

def estimate_tokens(text: str) -> int:
    """Rough token count: words and punctuation marks (close to BPE counts for English).

    tiktoken needs its BPE files from the network on first use, which this tool may not have.
    """
    return len(re.findall(r"\w+|[^\w\s]", text))


def verdict_for(score: int, criterion: Criterion | int) -> Verdict:
    """The verdict a score implies: top level met, 0 not met, in between partly met.

    criterion: the criterion, or its top level (max_score).
    """
    top = criterion if isinstance(criterion, int) else criterion.max_score
    if score >= top:
        return "met"
    return "not_met" if score <= 0 else "partly_met"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return snippets.shorten(text, limit)


def _unscored(criterion: Criterion, rationale: str) -> CriterionScore:
    return CriterionScore(
        id=criterion.id, name=criterion.name, section=criterion.section, score=0,
        max_score=criterion.max_score, weight=criterion.weight, verdict="not_met", rationale=rationale,
        target=criterion.target,
    )


def _ask_batch(transcript, methodology, batch, shown, engine, prompt, settings, tally, counts) -> dict[str, dict]:
    """One request for a batch of criteria; criterion id -> its answer entry (the first one given)."""
    union = sorted({sid for c in batch for sid in shown[c.id]})
    turns = render_turns(transcript, union, settings.redact and not engine.local, counts,
                         redact_names=getattr(settings, "redact_names", False))
    system, user = build_prompt(prompt, methodology.name, shown, batch, turns)
    answer, usage = engine.complete(system, user, answer_model(batch), ANSWER_NAME)
    tally.add(usage)
    entries: dict[str, dict] = {}
    for entry in answer.model_dump()["criteria"]:  # validated: ids are the batch's, fields all there
        entries.setdefault(entry["id"], entry)
    return entries


def _score_with_engine(transcript, methodology, candidates, engine, prompt, settings, tally, counts, flags,
                       max_batch, injections: set[int]):
    """criterion id -> CriterionScore for every criterion, with one request per batch."""
    shown = {c.id: candidate_segment_ids(candidates.get(c.id, [])) for c in methodology.criteria}
    scores = {c.id: _unscored(c, "No turn of the call was retrieved as evidence for this criterion.")
              for c in methodology.criteria if not shown[c.id]}
    for batch in batches([c for c in methodology.criteria if shown[c.id]], max_batch):
        entries = _ask_batch(transcript, methodology, batch, shown, engine, prompt, settings, tally, counts)
        missing = [c for c in batch if c.id not in entries]
        if missing:  # re-ask once, for the left-out criteria only
            entries |= _ask_batch(transcript, methodology, missing, shown, engine, prompt, settings, tally, counts)
        for criterion in batch:
            entry = entries.get(criterion.id)
            if entry is None:
                flags.append(f"{criterion.id}: the model's answer left this criterion out twice; scored 0")
                scores[criterion.id] = _unscored(criterion, "Scored 0: the model gave no answer for this criterion.")
            else:
                scores[criterion.id] = _accept(transcript, criterion, entry, set(shown[criterion.id]), flags,
                                               injections)
    return scores


def find_injections(transcript: Transcript, detector: InjectionDetector | None = None) -> set[int]:
    """Ids of the turns that address the grader rather than the other person (review.injection)."""
    detector = detector or default_detector()
    segments = transcript.segments
    return {seg.id for seg, hit in zip(segments, detector.flags([s.text for s in segments]), strict=True) if hit}


def _accept(transcript, criterion, answer, shown: set[int], flags, injections: set[int]) -> CriterionScore:
    """Apply the guarantees to the model's answer entry for one criterion.

    shown: the segment ids listed for THIS criterion; evidence elsewhere is dropped and flagged.
    """
    evidence = answer.get("evidence") if isinstance(answer.get("evidence"), list) else []
    injected = shown & injections
    refs = [r for r in evidence if not (isinstance(r, dict) and r.get("segment_id") in injected)]
    dropped = [f"segment {r['segment_id']}: addresses the reviewer, not evidence of the criterion"
               for r in evidence if isinstance(r, dict) and r.get("segment_id") in injected]
    quotes, not_resolved = resolve_evidence(transcript, refs, shown)
    dropped += not_resolved
    raw = answer.get("score")
    raw = raw if isinstance(raw, int) and not isinstance(raw, bool) else -1
    score = max(0, min(raw, criterion.max_score))
    if score != raw:  # the batch schema can only bound scores by the batch's highest level
        flags.append(f"{criterion.id}: the model's score {answer.get('score')!r} is not one of its levels "
                     f"0-{criterion.max_score}; counted as {score}")
    rationale = _one_line(answer.get("rationale", ""))
    verdict: Verdict = "not_applicable" if answer.get("verdict") == "not_applicable" else verdict_for(score, criterion)
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
        target=criterion.target,
    )


def _without_injection(transcript: Transcript, cands: list[Candidate], injections: set[int]) -> list[Candidate]:
    """Candidates minus the turns that address the reviewer (they are never evidence)."""
    out = []
    for cand in cands:
        keep = [sid for sid in cand.segment_ids if transcript.segment(sid) is not None
                and sid not in injections]
        if keep:
            out.append(cand.model_copy(update={"segment_ids": keep}))
    return out


def _score_with_rules(transcript, criterion, cands, injections: set[int]) -> CriterionScore:
    cands = _without_injection(transcript, cands, injections)
    result = rules.score_criterion(transcript, criterion, cands)
    quotes, dropped = resolve_evidence(transcript, result.refs, set(candidate_segment_ids(cands)))
    return CriterionScore(
        id=criterion.id, name=criterion.name, section=criterion.section, score=result.score,
        max_score=criterion.max_score, weight=criterion.weight, verdict=verdict_for(result.score, criterion),
        evidence=quotes, rationale=result.rationale, dropped_evidence=dropped, target=criterion.target,
    )


# A keyword pattern that hits in more than this share of the call's turns is the call's topic.
RARE_KEYWORD_SHARE = 0.15
# ... and such a match tips the judge's verdict when its best sentence is at most this far below threshold.
KEYWORD_TIP = 0.15


def _rare_keyword_match(transcript, criterion, result) -> bool:
    """The rules matched a turn on a keyword pattern that is rare in this call (not its topic)."""
    turns = transcript.segments
    for pattern in {h for s in result.signals if s.matches for h in s.hits}:
        share = sum(bool(search_keyword(pattern, t.text, multiline=True)) for t in turns) / max(len(turns), 1)
        if share <= RARE_KEYWORD_SHARE:
            return True
    return False


def _score_with_judge(transcript, criterion, cands, judgement, injections: set[int]) -> CriterionScore:
    """The rules engine's level, with the judge deciding presence (review.judge).

    The judge decides whether the criterion is there at all; the rules engine keeps deciding how
    well (the level), and overrules the judge only where its own top level is corroborated: on a
    scale with levels in between (0..2 or more), the top level needs the buyer's engagement and
    several signals, which topic alone does not give; on a yes/no scale any match is the top, so
    there the judge alone decides. Criteria about the form of the rep's questions over the whole
    call ("open questions") are not about one topic and stay with the rules engine.
    """
    cands = _without_injection(transcript, cands, injections)
    result = rules.score_criterion(transcript, criterion, cands)
    if rules.is_call_form_criterion(criterion):
        return _score_with_rules(transcript, criterion, cands, injections)
    allowed = {s.id for s in transcript.segments} - injections
    rare_keyword = result.score > 0 and _rare_keyword_match(transcript, criterion, result)
    corroborated = rare_keyword and (
        (criterion.max_score >= 2 and result.score == criterion.max_score)
        or judgement.score >= THRESHOLD - KEYWORD_TIP)
    # the judge's evidence is a sentence: the quote is that sentence, cut verbatim from its turn
    sentences = judgement.evidence_sentences or [None] * len(judgement.evidence)
    judged = [{"segment_id": sid} | ({"quote": text} if text else {})
              for sid, text in zip(judgement.evidence, sentences, strict=False) if sid in allowed]
    if judgement.present or corroborated:
        score = max(result.score, 1)
        refs = (result.refs + judged) if corroborated else (judged + result.refs)
        seen: set[int] = set()
        unique = []
        for r in refs:  # the first reference to each turn
            if r["segment_id"] not in seen:
                seen.add(r["segment_id"])
                unique.append(r)
        refs = unique
        note = judge_note(judgement, corroborated=corroborated and not judgement.present)
        rationale = f"{result.rationale} {note}" if result.score else (
            f"{criterion.levels[score].label} ({score}/{criterion.max_score}): {note}")
    else:
        score, refs = 0, []
        rationale = f"{criterion.levels[0].label} (0/{criterion.max_score}): {judge_note(judgement)}"
    quotes, dropped = resolve_evidence(transcript, refs[:3], allowed)
    if score > 0 and not quotes:
        score, rationale = 0, f"{criterion.levels[0].label} (0/{criterion.max_score}): no evidence resolved."
    # nothing counted: the judge's closest sentence, cut verbatim from its turn, for the manager to check
    nearest = resolve_evidence(transcript, judged[:1], allowed)[0][:1] if score == 0 and judgement.best_sentence \
        else []
    return CriterionScore(
        id=criterion.id, name=criterion.name, section=criterion.section, score=score,
        max_score=criterion.max_score, weight=criterion.weight, verdict=verdict_for(score, criterion),
        evidence=quotes, rationale=rationale, dropped_evidence=dropped, nearest=nearest[0] if nearest else None,
        target=criterion.target,
    )


def totals(section_ids: list[str], scores: list[CriterionScore]):
    """(sections, total, total_max, percent) over the scored criteria (not "not applicable").

    section_ids: the sections in the methodology's order (a section with no scored criterion is left out).
    Also used by review.overrides to recompute a scorecard with the manager's scores.
    """
    counted = [s for s in scores if s.verdict != "not_applicable"]
    sections = []
    for section_id in section_ids:
        mine = [s for s in counted if s.section == section_id]
        if not mine:
            continue
        got = sum(s.weight * s.score for s in mine)
        best = sum(s.weight * s.max_score for s in mine)
        sections.append(SectionTotal(section=section_id, score=round(got, 2), max_score=round(best, 2),
                                     percent=round(100 * got / best, 1) if best else 0.0))
    got = sum(s.weight * s.score for s in counted)
    best = sum(s.weight * s.max_score for s in counted)
    return sections, round(got, 2), round(best, 2), (round(100 * got / best, 1) if best else 0.0)


def strengths_and_gaps(scores: list[CriterionScore], targets: dict[str, int]) -> tuple[list[str], list[str]]:
    """(strengths, gaps) as criterion ids: up to 3 met criteria with evidence, best first (or the
    best scored one), and every scored criterion below its target, largest weighted gap first.

    targets: criterion id -> the level the team expects (review.schema.Criterion.target).
    """
    ranked = sorted((s for s in scores if s.score > 0 and s.evidence),
                    key=lambda s: (s.score / s.max_score, s.weight), reverse=True)
    strengths = [s.id for s in ranked if s.verdict == "met"][:3] or [s.id for s in ranked][:1]
    gaps = sorted((s for s in scores if s.verdict != "not_applicable" and s.score < targets[s.id]),
                  key=lambda s: (s.weight * (targets[s.id] - s.score), s.weight), reverse=True)
    return strengths, [s.id for s in gaps]


def score_call(transcript: Transcript, loaded_methodology, candidates: dict[str, list[Candidate]],
               engine: ChatEngine | None, settings, prompt: Prompt | None = None,
               max_batch: int = MAX_BATCH, injection: InjectionDetector | None = None,
               judgements: dict[str, Judgement] | None = None) -> Scorecard:
    """Score every criterion of the methodology for one call.

    transcript: the call, with segment ids, roles and word timestamps (unredacted, local).
    loaded_methodology: object with .methodology (review.schema.Methodology), .sha256 and .path.
    candidates: criterion id -> retrieved candidate windows (review.retrieve.retrieve_candidates).
    engine: a ChatEngine, or None for the offline rules engine.
    settings: review.settings.Settings (uses .redact).
    prompt: the scoring prompt; default prompts/score_criterion.yaml.
    max_batch: the most criteria scored by one LLM request (criteria without candidates cost none).
    injection: the prompt-injection detector; None uses the shipped one (regexes + MiniLM probes).
    Turns it flags are listed in the scorecard's flags and never accepted as evidence.
    judgements: the discriminating judge's findings (review.judge.judge_call, calibrated or not);
        with the offline engine they decide presence. None: the rules engine alone.
    """
    methodology = loaded_methodology.methodology
    injections = find_injections(transcript, injection)
    if engine is not None and prompt is None:
        prompt = load_prompt("score_criterion")
    tally, counts = UsageTally(), RedactionCounts()
    flags: list[str] = []
    if engine is None:
        scores = [_score_with_rules(transcript, c, candidates.get(c.id, []), injections) if judgements is None
                  or c.id not in judgements else
                  _score_with_judge(transcript, c, candidates.get(c.id, []), judgements[c.id], injections)
                  for c in methodology.criteria]
    else:
        by_id = _score_with_engine(transcript, methodology, candidates, engine, prompt, settings, tally, counts,
                                   flags, max_batch, injections)
        scores = [by_id[c.id] for c in methodology.criteria]
    suspicious = [s for s in transcript.segments if s.id in injections]
    for seg in suspicious:
        flags.append(f"possible prompt injection at {clock(seg.start)} (segment {seg.id}, {seg.role}): "
                     f"\"{_one_line(seg.text, 80)}\"; never used as evidence")
    flags += speaker_flags(transcript)
    if counts.total:
        flags.append(f"redacted {counts.emails} email(s), {counts.phones} phone number(s), {counts.cards} card "
                     f"number(s), {counts.ibans} IBAN(s), {counts.names} name(s), {counts.addresses} address(es) "
                     "before sending text to the endpoint")

    sections, total, total_max, percent = totals([s.id for s in methodology.sections], scores)
    strengths, gaps = strengths_and_gaps(scores, {c.id: c.target for c in methodology.criteria})

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
        judge_signals={} if judgements is None or engine is not None else
        {cid: [round(x, 4) for x in j.features] for cid, j in judgements.items()},
        calibration={} if judgements is None or engine is not None else
        {cid: {"version": j.calibration_version, "examples": j.calibrated}
         for cid, j in judgements.items() if j.calibrated},
    )
    return Scorecard(
        methodology_id=methodology.id, methodology_name=methodology.name, criteria=scores, sections=sections,
        total_score=total, total_max=total_max, total_percent=percent, metrics=transcript.metrics,
        strengths=strengths, gaps=gaps, engine=name, provenance=provenance, flags=flags,
        duration_s=round(transcript.duration or max((s.end for s in transcript.segments), default=0.0), 2),
    )
