"""Coaching drafts: focus by weighted gap, pattern across calls, Solution Chart rules, SLED agenda,
actions, and an LLM that cannot add quotes. Scorecards are built by hand (`make_scorecard`)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fakes import fake_engine, requests_of

from review.coach import CoachingPolish, draft_coaching
from review.coach_analysis import (
    Pattern,
    activity_findings,
    assess_pattern,
    choose_focus,
    recommend_solution,
)
from review.coaching_models import SLED_TITLES, load_coaching_models
from review.errors import MethodologyError
from review.render import timestamp
from review.schema import Methodology
from review.types import (
    CriterionScore,
    EvidenceQuote,
    Metrics,
    Provenance,
    Scorecard,
    SpeakerMetrics,
)

REP, BUYER = "Alex Rivera", "Jordan Lee"
TODAY = date(2026, 3, 2)


def make_methodology(likely: dict[str, str] | None = None) -> Methodology:
    """Three criteria on a 0-2 scale: agenda (w1, opening), questions (w1.5), next_step (w1, target 1)."""
    likely = likely or {}

    def crit(cid, name, section, weight=1.0, target=None):
        return {
            "id": cid,
            "name": name,
            "section": section,
            "question": f"Did the rep do {name.lower()}?",
            "levels": [{"score": i, "label": f"L{i}", "description": f"Level {i} of {name}."} for i in range(3)],
            "good_examples": [f"A good example of {name.lower()}."],
            "weight": weight,
            "target_level": target,
            "coaching": {
                "usual_cause": f"Usual cause for {name}.",
                "drill": f"Drill for {name}.",
                "likely_solution": likely.get(cid, "coaching"),
            },
        }

    return Methodology(
        id="discovery",
        name="Discovery checklist",
        version="1",
        description="test",
        sections=[
            {"id": "opening", "name": "Opening"},
            {"id": "discovery", "name": "Discovery"},
            {"id": "close", "name": "Close"},
        ],
        criteria=[
            crit("agenda_set", "Agenda set", "opening"),
            crit("open_questions", "Open questions", "discovery", weight=1.5),
            crit("next_step", "Next step", "close", target=1),
        ],
    )


def quote(seg: int, start: float, text: str, speaker: str = REP, role: str = "rep") -> EvidenceQuote:
    return EvidenceQuote(segment_id=seg, quote=text, start=start, end=start + 4, speaker=speaker, role=role)


def make_scorecard(
    scores: dict[str, int],
    evidence: dict[str, list[EvidenceQuote]] | None = None,
    created_at: str = "2026-03-01T10:00:00Z",
    sha: str = "a" * 64,
    talk_ratio: float = 0.45,
    questions: int = 12,
    monologue: float = 40.0,
    patience: float | None = 1.2,
    strengths: list[str] | None = None,
    duration_s: float | None = 2700.0,
) -> Scorecard:
    """A scorecard of `make_methodology()` with the given scores (criterion id -> 0..2)."""
    meth = make_methodology()
    evidence = evidence or {}
    criteria = []
    for c in meth.criteria:
        s = scores[c.id]
        verdict = "met" if s >= c.target else "partly_met" if s else "not_met"
        criteria.append(
            CriterionScore(
                id=c.id,
                name=c.name,
                section=c.section,
                score=s,
                max_score=2,
                weight=c.weight,
                verdict=verdict,
                evidence=evidence.get(c.id, []),
                rationale=f"{c.name}: {s}.",
            )
        )
    total = sum(scores.values())
    return Scorecard(
        methodology_id="discovery",
        methodology_name=meth.name,
        criteria=criteria,
        total_score=total,
        total_max=6,
        total_percent=total / 6 * 100,
        metrics=Metrics(
            speakers={
                REP: SpeakerMetrics(
                    talk_ratio=talk_ratio, longest_monologue_s=monologue, question_count=questions, words_per_minute=150
                ),
                BUYER: SpeakerMetrics(
                    talk_ratio=round(1 - talk_ratio, 3), longest_monologue_s=20, question_count=2, words_per_minute=140
                ),
            },
            interactivity=3.0,
            patience_s=patience,
        ),
        duration_s=duration_s,
        strengths=strengths if strengths is not None else [c for c, s in scores.items() if s == 2],
        engine="rules",
        provenance=Provenance(
            engine="rules",
            engine_label="Offline rules engine (no LLM)",
            methodology_id="discovery",
            methodology_version="1",
            methodology_sha256="m" * 64,
            transcript_sha256=sha,
            created_at=created_at,
        ),
    )


def history_of(focus_scores: list[int]) -> list[Scorecard]:
    """Earlier calls, oldest first, with the given open_questions scores (others met)."""
    return [
        make_scorecard(
            {"agenda_set": 2, "open_questions": s, "next_step": 1},
            created_at=f"2026-02-{i + 1:02d}T09:00:00Z",
            sha=f"{i:064d}",
        )
        for i, s in enumerate(focus_scores)
    ]


@pytest.fixture(scope="module")
def models():
    return load_coaching_models()


@pytest.fixture(scope="module")
def meth():
    return make_methodology()


# --------------------------------------------------------------------------- focus


def test_focus_is_largest_weighted_gap(meth, models):
    # agenda gap 1 x 2 = 2 beats open_questions 1.5 x 1 = 1.5
    card = make_scorecard({"agenda_set": 0, "open_questions": 1, "next_step": 1})
    focus = choose_focus(card, meth, [])
    assert focus.kind == "gap" and focus.id == "agenda_set"
    assert "biggest gap" in focus.reason and not re.search(r"weight|[=\u00d7\d]", focus.reason)
    assert focus.detail == "weighted gap 2: weight 1 \u00d7 (target 2 \u2212 score 0)"  # for the prep note
    # open_questions 1.5 x 2 = 3 beats agenda 2
    card = make_scorecard({"agenda_set": 0, "open_questions": 0, "next_step": 1})
    assert choose_focus(card, meth, []).id == "open_questions"


def test_focus_ties_go_to_weight_then_order(meth):
    # agenda (w1) gap 1 = 1; next_step target 1 so gap 1 x 1 = 1: same weight -> earlier (agenda)
    card = make_scorecard({"agenda_set": 1, "open_questions": 2, "next_step": 0})
    assert choose_focus(card, meth, []).id == "agenda_set"
    # a weight-2 criterion with gap 1 ties a weight-1 criterion with gap 2: the heavier wins
    heavy = make_methodology()
    heavy.criteria[2].weight = 2.0
    card = make_scorecard({"agenda_set": 0, "open_questions": 2, "next_step": 0})
    assert choose_focus(card, heavy, []).id == "next_step"


def test_target_level_counts_as_met(meth):
    # next_step target 1: score 1 is met, so the only gap is agenda
    card = make_scorecard({"agenda_set": 1, "open_questions": 2, "next_step": 1})
    assert choose_focus(card, meth, []).id == "agenda_set"


def test_all_met_focuses_on_weakest_activity_then_strength(meth, models):
    bench = models.roam.activity_benchmarks
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, talk_ratio=0.72, questions=4)
    focus = choose_focus(card, meth, activity_findings(card.metrics, REP, bench, card.duration_s))
    assert focus.kind == "activity" and focus.id == "activity:talk_ratio"  # 0.72 is past the 65% warning
    assert "every criterion meets its target" in focus.reason
    calm = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, strengths=["open_questions"])
    focus = choose_focus(calm, meth, activity_findings(calm.metrics, REP, bench, calm.duration_s))
    assert focus.kind == "strength" and focus.id == "open_questions" and "reinforce" in focus.reason


def test_activity_findings_flag_benchmarks(models):
    bench = models.roam.activity_benchmarks
    card = make_scorecard(
        {"agenda_set": 2, "open_questions": 2, "next_step": 1}, talk_ratio=0.7, questions=5, monologue=150, patience=0.3
    )
    found = {a.key: a for a in activity_findings(card.metrics, REP, bench, card.duration_s)}
    assert set(found) == {"talk_ratio", "question_count", "longest_monologue", "patience"}
    assert all(a.severity > 0 for a in found.values())
    assert found["talk_ratio"].value == "70%" and "43%" in found["talk_ratio"].benchmark
    good = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, talk_ratio=0.47, patience=0.8)
    assert all(a.severity == 0 for a in activity_findings(good.metrics, REP, bench, good.duration_s))
    assert [a.key for a in activity_findings(good.metrics, None, bench, good.duration_s)] == ["patience"]


def test_the_question_benchmark_is_scaled_to_the_call_length(models):
    """11-14 questions is for a ~45-minute discovery call: per minute for longer or shorter calls, and
    no benchmark at all for a call too short for one (or of unknown length)."""
    bench = models.roam.activity_benchmarks

    def questions(duration_s, asked):
        card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, questions=asked,
                              duration_s=duration_s)
        return next(a for a in activity_findings(card.metrics, REP, bench, card.duration_s) if a.key == "question_count")

    assert questions(2700, 12).benchmark == "11-14 in a 45-minute discovery call"
    half = questions(1350, 6)
    assert half.benchmark == "6-7 in a 22-minute discovery call" and half.severity == 0
    assert questions(1350, 2).severity > 0
    short = questions(120, 0)
    assert (short.benchmark, short.severity) == ("", 0) and "benchmark" not in short.line
    assert questions(None, 0).benchmark == ""


# --------------------------------------------------------------------------- pattern


def _pattern(meth, history, current=0):
    card = make_scorecard(
        {"agenda_set": 2, "open_questions": current, "next_step": 1}, created_at="2026-03-01T09:00:00Z"
    )
    return assess_pattern(choose_focus(card, meth, []), card, history)


def test_pattern_first_call(meth):
    p = _pattern(meth, [])
    assert p.kind == "first"
    assert p.text == "first reviewed call \u2014 validate whether it is a pattern before deciding on training"


def test_pattern_missed_in_4_of_last_5(meth):
    # six earlier calls: only the 4 most recent count (the oldest, missed, falls out of the window)
    history = history_of([0, 0, 2, 1, 0, 0])
    p = _pattern(meth, list(reversed(history)))  # any order: sorted by created_at
    assert p.kind == "pattern" and p.text == "missed in 4 of the last 5 calls"
    assert (p.calls, p.missed, p.met_before) == (5, 4, 1)


def test_pattern_one_off(meth):
    p = _pattern(meth, history_of([2, 2, 0, 2]))
    assert p.kind == "one_off"
    assert p.text.startswith("one-off: met in 3 of the last 4 calls") and "validate first" in p.text


def test_pattern_skips_other_methodologies_and_this_call(meth):
    other = history_of([0])[0].model_copy(update={"methodology_id": "bant"})
    same_call = make_scorecard({"agenda_set": 2, "open_questions": 0, "next_step": 1})  # sha "a"*64 like the card
    assert _pattern(meth, [other, same_call]).kind == "first"


def test_pattern_of_a_strength(meth):
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, strengths=["agenda_set"])
    focus = choose_focus(card, meth, [])
    p = assess_pattern(focus, card, history_of([2, 2]))
    assert p.kind == "strength" and p.text.startswith("met in 3 of the last 3 calls")


def test_pattern_of_an_activity_focus(meth, models):
    bench = models.roam.activity_benchmarks
    met = {"agenda_set": 2, "open_questions": 2, "next_step": 1}
    card = make_scorecard(met, talk_ratio=0.75, created_at="2026-03-01T09:00:00Z")
    focus = choose_focus(card, meth, activity_findings(card.metrics, REP, bench, card.duration_s))
    calm = [make_scorecard(met, created_at=f"2026-02-0{i}T09:00:00Z", sha=f"{i:064d}") for i in (1, 2, 3)]
    assert assess_pattern(focus, card, calm, bench, REP).kind == "one_off"
    loud = [c.model_copy(update={"metrics": card.metrics}) for c in calm]
    assert assess_pattern(focus, card, loud, bench, REP).text == "missed in 4 of the last 4 calls"


def test_an_activity_focus_states_its_value_once_on_the_agenda(meth):
    """'... 72% (benchmark ...) on this call; ... the weakest activity is rep talk ratio at 72% (...)'
    said the figure twice in one sentence."""
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, talk_ratio=0.72)
    draft = draft_coaching(card, meth, [], rep=REP, today=TODAY)
    purpose = next(line for line in draft.agenda[0].body_markdown.splitlines() if line.startswith("**Purpose:**"))
    assert draft.focus_criterion_id == "activity:talk_ratio" and purpose.count("72%") == 1, purpose
    assert "furthest outside its benchmark" in purpose
    # said to the rep, the metric is what they do, not the manager's name for it
    lead, explore = draft.agenda[1].body_markdown, draft.agenda[2].body_markdown
    assert "how do you think you did on your share of the talking?" in lead and "did on rep talk ratio" not in lead
    assert "How did your share of the talking go on this call, from your side?" in explore


def test_the_agenda_states_the_pattern_and_the_prep_note_keeps_the_advice(meth):
    """The agenda is read with the rep: 'first reviewed call', not '... validate whether it is a pattern
    before deciding on training', which is advice to the manager and stays in the prep note."""
    card = make_scorecard({"agenda_set": 2, "open_questions": 0, "next_step": 1})
    draft = draft_coaching(card, meth, [], rep=REP, today=TODAY)
    lead = draft.agenda[1].body_markdown
    assert "**Pattern:** first reviewed call." in lead and "validate whether" not in lead
    assert "first reviewed call \u2014 validate whether it is a pattern" in draft.prep_note_markdown


