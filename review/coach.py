"""Scorecard (+ the rep's earlier scorecards) -> CoachingDraft: the SLED meeting written out.

review.coach_analysis decides (ROAM, the ONE focus skill, pattern or one-off, the Solution Chart
recommendation, key moments, actions); this module writes the SLED agenda and the prep note.
Every quote and timestamp in the draft comes from the scorecard's evidence. An LLM, when given,
only rewords two paragraphs and suggests questions; anything it writes that looks like a quote
or a timestamp is dropped (review.coach_polish). """

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .coach_analysis import (
    FOLLOW_UP_CALLS,
    ActivityFinding,
    Focus,
    Pattern,
    activity_findings,
    assess_pattern,
    choose_focus,
    key_moments,
    plan_actions,
    recommend_solution,
    rep_speaker,
    roam_summary,
)
from .coach_polish import CoachingPolish, polish
from .coaching_models import CoachingModels, load_coaching_models
from .errors import MethodologyError
from .markdown_text import escape_markdown
from .render import format_quote, timestamp
from .schema import Methodology
from .snippets import cut_at_word, sentences
from .types import ActionItem, AgendaSection, CoachingDraft, EvidenceQuote, Scorecard, Transcript

__all__ = ["PREP_NOTE_QUOTE_CHARS", "CoachingPolish", "draft_coaching"]

PREP_NOTE_QUOTE_CHARS = 240  # longer quotes are cut in the prep note so it stays on one page


_ALTERNATIVE = {"training": "coaching", "coaching": "training", "feedback": "training", "other": "feedback"}


# --------------------------------------------------------------------------- the draft


@dataclass
class _Ctx:
    """Everything the section builders read, computed once."""

    sc: Scorecard
    meth: Methodology
    models: CoachingModels
    focus: Focus
    pattern: Pattern
    solution: str
    reason: str
    questions: list[str]
    activities: list[ActivityFinding]
    moments: list[tuple[str, EvidenceQuote]]  # (label, quote) in the order shown
    actions: list[ActionItem]
    today: date
    rep: str | None
    warnings: tuple[str, ...] = ()
    lead_intro: str = ""
    explore_intro: str = ""
    rep_questions: tuple[str, ...] = ()
    opener_markdown: str = ""  # questions[0] for a Markdown document (a quote in it escaped)

    @property
    def questions_markdown(self) -> list[str]:
        return [self.opener_markdown or self.questions[0], *self.questions[1:]]


_EXCERPT_CHARS = 90


def _excerpt(quote: str) -> str:
    """The opening of a quote for a question: its first sentence, cut at a word within _EXCERPT_CHARS
    (what remains is verbatim, a cut marked with an ellipsis)."""
    text = " ".join(quote.split())
    first = (sentences(text) or [text])[0]
    if len(first) <= _EXCERPT_CHARS:
        return first if first == text else first + " \u2026"
    return cut_at_word(first, _EXCERPT_CHARS)


def _section_name(meth: Methodology, section_id: str) -> str:
    return next((s.name for s in meth.sections if s.id == section_id), section_id)


def _score_text(focus: Focus) -> str:
    if focus.score is not None:
        return f"{focus.score.score}/{focus.score.max_score} (target {focus.target})"
    return f"{_activity(focus).value} (benchmark: {_activity(focus).benchmark})"


def _activity(focus: Focus) -> ActivityFinding:
    """The finding of an activity focus (a focus without a criterion carries one)."""
    assert focus.activity is not None
    return focus.activity


def _set_the_stage(x: _Ctx) -> str:
    part = x.models.sled
    crit = x.focus.criterion
    value = (
        f"at its best, {x.focus.phrase} looks like this: {crit.levels[-1].description} It is one change "
        "you will see in your very next calls."
        if crit
        else "a balanced conversation lets the buyer tell you what they need, and that is what wins deals."
    )
    lines = [
        f"**Purpose:** one skill this session: **{x.focus.name}** \u2014 {_score_text(x.focus)} on this call; {x.focus.reason}.",
        "",
        "**Objectives:**",
        f"- Agree on what happened at the key moments of {x.focus.name} in the call.",
        f"- Agree on the cause and the best way to close the gap ({x.solution} is recommended).",
        "- Leave with actions that have an owner and a date.",
        "",
        f"**Agenda and timing ({sum(p.minutes for p in part.parts)} min):**",
    ]
    lines += [f"{i}. {p.title} \u2014 {p.minutes} min" for i, p in enumerate(part.parts, 1)]
    lines += ["", f"**Value to you:** {value}", "", "**Check agreement:**"]
    lines += [f"- {q}" for q in part.part("set_the_stage").guiding_questions]
    return "\n".join(lines)


