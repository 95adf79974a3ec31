"""The shipped methodology files (`methodology/*.yaml`) load with the schema and are fit for scoring.

Other parts of the project (dev-set labels, retrieval queries, keyword hits, coaching drafts) refer to
these ids and use these phrases directly, so the checks here guard the contract, not just the syntax.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from review.schema import Criterion, Methodology

METHODOLOGY_DIR = Path(__file__).resolve().parent.parent / "methodology"

EXPECTED_IDS: dict[str, set[str]] = {
    "discovery": {
        "agenda_set",
        "open_questions",
        "current_process",
        "pain_quantified",
        "decision_process",
        "next_step_dated",
    },
    "meddpicc": {
        "metrics",
        "economic_buyer",
        "decision_criteria",
        "decision_process",
        "paper_process",
        "identify_pain",
        "champion",
        "competition",
    },
    "bant": {"budget", "authority", "need", "timeline"},
    "spin": {
        "situation_questions",
        "problem_questions",
        "implication_questions",
        "need_payoff_questions",
        "question_balance",
    },
    "challenger": {
        "teach_insight",
        "reframe",
        "tailor_to_stakeholder",
        "take_control_next_steps",
        "discuss_money",
    },
    "sandler": {
        "bonding_rapport",
        "upfront_contract",
        "pain",
        "budget",
        "decision",
        "fulfillment",
        "post_sell",
    },
    "gap_selling": {
        "current_state",
        "future_state",
        "gap_defined",
        "impact",
        "root_cause",
        "no_early_pitch",
    },
    "command_of_the_message": {
        "before_scenarios",
        "negative_consequences",
        "after_scenarios",
        "positive_business_outcomes",
        "required_capabilities",
        "metrics",
        "proof_points",
    },
}

# Turns that carry no evidence for any criterion: keywords that fire on them would flood retrieval.
SMALL_TALK = [
    "Thanks for your time.",
    "Hi, how are you doing?",
    "Yeah.",
    "Okay, great.",
    "Can you hear me okay?",
    "Sorry, you're breaking up a little.",
    "Mm-hmm, right.",
    "Have a good weekend!",
    "How are you doing?",
    "How was your weekend?",
    "How's it going?",
]

PLACEHOLDER = re.compile(r"\b(todo|fixme|tbd|lorem ipsum|xxx)\b", re.IGNORECASE)


def _load(methodology_id: str) -> Methodology:
    path = METHODOLOGY_DIR / f"{methodology_id}.yaml"
    with path.open(encoding="utf-8") as fh:
        return Methodology(**yaml.safe_load(fh))


def _hits(criterion: Criterion, text: str) -> list[str]:
    return [k for k in criterion.keywords if re.search(k, text, re.IGNORECASE)]


ALL = sorted(EXPECTED_IDS)


def test_shipped_files_are_exactly_the_expected_ones():
    shipped = {p.stem for p in METHODOLOGY_DIR.glob("*.yaml")}
    assert shipped == set(EXPECTED_IDS)


@pytest.mark.parametrize("methodology_id", ALL)
def test_file_loads_with_expected_ids(methodology_id):
    m = _load(methodology_id)
    assert m.id == methodology_id
    assert {c.id for c in m.criteria} == EXPECTED_IDS[methodology_id]
    assert re.fullmatch(r"\d+\.\d+\.\d+", m.version)
    assert m.source.strip() and m.description.strip()
    used_sections = {c.section for c in m.criteria}
    assert used_sections == {s.id for s in m.sections}, (
        "every section should hold at least one criterion"
    )


@pytest.mark.parametrize("methodology_id", ALL)
def test_project_loader_accepts_file(methodology_id):
    # The loader the CLI and pipeline use adds its own checks (duplicate keys, line numbers).
    from review.methodology import load_methodology_file

    loaded = load_methodology_file(METHODOLOGY_DIR / f"{methodology_id}.yaml", origin="shipped")
    assert loaded.methodology.id == methodology_id
    assert len(loaded.sha256) == 64


@pytest.mark.parametrize("methodology_id", ALL)
def test_keywords_compile_and_are_lowercase(methodology_id):
    for c in _load(methodology_id).criteria:
        assert 4 <= len(c.keywords) <= 10, f"{c.id}: {len(c.keywords)} keywords"
        for k in c.keywords:
            re.compile(k, re.IGNORECASE)
            assert k == k.lower(), f"{c.id}: keyword {k!r} should be lowercase"
            assert not re.search(k, "", re.IGNORECASE), f"{c.id}: keyword {k!r} matches empty text"


@pytest.mark.parametrize("methodology_id", ALL)
def test_examples_and_questions(methodology_id):
    m = _load(methodology_id)
    questions = [c.question.strip().lower() for c in m.criteria]
    assert len(set(questions)) == len(questions), "two criteria share a question"
    names = [c.name.lower() for c in m.criteria]
    assert len(set(names)) == len(names), "two criteria share a name"
    for c in m.criteria:
        assert 3 <= len(c.good_examples) <= 5, c.id
        assert 1 <= len(c.poor_examples) <= 3, c.id
        assert not set(c.good_examples) & set(c.poor_examples), c.id
        assert c.question.rstrip().endswith("?"), f"{c.id}: question should be a question"


@pytest.mark.parametrize("methodology_id", ALL)
def test_every_good_example_is_found_by_a_keyword(methodology_id):
    # Keywords and examples describe the same evidence; an example no keyword finds means one of
    # the two is off target.
    for c in _load(methodology_id).criteria:
        for example in c.good_examples:
            assert _hits(c, example), f"{c.id}: no keyword matches good example {example!r}"


@pytest.mark.parametrize("methodology_id", ALL)
def test_keywords_stay_quiet_on_small_talk(methodology_id):
    for c in _load(methodology_id).criteria:
        for turn in SMALL_TALK:
            assert not _hits(c, turn), f"{c.id}: {_hits(c, turn)} fire on small talk {turn!r}"


@pytest.mark.parametrize("methodology_id", ALL)
def test_levels_weights_and_coaching(methodology_id):
    m = _load(methodology_id)
    for c in m.criteria:
        assert c.max_score in (1, 2), f"{c.id}: levels should be 0/1 or 0/1/2"
        descriptions = [lv.description for lv in c.levels]
        assert len(set(descriptions)) == len(descriptions), c.id
        assert 0.5 <= c.weight <= 2.0, c.id
        assert c.coaching.usual_cause.strip() and c.coaching.drill.strip(), c.id
        for text in [c.question, c.coaching.usual_cause, c.coaching.drill, *c.good_examples]:
            assert not PLACEHOLDER.search(text), f"{c.id}: placeholder text in {text!r}"
    assert any(c.weight > 1.0 for c in m.criteria), (
        "mark the criteria that matter most with a higher weight"
    )
    assert len({c.coaching.likely_solution for c in m.criteria}) >= 2, (
        "solutions should vary by cause"
    )


def test_discovery_next_step_keywords():
    c = _load("discovery").criterion("next_step_dated")
    assert _hits(c, "let's meet next Tuesday at 10")
    assert _hits(c, "I'll send the invite for Thursday the 14th at 2pm")
    assert not _hits(c, "thanks for your time")
    assert not _hits(c, "I'll follow up by email sometime")
    # Ordinals and times count only as dates, not in ordinary talk.
    assert not _hits(c, "The first thing we do is check the third dispatcher's list")
    assert _hits(c, "Tuesday the fourteenth at ten works")


def test_discovery_open_question_keywords():
    c = _load("discovery").criterion("open_questions")
    assert c.needs_question
    assert _hits(c, "Walk me through how the team handles renewals?")
    assert _hits(c, "How do you decide which leads to call first?")
    assert not _hits(c, "Do you use Salesforce?")
    assert not _hits(c, "So you're happy with the current tool, right?")


def test_meddpicc_keywords_separate_elements():
    m = _load("meddpicc")
    paper = m.criterion("paper_process")
    assert _hits(paper, "It has to go through procurement and then legal reviews the MSA.")
    assert not _hits(paper, "We want to cut onboarding from thirty days to ten.")
    metrics = m.criterion("metrics")
    assert _hits(metrics, "We want to cut onboarding from thirty days to ten.")
    competition = m.criterion("competition")
    assert _hits(competition, "Who else are you looking at right now?")
    assert not _hits(competition, "Our CFO signs anything over fifty thousand.")
    assert m.criterion("economic_buyer").weight >= 1.5
    assert m.criterion("paper_process").coaching.likely_solution == "training"


def test_bant_need_is_in_the_buyers_words():
    c = _load("bant").criterion("need")
    assert c.shown_by == "customer"
    assert _hits(c, "The real problem is nobody trusts the forecast.")


def test_question_type_criteria_need_a_question():
    spin = _load("spin")
    for cid in (
        "situation_questions",
        "problem_questions",
        "implication_questions",
        "need_payoff_questions",
    ):
        assert spin.criterion(cid).needs_question, cid
        assert spin.criterion(cid).shown_by == "rep", cid
    implication = spin.criterion("implication_questions")
    assert _hits(implication, "What effect does that have on your month-end close?")
    assert not _hits(implication, "How many people are on your team?")
    assert _hits(spin.criterion("situation_questions"), "How many people are on your team?")
    # Each question type is told apart by its own keywords.
    need_payoff = spin.criterion("need_payoff_questions")
    assert _hits(need_payoff, "If we fixed that, what would it mean for your team?")
    assert not _hits(implication, "If we fixed that, what would it mean for your team?")
    assert _hits(implication, "What did that weekend end up costing you?")
    assert not _hits(need_payoff, "What did that weekend end up costing you?")
    problem = spin.criterion("problem_questions")
    assert _hits(problem, "Where does the current system let you down?")
    assert not _hits(problem, "No problem. So how does a service call get to a tech?")
    # Need-payoff questions carry more weight than situation questions (Rackham's finding).
    assert (
        spin.criterion("need_payoff_questions").weight
        > spin.criterion("situation_questions").weight
    )


def test_gap_selling_no_early_pitch_is_yes_no():
    c = _load("gap_selling").criterion("no_early_pitch")
    assert [lv.score for lv in c.levels] == [0, 1]
    assert c.target == 1


def test_readme_explains_every_schema_field():
    from review.schema import CriterionCoaching, Level, Section

    readme = (METHODOLOGY_DIR / "README.md").read_text(encoding="utf-8")
    for model in (Methodology, Section, Criterion, Level, CriterionCoaching):
        for field in model.model_fields:
            assert f"`{field}`" in readme, f"methodology/README.md does not explain `{field}`"