def test_one_off_with_feedback_still_starts_with_engage(meth):
    feedback = make_methodology({"open_questions": "feedback"})
    card = make_scorecard({"agenda_set": 2, "open_questions": 0, "next_step": 1})
    draft = draft_coaching(card, feedback, history_of([2, 2, 2]), rep=REP, today=TODAY)
    assert draft.pattern.startswith("one-off") and draft.solution == "feedback"
    explore = draft.agenda[2].body_markdown
    assert "Start with Engage to validate" in explore and "The expectation to state" in explore


# --------------------------------------------------------------------------- Solution Chart


@pytest.mark.parametrize(
    "likely, pattern, expected, words",
    [
        ("other", Pattern("pattern", "", 3, 3, 2, 0, True), "other", "outside the rep's control"),
        ("training", Pattern("strength", "", 1, 0, 0, 0, True), "feedback", "does this well"),
        ("training", Pattern("first", "", 1, 1, 0, 0, False), "coaching", "Engage"),
        ("training", Pattern("one_off", "", 4, 1, 3, 3, True), "coaching", "knows how"),
        ("feedback", Pattern("pattern", "", 5, 4, 4, 1, True), "feedback", "unclear expectation"),
        ("training", Pattern("pattern", "", 3, 3, 2, 0, True), "training", "teach it"),
        ("feedback", Pattern("pattern", "", 3, 3, 2, 0, True), "feedback", "state it"),
        ("coaching", Pattern("pattern", "", 3, 3, 2, 0, False), "training", "never attempted"),
        ("coaching", Pattern("pattern", "", 3, 3, 2, 0, True), "coaching", "falls short"),
    ],
)
def test_solution_chart_rules(likely, pattern, expected, words):
    solution, reason = recommend_solution(likely, pattern)
    assert solution == expected
    assert words in reason