def _lead_analysis(x: _Ctx) -> str:
    guiding = x.models.sled.part("lead_analysis").guiding_questions
    first = [
        guiding[0],
        f"When you listen back to the call, how do you think you did on {x.focus.phrase_to_rep}?",
        *guiding[1:3],
    ]
    first += [f"{q} *(suggested)*" for q in x.rep_questions]
    lines = [x.lead_intro, ""] if x.lead_intro else []
    lines += [
        "**Ask first (the rep's own view):**",
        *[f"{i}. {q}" for i, q in enumerate(first, 1)],
        "",
        "**Then the evidence:**",
    ]
    lines += [f"- **{label}:** {format_quote(q, markdown=True)}" for label, q in x.moments] or [
        f"- No moment in this call shows {x.focus.phrase}"
        + (
            f"; play the {_section_name(x.meth, x.focus.criterion.section).lower()} part of the call together"
            if x.focus.criterion
            else ""
        )
        + " and find where it could have happened."
    ]
    if x.focus.score is not None:
        lines.append(
            f"- Scorecard: {x.focus.score.score}/{x.focus.score.max_score}, {x.focus.score.verdict.replace('_', ' ')} "
            f"\u2014 {escape_markdown(_for_the_rep(x.focus.score.rationale))}"
        )
    # the agenda is read with the rep: the finding, not the advice to the manager (that is in the prep note)
    lines += ["", f"**Pattern:** {x.pattern.finding}.", "", "**Metrics that matter:**"]
    lines += [f"- {a.line}" for a in x.activities] or ["- No conversation metrics for the rep on this call."]
    return "\n".join(lines)


def _explore_options(x: _Ctx) -> str:
    chart = x.models.solution_chart
    lines = [x.explore_intro, ""] if x.explore_intro else []
    chosen = chart.option(x.solution)
    lines += [f"**Proposed: {x.solution}** \u2014 {chosen.what_to_do}", "", "**Questions to confirm it:**"]
    lines += [f"- {q}" for q in x.questions_markdown]
    crit = x.focus.criterion
    if x.solution == "training":
        top = crit.levels[-1].description if crit else _activity(x.focus).benchmark
        example = (
            f" e.g. \u201c{crit.good_examples[0]}\u201d (methodology example, not from this call)"
            if crit and crit.good_examples
            else ""
        )
        applied = {
            "tell": f"What good looks like: {top}",
            "show": f"Model it in a role-play{example}.",
            "do": f"Drill: {crit.coaching.drill if crit else 'practise it in a role-play'}",
            "review": f"Review the next {FOLLOW_UP_CALLS} calls together, the rep's view first.",
        }
        lines += ["", f"**Field Training on {x.focus.name}:**"]
        lines += [f"{i}. **{s.name}** \u2014 {applied[s.key]}" for i, s in enumerate(x.models.field_training.steps, 1)]
    elif x.solution == "coaching":
        steps = " \u2192 ".join(s.name for s in x.models.sales_coaching.steps)
        lines += ["", f"**How we work on it (Sales Coaching):** {steps}. We talk it through together first "
                  "(Engage), you choose what to change and how to practise it, then we review your next calls."]
        if crit:
            lines += ["", f"**A drill to try:** {crit.coaching.drill}"]
    elif x.solution == "feedback":
        expected = crit.levels[-1].description if crit else _activity(x.focus).benchmark
        lines += [
            "",
            f"**The expectation to state:** {expected}",
            "",
            f"**Usual cause of this gap:** {crit.coaching.usual_cause if crit else x.focus.reason}",
            "",
            "**Follow-up:** agree when you will look at the next calls together.",
        ]
    else:
        lines += ["", f"**Find the obstacle:** {chart.option('other').what_to_do}"]
    if x.pattern.kind in ("first", "one_off"):
        if x.solution != "coaching":  # the seed: for a one-off, start two-way with Engage anyway
            lines += ["", "**Start with Engage to validate:** we talk it through together before deciding."]
        lines += ["", "*One call may be an exception: we look at your other calls before deciding on training.*"]
    return "\n".join(lines)


