"""The manager's overrides applied to a scorecard: score, verdict, sections, totals, strengths and
gaps recomputed as the scorer computes them, the AI's values kept. Scorecards are built by hand."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from review.errors import InputError
from review.overrides import apply_overrides, overridden_ids
from review.types import CriterionScore, EvidenceQuote, Provenance, Scorecard, SectionTotal


@dataclass
class Ov:  # the shape of review.store.records.Override that matters here
    score: int
    comment: str = ""


def _q(seg: int) -> EvidenceQuote:
    return EvidenceQuote(segment_id=seg, quote="so what happens today?", start=seg, end=seg + 2,
                         speaker="speaker_1", role="rep")


def _crit(cid, section, score, weight=1.0, verdict=None, target=2, evidence=True) -> CriterionScore:
    verdict = verdict or ("met" if score >= 2 else "partly_met" if score else "not_met")
    return CriterionScore(id=cid, name=cid.replace("_", " ").title(), section=section, score=score, max_score=2,
                          weight=weight, verdict=verdict, evidence=[_q(1)] if evidence and score else [],
                          rationale="r", target=target)


def card() -> Scorecard:
    """Opening: agenda 2/2 (w1). Discovery: pain 1/2 (w2), impact 2/2 (w1), budget n/a (w1).
    Total (2 + 2 + 2) / (2 + 4 + 2) = 6/8 = 75 %."""
    criteria = [
        _crit("agenda", "opening", 2),
        _crit("pain", "discovery", 1, weight=2.0),
        _crit("impact", "discovery", 2),
        _crit("budget", "discovery", 0, verdict="not_applicable"),
    ]
    prov = Provenance(engine="rules", engine_label="Offline rules engine (no LLM)", methodology_id="m",
                      methodology_version="1", methodology_sha256="b" * 64, transcript_sha256="a" * 64,
                      created_at="2026-03-01T10:00:00+00:00")
    return Scorecard(
        methodology_id="m", methodology_name="M", criteria=criteria,
        sections=[SectionTotal(section="opening", score=2, max_score=2, percent=100.0),
                  SectionTotal(section="discovery", score=4, max_score=6, percent=66.7)],
        total_score=6, total_max=8, total_percent=75.0, strengths=["agenda", "impact"], gaps=["pain"],
        engine="rules", provenance=prov,
    )


def test_an_override_moves_the_verdict_sections_totals_and_gaps():
    ai = card()
    out = apply_overrides(ai, {"pain": Ov(0, "no number was given")})
    pain = next(c for c in out.criteria if c.id == "pain")
    assert (pain.score, pain.verdict) == (0, "not_met")
    assert (pain.ai_score, pain.ai_verdict, pain.manager_note) == (1, "partly_met", "no number was given")
    assert (out.total_score, out.total_max, out.total_percent) == (4, 8, 50.0)
    assert [(s.section, s.score, s.max_score, s.percent) for s in out.sections] == [
        ("opening", 2, 2, 100.0), ("discovery", 2, 6, 33.3)]
    assert out.gaps == ["pain"] and out.strengths == ["agenda", "impact"]
    assert overridden_ids(out) == ["pain"]
    # the AI's scorecard is untouched
    assert ai.total_percent == 75.0 and ai.criteria[1].score == 1 and ai.criteria[1].ai_score is None


def test_raising_a_score_removes_the_gap_and_can_make_a_strength():
    out = apply_overrides(card(), {"pain": {"score": 2, "note": "quantified at 3 hours a week"}})
    assert out.gaps == [] and out.total_percent == 100.0
    assert out.strengths[0] == "pain"  # met, with evidence, the heaviest weight
    assert out.criteria[1].manager_note == "quantified at 3 hours a week"


def test_overriding_a_not_applicable_criterion_counts_it():
    out = apply_overrides(card(), {"budget": Ov(0)})
    budget = out.criteria[3]
    assert (budget.verdict, budget.ai_verdict) == ("not_met", "not_applicable")
    assert (out.total_score, out.total_max) == (6, 10) and out.total_percent == 60.0
    assert out.gaps == ["pain", "budget"]  # weight 2 x gap 1 ranks with weight 1 x gap 2 by weight


def test_a_lower_target_is_respected_and_old_cards_infer_it_from_their_gaps():
    ai = card()
    ai.criteria[2] = ai.criteria[2].model_copy(update={"target": 1})
    assert apply_overrides(ai, {"impact": Ov(1)}).gaps == ["pain"]  # 1 reaches its target
    old = card()
    old.criteria = [c.model_copy(update={"target": None}) for c in old.criteria]
    # without stored targets: impact was met and not a gap, so a lower score is a gap (target 2)
    assert apply_overrides(old, {"impact": Ov(1)}).gaps == ["pain", "impact"]
    assert apply_overrides(old, {"agenda": Ov(0)}).gaps == ["pain", "agenda"]  # equal gaps: weight first


def test_no_overrides_is_the_same_scorecard_and_bad_overrides_are_refused():
    ai = card()
    assert apply_overrides(ai, {}) is ai and apply_overrides(ai, None) is ai
    with pytest.raises(InputError, match="nope"):
        apply_overrides(ai, {"nope": Ov(1)})
    with pytest.raises(InputError, match="0 to 2"):
        apply_overrides(ai, {"pain": Ov(3)})


def test_applying_twice_keeps_the_ais_original_values():
    once = apply_overrides(card(), {"pain": Ov(0)})
    twice = apply_overrides(once, {"pain": Ov(2)})
    assert (twice.criteria[1].score, twice.criteria[1].ai_score, twice.criteria[1].ai_verdict) == (2, 1, "partly_met")