def test_met_in_other_calls_is_never_training(meth):
    trained = make_methodology({"open_questions": "training"})
    card = make_scorecard({"agenda_set": 2, "open_questions": 0, "next_step": 1})
    draft = draft_coaching(card, trained, history_of([0, 2, 0, 0]), rep=REP, today=TODAY)
    assert draft.pattern == "missed in 4 of the last 5 calls"
    assert draft.solution == "coaching" and "knows how" in draft.solution_reason
    always = draft_coaching(card, trained, history_of([0, 0]), rep=REP, today=TODAY)
    assert always.solution == "training"
    explore = always.agenda[2].body_markdown
    for step in ("Tell", "Show", "Do", "Review"):
        assert f"**{step}**" in explore
    assert "Drill for Open questions." in explore


# --------------------------------------------------------------------------- the draft


def _card_with_evidence(**kw):
    return make_scorecard(
        {"agenda_set": 2, "open_questions": 1, "next_step": 0},
        evidence={
            "agenda_set": [quote(0, 3.2, "Here's what I hoped we'd cover, does that work?")],
            "open_questions": [
                quote(4, 65, "So you use spreadsheets, right?"),
                quote(9, 212.5, "How do you handle returns today?"),
            ],
        },
        **kw,
    )


def test_agenda_has_the_four_sled_parts_with_concrete_content(meth):
    draft = draft_coaching(_card_with_evidence(), meth, rep=REP, today=TODAY)
    assert [s.title for s in draft.agenda] == list(SLED_TITLES.values())
    assert [s.key for s in draft.agenda] == list(SLED_TITLES)
    assert [s.minutes for s in draft.agenda] == [5, 15, 10, 10]
    stage, lead, explore, plan = (s.body_markdown for s in draft.agenda)
    assert draft.focus_criterion_id == "open_questions"  # 1.5 x 1 beats next_step 1 x 1
    assert "**Open questions**" in stage and "Check agreement" in stage and "15 min" in stage
    # rep's view first, then the evidence with timestamps and speakers
    assert lead.index("Ask first") < lead.index("Then the evidence")
    assert "[01:05] Alex Rivera: \u201cSo you use spreadsheets, right?\u201d" in lead
    assert "[03:32]" in lead
    assert "Strength \u2014 Agenda set" in lead and "[00:03]" in lead  # open positively
    assert "Rep talk ratio: 45%" in lead
    assert "Proposed: coaching" in explore and "Engage" in explore
    # only the recommended Solution Chart option for the rep; the others are in the manager's prep note
    assert "Field Training model" not in explore and "Remove the obstacle" not in explore
    assert "Other options (Solution Chart)" in draft.prep_note_markdown and "Remove the obstacle" in draft.prep_note_markdown
    assert "Watch on the next calls:** Open questions," in plan and "open_questions" not in plan
    assert [a.watch_criterion for a in draft.actions] == ["open_questions"] * len(draft.actions)
    assert draft.engine_label == "Offline rules engine (no LLM)"
    assert set(draft.roam) == {"results", "objectives", "activities", "methodology"}
    assert "Open questions" in draft.roam["objectives"] and "Next step" in draft.roam["objectives"]