def _develop_plan(x: _Ctx) -> str:
    # The action table is the draft's `actions` (edited as a table, rendered by review.render).
    lines = [
        f"**Watch on the next calls:** {x.focus.name}, now {_score_text(x.focus)}.",
        "",
        f"**Progress check:** review the rep's next {FOLLOW_UP_CALLS} calls on {x.focus.name} by {x.actions[-1].due}; "
        + (
            "success means it stays at the target on each of them."
            if x.focus.kind == "strength"
            else "progress means the score moves toward the target on each of them."
        ),
    ]
    return "\n".join(lines)


_BUILDERS = {
    "set_the_stage": _set_the_stage,
    "lead_analysis": _lead_analysis,
    "explore_options": _explore_options,
    "develop_plan": _develop_plan,
}


def _check_the_miss(x: _Ctx) -> list[str]:
    """Before coaching on a miss, the manager hears the moment the judge found closest (not counted)."""
    closest = x.focus.score.nearest if x.focus.score is not None and not x.focus.score.evidence else None
    if closest is None:
        return []
    return [f"- **Check first:** the AI counted no moment of {x.focus.phrase}; the closest it found is at "
            f"{timestamp(closest.start)}. Listen to it: if it shows {x.focus.phrase}, override the score on the "
            "call page; Coaching prep then offers to redraft the agenda for the new focus."]