def test_missed_focus_shows_nearest_moments_of_its_section(meth):
    card = make_scorecard(
        {"agenda_set": 2, "open_questions": 2, "next_step": 0},
        evidence={"agenda_set": [quote(0, 3, "Agenda line, does that work?")]},
    )
    extra = make_methodology()
    extra.criteria[0].section = "close"  # agenda's moment now sits in next_step's section
    card.criteria[0].section = "close"
    draft = draft_coaching(card, extra, rep=REP, today=TODAY)
    assert draft.focus_criterion_id == "next_step"
    assert "Where next step could have happened" in draft.agenda[1].body_markdown
    assert "Closest to" not in draft.agenda[1].body_markdown and "Check first" not in draft.prep_note_markdown
    # the judge's closest moment (not counted) comes first, and the manager is told to hear it first
    card.criteria[2].nearest = quote(7, 212, "Shall we look at diaries?")
    draft = draft_coaching(card, extra, rep=REP, today=TODAY)
    lead = draft.agenda[1].body_markdown
    assert lead.index("**Closest to next step (not counted):** [03:32]") < lead.index("Where next step could have")
    assert lead.count("could have happened") == 1
    assert ("**Check first:** the AI counted no moment of next step; the closest it found is at [03:32]. Listen "
            "to it: if it shows next step, override the score") in draft.prep_note_markdown


def test_a_focus_named_by_its_verb_reads_as_what_the_rep_does():
    meth = make_methodology()
    meth.criteria[2].name = "Asks for the next meeting"
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 0})
    card.criteria[2].name = "Asks for the next meeting"
    stage, lead, explore, _ = (s.body_markdown for s in draft_coaching(card, meth, rep=REP, today=TODAY).agenda)
    assert "at its best, asking for the next meeting looks like this" in stage
    assert "how do you think you did on asking for the next meeting?" in lead
    assert "No moment in this call shows asking for the next meeting" in lead
    assert "asks for the next meeting" not in stage + lead + explore


@pytest.mark.parametrize(("name", "phrase"), [
    ("Asks for the donation", "asking for the donation"),
    ("Sets an example by donating", "setting an example by donating"),
    ("Rep confirms the budget", "confirming the budget"),
    ("Map the stakeholders", "mapping the stakeholders"),
    ("Never criticise the competitor", "avoiding criticising the competitor"),
    # noun phrases keep their words (acronyms their case): a verb-like first word needs an object
    ("Open discovery questions", "open discovery questions"),
    ("Questions about pain", "questions about pain"),
    ("Talk ratio", "talk ratio"),
    ("Identify pain", "identify pain"),
    ("Economic Buyer", "economic buyer"),
    # a name that says what was done to something reads as the doing ("how do you think you did on
    # quantifying pain?", not "... on pain quantified?")
    ("ROI shown", "showing ROI"),
    ("Next step agreed with a date", "agreeing the next step with a date"),
    ("Pain quantified", "quantifying pain"),
    ("Gap made explicit", "making the gap explicit"),
    ("Decision Criteria Documented", "documenting the decision criteria"),
    ("Economic buyer identified and met", "identifying and meeting the economic buyer"),
    ("Champion identified or nurtured", "Champion identified or nurtured".lower()),  # "nurture": not a known verb
    ("Tailored to the stakeholder", "tailored to the stakeholder"),
])
def test_skill_phrase(name, phrase):
    from review.playbook.wording import skill_phrase

    assert skill_phrase(name) == phrase