def _prep_note(x: _Ctx) -> str:
    created = x.sc.provenance.created_at[:10]
    lines = [
        f"# Prep note: {x.rep or 'rep'} \u2014 {x.focus.name}",
        "",
        *[f"> **Warning:** {w}\n" for w in x.warnings],
        f"- **Call:** scored {created} against {x.sc.methodology_name}; {x.sc.provenance.engine_label}.",
        f"- **Score:** {x.sc.total_score:g}/{x.sc.total_max:g} ({x.sc.total_percent:.0f}%)"
        + (
            "; " + ", ".join(f"{_section_name(x.meth, s.section)} {s.percent:.0f}%" for s in x.sc.sections)
            if x.sc.sections
            else ""
        )
        + ".",
        f"- **Focus:** {x.focus.name} \u2014 {_score_text(x.focus)}; {x.focus.reason}"
        + (f" ({x.focus.detail})." if x.focus.detail else "."),
        f"- **Pattern:** {x.pattern.text}.",
        *_check_the_miss(x),
        f"- **Recommendation:** {x.solution} \u2014 {x.reason}.",
        "- **Other options (Solution Chart):** "
        + " ".join(f"*{o.key.capitalize()}:* {o.what_to_do}" for o in x.models.solution_chart.solutions
                   if o.key != x.solution),
        "",
        "**Ask:**",
    ]
    lines += [f"{i}. {q}" for i, q in enumerate(x.questions_markdown[:3], 1)]
    lines += ["", "**Key moments:**"]
    lines += [f"- {label}: {format_quote(q, PREP_NOTE_QUOTE_CHARS, markdown=True)}" for label, q in x.moments[:3]] or [
        "- No quoted moment for the focus in this call."
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- optional LLM polish


def _polish(x: _Ctx, engine, usage, redact_on: bool = True, redact_names: bool = False) -> None:
    crit = x.focus.criterion
    values = dict(
        methodology_name=x.meth.name,
        focus_name=x.focus.name,
        focus_question=crit.question.strip() if crit else _activity(x.focus).benchmark,
        score_text=_score_text(x.focus),
        pattern=x.pattern.text,
        usual_cause=crit.coaching.usual_cause if crit else x.focus.reason,
        solution=x.solution,
        solution_reason=x.reason,
        drill=crit.coaching.drill if crit else "",
    )
    done = polish(engine, values, x.rep, [(label, q.speaker, q.quote) for label, q in x.moments],
                  list(x.sc.metrics.speakers), usage, redact_on, redact_names)
    if done is not None:
        x.lead_intro, x.explore_intro, x.rep_questions = done.lead_intro, done.explore_intro, done.rep_questions


def draft_coaching(
    scorecard: Scorecard,
    methodology: Methodology,
    history: list[Scorecard] | tuple = (),
    rep: str | None = None,
    today: date | None = None,
    engine=None,
    models: CoachingModels | None = None,
    usage=None,
    redact: bool = True,
    redact_names: bool = False,
    transcript: Transcript | None = None,
) -> CoachingDraft:
    """The coaching draft for one reviewed call.

    scorecard: the call's scorecard. methodology: the methodology it was scored against (targets,
    weights, coaching guidance). history: the same rep's earlier scorecards (any order). rep: the
    rep's name (finds the rep in metrics that name no rep speaker). today: the date actions count from
    (default today). engine: an optional ChatEngine that rewords two paragraphs and suggests
    questions; on any LLMError the template text is kept. models: coaching models (default the
    repository's coaching/ files). usage: a review.llm.UsageTally that the polish call's token
    usage is added to (the review's total). redact / redact_names: settings.redact and
    settings.redact_names, applied to what the polish call sends to a non-local engine (numbers;
    also the speakers' and the rep's names and addresses). transcript: the call's transcript; a
    talk-metric focus cites the moments behind its figure from it (review.metric_moments).
    """
    if scorecard.methodology_id != methodology.id:
        raise MethodologyError(
            f"scorecard was scored against '{scorecard.methodology_id}', not '{methodology.id}'; "
            "coach with the methodology the call was scored against"
        )
    models = models or load_coaching_models()
    today = today or date.today()
    bench = models.roam.activity_benchmarks
    speaker = rep_speaker(scorecard, rep)
    activities = activity_findings(scorecard.metrics, speaker, bench, scorecard.duration_s)
    warnings = () if speaker is not None else (
        "no speaker of this call was identified as the rep, so the evidence and metrics may not be the "
        f"rep's{' (' + rep + ')' if rep else ''}: check the roles on the call page before sharing this agenda",
    )
    focus = choose_focus(scorecard, methodology, activities)
    pattern = assess_pattern(focus, scorecard, history, bench, rep)
    likely = focus.criterion.coaching.likely_solution if focus.criterion else "coaching"
    solution, reason = recommend_solution(likely, pattern)
    chart = models.solution_chart
    moments = key_moments(scorecard, focus, transcript, speaker)
    focus_moment = next((q for label, q in moments if not label.startswith("Strength")), None)
    def opener(markdown: bool) -> str:
        if focus_moment and focus_moment.role == "customer":  # what they said, so the question stands alone
            said = _excerpt(focus_moment.quote)
            said = escape_markdown(said) if markdown else said
            return (f"At {timestamp(focus_moment.start)} the customer said “{said}”: what did you hear in "
                    "it, and what did you do next?")
        if focus_moment:
            return f"Walk me through the moment at {timestamp(focus_moment.start)}: what were you aiming for there?"
        if focus.criterion:
            return (f"In the {_section_name(methodology, focus.criterion.section).lower()} part of this call, what did "
                    f"you plan to do about {focus.phrase}?")
        return f"How did {focus.phrase_to_rep} go on this call, from your side?"

    questions = [opener(False), *chart.option(solution).questions[:2], chart.option(_ALTERNATIVE[solution]).questions[0]]
    x = _Ctx(
        scorecard, methodology, models, focus, pattern, solution, reason, questions, activities, moments,
        plan_actions(focus, solution, pattern, today), today, rep, warnings, opener_markdown=opener(True),
    )
    if engine is not None:
        _polish(x, engine, usage, redact, redact_names)
    agenda = [
        AgendaSection(key=p.key, title=p.title, minutes=p.minutes, body_markdown=_BUILDERS[p.key](x))
        for p in models.sled.parts
    ]
    return CoachingDraft(
        rep=rep,
        focus_criterion_id=focus.id,
        focus_criterion_name=focus.name,
        pattern=pattern.text,
        solution=solution,
        solution_reason=reason,
        confirm_questions=questions,
        roam=roam_summary(scorecard, methodology, activities, focus),
        agenda=agenda,
        actions=x.actions,
        prep_note_markdown=_prep_note(x),
        engine_label=scorecard.provenance.engine_label,
        warnings=list(warnings),
    )


def _for_the_rep(rationale: str) -> str:
    """A rationale without the offline judge's working (sentence scores, thresholds): the agenda is
    for the rep to read; the manager sees the whole rationale on the call page."""

    return re.sub(r"\s*Judge: .*$", "", rationale, flags=re.S).rstrip(" :") or rationale