def test_a_customers_moment_is_asked_about_as_the_customers_and_a_practise_drill_is_not_doubled():
    meth = make_methodology()
    meth.criteria[2].coaching.drill = "Practise three ways to ask for the next meeting."
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 0})
    card.criteria[2].nearest = quote(7, 212, "We could look at diaries next week.", speaker=BUYER, role="customer")
    draft = draft_coaching(card, meth, rep=REP, today=TODAY)
    explore = draft.agenda[2].body_markdown
    assert ("At [03:32] the customer said “We could look at diaries next week.”: what did you hear in it, and "
            "what did you do next?") in explore  # the words asked about, so the question stands alone
    assert draft.confirm_questions[0].startswith("At [03:32] the customer said “We could look")
    assert "what were you aiming for there" not in explore
    assert draft.actions[0].action == "Practise three ways to ask for the next meeting."
    card.criteria[2].nearest = quote(7, 212, "Shall we look at diaries?")  # the rep's own moment
    explore = draft_coaching(card, meth, rep=REP, today=TODAY).agenda[2].body_markdown
    assert "Walk me through the moment at [03:32]: what were you aiming for there?" in explore


def test_draft_when_every_criterion_meets_target(meth):
    met = {"agenda_set": 2, "open_questions": 2, "next_step": 1}
    evidence = {"agenda_set": [quote(0, 3, "Here's the plan, ok?")], "open_questions": [quote(3, 50, "How so?")]}
    loud = draft_coaching(make_scorecard(met, evidence, talk_ratio=0.7), meth, rep=REP, today=TODAY)
    assert loud.focus_criterion_id == "activity:talk_ratio" and loud.focus_criterion_name == "Rep talk ratio"
    assert loud.solution == "coaching" and all(a.watch_criterion == "activity:talk_ratio" for a in loud.actions)
    assert "70%" in loud.agenda[0].body_markdown and "[00:03]" in loud.agenda[1].body_markdown
    calm = draft_coaching(
        make_scorecard(met, evidence, strengths=["open_questions"]), meth, history_of([2]), rep=REP, today=TODAY
    )
    assert calm.focus_criterion_id == "open_questions" and calm.solution == "feedback"
    assert calm.pattern == "met in 2 of the last 2 calls \u2014 a strength to reinforce"
    assert calm.actions[0].action.startswith("Keep doing it")
    assert "stays at the target" in calm.agenda[3].body_markdown
    assert "Open questions (met):** [00:50]" in calm.agenda[1].body_markdown


def test_actions_have_owners_and_iso_due_dates(meth):
    draft = draft_coaching(_card_with_evidence(), meth, rep=REP, today=TODAY)
    assert draft.actions
    assert {a.owner for a in draft.actions} == {"rep", "manager"}
    for a in draft.actions:
        assert date.fromisoformat(a.due) in (date(2026, 3, 9), date(2026, 3, 16))
        assert a.watch_criterion == "open_questions"
    # first call: a validation step before deciding on training
    assert any("Validate the pattern" in a.action for a in draft.actions)


def test_prep_note_is_short_and_has_moments(meth):
    draft = draft_coaching(_card_with_evidence(), meth, history=history_of([0, 0]), rep=REP, today=TODAY)
    note = draft.prep_note_markdown
    assert len(note.splitlines()) <= 40
    assert "missed in 3 of the last 3 calls" in note
    assert note.count("[0") >= 2  # timestamps of key moments
    assert "**Ask:**" in note and "3. " in note


def test_wrong_methodology_is_an_error(meth):
    other = make_methodology().model_copy(update={"id": "bant"})
    with pytest.raises(MethodologyError, match="scored against 'discovery'"):
        draft_coaching(_card_with_evidence(), other)


def test_timestamp_format():
    assert timestamp(65.9) == "[01:05]" and timestamp(3725) == "[1:02:05]"


# --------------------------------------------------------------------------- LLM polish


def polish_engine(reply=None, error=False, local=False):
    """The fake chat model behind the real engine class; an unreachable endpoint when error=True."""
    import httpx2
    import openai

    failure = openai.APIConnectionError(request=httpx2.Request("POST", "http://llm.test/v1/chat/completions"))
    return fake_engine(reply, error=failure if error else None, local=local, usage=(10, 5))


def calls_of(engine):
    """(system, user, answer model) of every request the engine sent."""
    return [(r.system, r.user, r.output) for r in requests_of(engine)]


QUOTED = re.compile(r"\u201c([^\u201d]*)\u201d")


def test_llm_cannot_add_quotes_or_timestamps(meth):
    card = _card_with_evidence()
    invented = "We will sign the contract tomorrow"
    engine = polish_engine(
        {
            "lead_intro": f"Let us look at your questions. The buyer said \u201c{invented}\u201d at 04:10. You were curious.",
            "explore_intro": f'Coaching fits here. At 02:00 you said "{invented}". It is about habits.',
            "rep_questions": [f"Why did you say '{invented}'?", "How did you decide which questions to ask?"],
        }
    )
    plain = draft_coaching(card, meth, rep=REP, today=TODAY)
    draft = draft_coaching(card, meth, rep=REP, today=TODAY, engine=engine)
    assert calls_of(engine) and calls_of(engine)[0][2] is CoachingPolish
    text = "\n".join(s.body_markdown for s in draft.agenda) + draft.prep_note_markdown
    assert invented not in text and "04:10" not in text and "02:00" not in text
    evidence_quotes = {q.quote for c in card.criteria for q in c.evidence}
    methodology_examples = {ex for c in meth.criteria for ex in c.good_examples}
    assert set(QUOTED.findall(text)) <= evidence_quotes | methodology_examples
    assert set(QUOTED.findall(text)) == set(
        QUOTED.findall("\n".join(s.body_markdown for s in plain.agenda) + plain.prep_note_markdown)
    )
    lead = draft.agenda[1].body_markdown
    assert "Let us look at your questions." in lead and "You were curious." in lead
    assert "How did you decide which questions to ask? *(suggested)*" in lead
    assert "Coaching fits here." in draft.agenda[2].body_markdown


def test_llm_usage_is_added_to_the_review_tally(meth):
    from review.llm import UsageTally

    tally = UsageTally()
    engine = polish_engine({"lead_intro": "Fine.", "explore_intro": "", "rep_questions": []})
    draft_coaching(_card_with_evidence(), meth, today=TODAY, engine=engine, usage=tally)
    assert tally.as_dict() == {"prompt_tokens": 10, "completion_tokens": 5, "calls": 1}


def test_llm_error_falls_back_to_template(meth):
    card = _card_with_evidence()
    plain = draft_coaching(card, meth, rep=REP, today=TODAY)
    failed = draft_coaching(card, meth, rep=REP, today=TODAY, engine=polish_engine(error=True))
    assert failed.agenda == plain.agenda


def test_non_local_engine_gets_redacted_moments(meth):
    card = make_scorecard(
        {"agenda_set": 2, "open_questions": 0, "next_step": 1},
        evidence={"open_questions": [quote(2, 30, "Mail me at jo@example.com, ok?", BUYER, "customer")]},
    )
    remote, local = (
        polish_engine({"lead_intro": "", "explore_intro": "", "rep_questions": []}),
        polish_engine({"lead_intro": "", "explore_intro": "", "rep_questions": []}, local=True),
    )
    draft_coaching(card, meth, today=TODAY, engine=remote)
    draft_coaching(card, meth, today=TODAY, engine=local)
    assert "jo@example.com" not in calls_of(remote)[0][1] and "jo@example.com" in calls_of(local)[0][1]


def test_rep_speaker_comes_from_the_transcript_metrics_first():
    from review.coach_analysis import rep_speaker

    card = make_scorecard({c.id: 1 for c in make_methodology().criteria})
    card.metrics.rep_speaker = BUYER  # the transcript says which speaker is the rep: it wins
    assert rep_speaker(card, rep=REP) == BUYER
    card.metrics.rep_speaker = "nobody"  # not a speaker of the call: fall back to the rep argument
    assert rep_speaker(card, rep=REP) == REP


def test_a_call_with_no_rep_identified_is_flagged_on_the_agenda_and_prep_note(meth):
    from review.render import agenda_to_markdown, prep_note_to_markdown

    named = _card_with_evidence()
    assert draft_coaching(named, meth, rep=REP, today=TODAY).warnings == []
    # nobody has the rep role and no speaker is called REP: the metrics cannot be the rep's
    speakers = {"speaker_1": named.metrics.speakers[REP], "speaker_2": named.metrics.speakers[BUYER]}
    nobody = named.model_copy(update={
        "metrics": named.metrics.model_copy(update={"speakers": speakers, "rep_speaker": None}),
        "criteria": [c.model_copy(update={"evidence": [q.model_copy(update={"speaker": "speaker_1", "role": "unknown"})
                                                       for q in c.evidence]}) for c in named.criteria],
    })
    draft = draft_coaching(nobody, meth, rep=None, today=TODAY)
    assert len(draft.warnings) == 1 and "no speaker of this call was identified as the rep" in draft.warnings[0]
    assert "Rep talk ratio" not in draft.agenda[1].body_markdown  # no metrics attributed to a rep
    agenda = agenda_to_markdown(draft, nobody)
    assert agenda.index("**Warning:**") < agenda.index("## 1.") and "**Rep:** not named" in agenda
    assert "**Warning:** no speaker" in prep_note_to_markdown(draft)


def test_the_agenda_leaves_out_the_judges_working():
    from review.coach import _for_the_rep

    judged = ("No need stated (0/2): Judge: no sentence is specific to this criterion rather than the call's "
              "topic (best: \u201cTuesday works.\u201d, sentence score 0.14 against threshold 0.52).")
    assert _for_the_rep(judged) == "No need stated (0/2)"
    kept = "Agenda agreed (2/2): the rep proposed an agenda at 00:00."
    assert _for_the_rep(kept) == kept


def test_redact_names_keeps_the_speakers_and_the_reps_name_from_the_polish_call(meth):
    card = make_scorecard(
        {"agenda_set": 2, "open_questions": 0, "next_step": 1},
        evidence={"open_questions": [quote(2, 30, f"Thanks {BUYER.split()[0]}, ring me at 12 Baker Street.",
                                           BUYER, "customer")]},
    )
    reply = {"lead_intro": "", "explore_intro": "", "rep_questions": []}
    plain, masked, off = polish_engine(reply), polish_engine(reply), polish_engine(reply)
    draft_coaching(card, meth, rep=REP, today=TODAY, engine=plain)
    draft_coaching(card, meth, rep=REP, today=TODAY, engine=masked, redact_names=True)
    draft_coaching(card, meth, rep=REP, today=TODAY, engine=off, redact=False, redact_names=True)
    def sent(engine) -> str:  # the system and user prompt of its one call
        return " ".join(calls_of(engine)[0][:2])

    for part in [*REP.split(), *BUYER.split()]:
        assert part in sent(plain)  # names go by default (numbers only) ...
        assert part not in sent(masked)  # ... and not with redact_names
    assert "[NAME]" in sent(masked) and "Baker Street" not in sent(masked)
    assert "Baker Street" in sent(off)  # redaction off: the text as it is


def test_a_customer_s_words_in_a_question_are_an_excerpt_escaped_in_markdown_only():
    meth = make_methodology()
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 0})
    said = ("We *might* look at [diaries] next week, if_the budget_holder agrees and the pilot on one region goes "
            "well for everyone involved. Then again, maybe not.")
    card.criteria[2].nearest = quote(7, 212, said, speaker=BUYER, role="customer")
    draft = draft_coaching(card, meth, rep=REP, today=TODAY)
    plain = draft.confirm_questions[0]
    assert plain.startswith("At [03:32] the customer said \u201cWe *might* look at [diaries] next week, if_the ")
    assert "Then again" not in plain and plain.endswith("\u2026\u201d: what did you hear in it, and what did you do next?")
    excerpt = plain.split("\u201c")[1].split(" \u2026")[0]
    assert excerpt in said and len(excerpt) <= 90  # verbatim, cut at a word
    explore = draft.agenda[2].body_markdown
    assert "said \u201cWe \\*might\\* look at \\[diaries\\] next week, if\\_the" in explore  # inert in Markdown
    assert "*might*" not in explore
