"""Scorecard (+ the rep's earlier scorecards) -> CoachingDraft: the seed's coaching system applied.

ROAM frames the call (results vs objectives, activities, methodology); ONE focus skill is chosen
by weighted gap; the rep's history says whether the gap is a pattern or a one-off to validate
first; the Solution Chart picks training, coaching, feedback or other; SLED lays out the meeting.
Every quote and timestamp in the draft comes from the scorecard's evidence. An LLM, when given,
only rewords two paragraphs and suggests questions; anything it writes that looks like a quote
or a timestamp is dropped (see `_clean_model_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from .coaching_models import ActivityBenchmarks, CoachingModels, load_coaching_models
from .errors import LLMError, MethodologyError
from .schema import Criterion, Methodology
from .types import (
    ActionItem,
    AgendaSection,
    CoachingDraft,
    CriterionScore,
    EvidenceQuote,
    Metrics,
    Scorecard,
)

PATTERN_WINDOW = 5  # "the last 5 calls": this call and up to 4 earlier ones
FOLLOW_UP_CALLS = 3  # how many of the rep's next calls the progress check reviews
PREP_NOTE_QUOTE_CHARS = 240  # longer quotes are cut in the prep note so it stays on one page


def timestamp(seconds: float) -> str:
    """`[mm:ss]` (or `[h:mm:ss]` past an hour) for a position in the call."""
    s = max(0, int(seconds))
    h, m, sec = s // 3600, s % 3600 // 60, s % 60
    return f"[{h}:{m:02d}:{sec:02d}]" if h else f"[{m:02d}:{sec:02d}]"


def format_quote(q: EvidenceQuote, limit: int | None = None) -> str:
    """One evidence moment: timestamp, speaker and the verbatim quote.

    q: the quote. limit: cut a longer quote at a word boundary and mark the cut with an ellipsis
    (what remains is still verbatim); None keeps it whole.
    """
    text = q.quote
    if limit is not None and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " \u2026"
    return f"{timestamp(q.start)} {q.speaker}: \u201c{text}\u201d"


# --------------------------------------------------------------------------- activities (ROAM "A")


@dataclass(frozen=True)
class ActivityFinding:
    key: str  # talk_ratio, question_count, longest_monologue, patience
    name: str
    value: str
    benchmark: str
    severity: float  # 0 = within the benchmark; larger = further outside it

    @property
    def line(self) -> str:
        flag = "\u26a0 " if self.severity > 0 else ""
        return f"{flag}{self.name}: {self.value} (benchmark: {self.benchmark})"


def rep_speaker(scorecard: Scorecard, rep: str | None = None) -> str | None:
    """The rep's speaker label in the metrics: `rep` if it is one, else the speaker of rep-role evidence."""
    speakers = scorecard.metrics.speakers
    if rep and rep in speakers:
        return rep
    voices = [q.speaker for c in scorecard.criteria for q in c.evidence if q.role == "rep" and q.speaker in speakers]
    return max(set(voices), key=voices.count) if voices else None


def activity_findings(metrics: Metrics, speaker: str | None, bench: ActivityBenchmarks) -> list[ActivityFinding]:
    """The rep's conversation metrics against the ROAM activity benchmarks.

    metrics: the call's metrics. speaker: the rep's label in them (None: no per-rep findings).
    bench: the benchmarks from coaching/roam.yaml.
    """
    found: list[ActivityFinding] = []
    sm = metrics.speakers.get(speaker) if speaker else None
    if sm is not None:
        r = sm.talk_ratio
        over = r - bench.talk_ratio_target
        sev = over / (bench.talk_ratio_warning - bench.talk_ratio_target) if over > bench.talk_ratio_tolerance else 0.0
        found.append(
            ActivityFinding(
                "talk_ratio",
                "Rep talk ratio",
                f"{r:.0%}",
                f"about {bench.talk_ratio_target:.0%}; over {bench.talk_ratio_warning:.0%} lowers conversion",
                round(sev, 3),
            )
        )
        q, lo, hi = sm.question_count, bench.question_count_min, bench.question_count_max
        sev = (lo - q) / lo if q < lo and lo else (q - hi) / hi * 0.5 if q > hi and hi else 0.0
        found.append(
            ActivityFinding("question_count", "Rep questions", str(q), f"{lo}-{hi} in a discovery call", round(sev, 3))
        )
        m, w = sm.longest_monologue_s, bench.longest_monologue_warning_s
        found.append(
            ActivityFinding(
                "longest_monologue",
                "Longest rep monologue",
                f"{m:.0f} s",
                f"under {w:.0f} s",
                round(max(0.0, (m - w) / w), 3),
            )
        )
    if metrics.patience_s is not None:
        p, t = metrics.patience_s, bench.patience_target_s
        found.append(
            ActivityFinding(
                "patience",
                "Patience (pause before the rep answers)",
                f"{p:.1f} s",
                f"about {t:.0f} s or more",
                round((t - p) / t if t and p < t - bench.patience_tolerance_s else 0.0, 3),
            )
        )
    return found


# --------------------------------------------------------------------------- focus (ROAM "R vs O", "M")


@dataclass(frozen=True)
class Focus:
    kind: Literal["gap", "activity", "strength"]
    id: str  # criterion id, or "activity:<metric>" for an activity focus
    name: str
    reason: str
    criterion: Criterion | None = None
    score: CriterionScore | None = None
    target: int | None = None
    activity: ActivityFinding | None = None


def _target(c: Criterion, cs: CriterionScore) -> int:
    return min(c.target, cs.max_score)


def choose_focus(scorecard: Scorecard, methodology: Methodology, activities: list[ActivityFinding]) -> Focus:
    """ONE skill for the session: the largest weighted gap, weight x (target - score).

    Ties go to the heavier criterion, then to the earlier one in the methodology. When every
    criterion meets its target, the weakest activity metric outside its benchmark is the focus;
    when there is none, the best strength is reinforced.
    """
    by_id = {c.id: c for c in scorecard.criteria}
    ranked = []
    for order, c in enumerate(methodology.criteria):
        cs = by_id.get(c.id)
        if cs is None or cs.verdict == "not_applicable":
            continue
        gap = c.weight * (_target(c, cs) - cs.score)
        ranked.append((-gap, -c.weight, order, c, cs))
    if not ranked:
        raise MethodologyError(
            f"scorecard ({scorecard.methodology_id}) has no scored criterion of methodology '{methodology.id}'; "
            "coach with the methodology the call was scored against"
        )
    ranked.sort(key=lambda t: t[:3])
    neg_gap, _, _, c, cs = ranked[0]
    if neg_gap < 0:
        return Focus(
            "gap",
            c.id,
            c.name,
            f"largest weighted gap: weight {c.weight:g} x (target {_target(c, cs)} - score {cs.score}) = {-neg_gap:g}",
            c,
            cs,
            _target(c, cs),
        )
    worst = max(activities, key=lambda a: a.severity, default=None)
    if worst is not None and worst.severity > 0:
        return Focus(
            "activity",
            f"activity:{worst.key}",
            worst.name,
            f"every criterion meets its target; "
            f"the weakest activity is {worst.name.lower()} at {worst.value} ({worst.benchmark})",
            activity=worst,
        )
    best = next((by_id[i] for i in scorecard.strengths if i in by_id), None)
    bc = next((t for t in ranked if best and t[3].id == best.id), ranked[0])
    return Focus(
        "strength",
        bc[3].id,
        bc[3].name,
        "every criterion meets its target and every activity is within its benchmark: reinforce this strength",
        bc[3],
        bc[4],
        _target(bc[3], bc[4]),
    )


# --------------------------------------------------------------------------- pattern across calls


@dataclass(frozen=True)
class Pattern:
    kind: Literal["first", "one_off", "pattern", "strength"]
    text: str
    calls: int = 1  # calls in the window, this one included
    missed: int = 0  # of those, calls where the focus was below target
    earlier: int = 0  # earlier calls in the window
    met_before: int = 0  # of those, calls where the focus met its target
    ever_shown: bool = False  # some call in the window scored above 0 on the focus


def assess_pattern(
    focus: Focus,
    scorecard: Scorecard,
    history: list[Scorecard] | tuple = (),
    bench: ActivityBenchmarks | None = None,
    rep: str | None = None,
) -> Pattern:
    """Whether the focus gap is a pattern across the rep's calls or a one-off to validate first.

    focus: the chosen focus. scorecard: this call. history: the rep's earlier scorecards (any order;
    sorted by provenance.created_at; other methodologies and re-reviews of this call are skipped).
    bench: activity benchmarks, needed for an activity focus. rep: the rep's speaker label, if known.
    """

    def outcome(card: Scorecard) -> tuple[bool, int] | None:  # (missed, score) or None if not scored
        if focus.kind == "activity":
            found = activity_findings(card.metrics, rep_speaker(card, rep), bench) if bench else []
            hit = next((a for a in found if a.key == focus.activity.key), None)
            return None if hit is None else (hit.severity > 0, 0 if hit.severity > 0 else 1)
        cs = next((c for c in card.criteria if c.id == focus.id), None)
        if cs is None or cs.verdict == "not_applicable":
            return None
        return cs.score < min(focus.target, cs.max_score), cs.score

    earlier_cards = sorted(
        (
            h
            for h in history
            if h.methodology_id == scorecard.methodology_id
            and h.provenance.transcript_sha256 != scorecard.provenance.transcript_sha256
        ),
        key=lambda h: h.provenance.created_at,
    )
    earlier = [o for o in (outcome(h) for h in earlier_cards) if o is not None][-(PATTERN_WINDOW - 1) :]
    current = outcome(scorecard) or (True, 0)
    window = earlier + [current]
    missed = sum(1 for m, _ in window if m)
    met_before = sum(1 for m, _ in earlier if not m)
    common = dict(
        calls=len(window),
        missed=missed,
        earlier=len(earlier),
        met_before=met_before,
        ever_shown=any(s > 0 for _, s in window),
    )
    if not current[0]:
        return Pattern(
            "strength",
            f"met in {len(window) - missed} of the last {len(window)} calls \u2014 a strength to reinforce",
            **common,
        )
    if not earlier:
        return Pattern(
            "first", "first reviewed call \u2014 validate whether it is a pattern before deciding on training", **common
        )
    if met_before * 2 > len(earlier):
        return Pattern(
            "one_off",
            f"one-off: met in {met_before} of the last {len(earlier)} calls before this one "
            "\u2014 validate first whether it is a pattern",
            **common,
        )
    return Pattern("pattern", f"missed in {missed} of the last {len(window)} calls", **common)


# --------------------------------------------------------------------------- Solution Chart


def recommend_solution(likely_solution: str, pattern: Pattern) -> tuple[str, str]:
    """(solution, reason): the Solution Chart applied to what the calls show. First rule that fits wins:

    1. The methodology says this gap usually has a cause outside the rep's control
       (likely_solution "other") -> other: remove the obstacle.
    2. The focus is a strength (met on this call) -> feedback: say what to keep doing and why.
    3. First reviewed call -> coaching, starting with Engage: one observation may be an exception
       (the seed's opportunistic rule); switch to Field Training if a know-how gap shows.
    4. The rep met it in at least one earlier call -> the rep knows how, so never training:
       feedback when the methodology says the usual cause is unclear expectations, else coaching.
    5. Missed in every reviewed call -> the methodology's likely solution: training or feedback as
       given; for "coaching", training when the rep never showed it at all (every score 0: no sign
       of knowing how), coaching when the attempts fall short.
    """
    if likely_solution == "other":
        return ("other", "the usual cause of this gap is a constraint outside the rep's control (tools, time, process)")
    if pattern.kind == "strength":
        return "feedback", "the rep does this well: positive feedback makes sure it is repeated on purpose"
    if pattern.kind == "first":
        return "coaching", (
            "this is the first reviewed call, so it may be an exception: start two-way with Engage "
            "to validate, and switch to Field Training only if the rep does not know how"
        )
    if pattern.met_before > 0:
        knows = f"the rep met this in {pattern.met_before} of {pattern.earlier} earlier calls, so knows how"
        if likely_solution == "feedback":
            return ("feedback", f"{knows}; the usual cause is an unclear expectation, so clarify it and follow up")
        return ("coaching", f"{knows}; the gap is inconsistent application, which coaching addresses (not training)")
    everywhere = f"missed in all {pattern.calls} reviewed calls"
    if likely_solution == "training":
        return "training", f"{everywhere}, and the usual cause is not knowing what or how: teach it"
    if likely_solution == "feedback":
        return ("feedback", f"{everywhere}; the usual cause is an unclear expectation, so state it and follow up")
    if not pattern.ever_shown:
        return "training", f"{everywhere} and never attempted (score 0 each time): no sign the rep knows how"
    return "coaching", f"{everywhere}, but the rep attempts it and falls short: work out why together"


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
    lead_intro: str = ""
    explore_intro: str = ""
    rep_questions: tuple[str, ...] = ()


def _section_name(meth: Methodology, section_id: str) -> str:
    return next((s.name for s in meth.sections if s.id == section_id), section_id)


def _moments(sc: Scorecard, meth: Methodology, focus: Focus) -> list[tuple[str, EvidenceQuote]]:
    """Key moments: one strength to open positively, the focus quotes, and, where the focus left
    no quote, the moments of the same section of the call (where it should have happened)."""
    by_id = {c.id: c for c in sc.criteria}
    out: list[tuple[str, EvidenceQuote]] = []
    ranked = [by_id[i] for i in sc.strengths if i in by_id] + sorted(
        (c for c in sc.criteria if c.verdict == "met"), key=lambda c: -c.score / max(1, c.max_score)
    )
    strength = next((c for c in ranked if c.id != focus.id and c.evidence), None)
    if strength:
        out.append((f"Strength \u2014 {strength.name}", strength.evidence[0]))
    if focus.score is not None and focus.score.evidence:
        out += [(f"{focus.name} ({focus.score.verdict.replace('_', ' ')})", q) for q in focus.score.evidence[:3]]
    elif focus.criterion is not None:
        near = [q for c in sc.criteria if c.section == focus.criterion.section and c.id != focus.id for q in c.evidence]
        out += [
            (f"Where {focus.name.lower()} should have happened", q) for q in sorted(near, key=lambda q: q.start)[:2]
        ]
    return out


def _actions(
    focus: Focus, solution: str, pattern: Pattern, criterion: Criterion | None, today: date
) -> list[ActionItem]:
    d7, d14 = (today + timedelta(days=7)).isoformat(), (today + timedelta(days=14)).isoformat()
    watch = focus.id
    drill = criterion.coaching.drill if criterion else f"Aim for the benchmark on {focus.name.lower()} on every call."
    first = (
        f"Keep doing it: note one moment of {focus.name} per call to share at the next one-to-one"
        if focus.kind == "strength"
        else f"Practise: {drill}"
    )
    acts = [ActionItem(action=first, owner="rep", due=d7, watch_criterion=watch)]
    if pattern.kind in ("first", "one_off"):
        acts.append(
            ActionItem(
                action=f"Validate the pattern: review 2-3 more of the rep's recent calls on "
                f"{focus.name} before deciding on training",
                owner="manager",
                due=d7,
                watch_criterion=watch,
            )
        )
    manager_step = {
        "training": f"Run a Field Training session on {focus.name}: tell, show, then role-play it with the rep",
        "coaching": f"Hold a Sales Coaching follow-up on {focus.name}, starting with Engage",
        "feedback": f"Write down the expectation for {focus.name} and confirm it with the rep",
        "other": f"Remove the obstacle behind {focus.name} (tools, time or process) and tell the rep when it is done",
    }[solution]
    acts.append(ActionItem(action=manager_step, owner="manager", due=d7, watch_criterion=watch))
    acts.append(
        ActionItem(
            action=f"Self-review your next {FOLLOW_UP_CALLS} calls against {focus.name} before our next one-to-one",
            owner="rep",
            due=d14,
            watch_criterion=watch,
        )
    )
    acts.append(
        ActionItem(
            action=f"Review the rep's next {FOLLOW_UP_CALLS} scored calls: {focus.name} should reach its target",
            owner="manager",
            due=d14,
            watch_criterion=watch,
        )
    )
    return acts


def _score_text(focus: Focus) -> str:
    if focus.score is not None:
        return f"{focus.score.score}/{focus.score.max_score} (target {focus.target})"
    return f"{focus.activity.value} (benchmark: {focus.activity.benchmark})"


def _set_the_stage(x: _Ctx) -> str:
    part = x.models.sled
    crit = x.focus.criterion
    value = (
        f"at its best, {x.focus.name.lower()} looks like this: {crit.levels[-1].description} It is one change "
        f"you will see in your very next calls, on a skill weighted {crit.weight:g} in {x.meth.name}."
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
        f"When you listen back to the call, how do you think {x.focus.name.lower()} went?",
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
    lines += [f"- **{label}:** {format_quote(q)}" for label, q in x.moments] or [
        f"- No moment in this call shows {x.focus.name.lower()}"
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
            f"\u2014 {x.focus.score.rationale}"
        )
    lines += ["", f"**Pattern:** {x.pattern.text}.", "", "**Metrics that matter:**"]
    lines += [f"- {a.line}" for a in x.activities] or ["- No conversation metrics for the rep on this call."]
    return "\n".join(lines)


def _explore_options(x: _Ctx) -> str:
    chart = x.models.solution_chart
    lines = [x.explore_intro, ""] if x.explore_intro else []
    lines.append("**Options (Solution Chart):**")
    lines += [f"- **{o.key.capitalize()}** \u2014 when: {o.cause} Do: {o.what_to_do}" for o in chart.solutions]
    lines += ["", f"**Recommended: {x.solution}** \u2014 {x.reason}.", "", "**Questions to confirm it:**"]
    lines += [f"- {q}" for q in x.questions]
    crit = x.focus.criterion
    if x.solution == "training":
        top = crit.levels[-1].description if crit else x.focus.activity.benchmark
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
        lines += [
            f"{i}. **{s.name}** \u2014 {s.manager_does} {applied[s.key]}"
            for i, s in enumerate(x.models.field_training.steps, 1)
        ]
    elif x.solution == "coaching":
        sc_model = x.models.sales_coaching
        lines += [
            "",
            "**Sales Coaching, starting with Engage (two-way):**",
            *[f"- {q}" for q in sc_model.engage_questions],
            "",
        ]
        lines += [f"{i}. **{s.name}** \u2014 {s.manager_does}" for i, s in enumerate(sc_model.steps, 1)]
        if crit:
            lines.append(f"\nIf the rep proposes no practice, offer this drill: {crit.coaching.drill}")
    elif x.solution == "feedback":
        expected = crit.levels[-1].description if crit else x.focus.activity.benchmark
        lines += [
            "",
            f"**The expectation to state:** {expected}",
            "",
            f"**Why it matters:** {crit.coaching.usual_cause if crit else x.focus.reason}",
            "",
            "**Follow-up:** agree when you will look at the next calls together.",
        ]
    else:
        lines += ["", f"**Find the obstacle:** {chart.option('other').what_to_do}"]
    if x.pattern.kind in ("first", "one_off"):
        if x.solution != "coaching":  # the seed: for a one-off, start two-way with Engage anyway
            lines += [
                "",
                "**Start with Engage to validate:**",
                *[f"- {q}" for q in x.models.sales_coaching.engage_questions],
            ]
        lines += [
            "",
            "*One observation may be an exception: validate in the Engage discussion and the rep's other "
            "calls before committing to training.*",
        ]
    return "\n".join(lines)


def _develop_plan(x: _Ctx) -> str:
    lines = ["| Action | Owner | Due | Watch |", "|---|---|---|---|"]
    lines += [f"| {a.action.replace('|', '/')} | {a.owner} | {a.due} | {a.watch_criterion or ''} |" for a in x.actions]
    lines += [
        "",
        f"**Watch on the next calls:** {x.focus.name} (`{x.focus.id}`), now {_score_text(x.focus)}.",
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


def _prep_note(x: _Ctx) -> str:
    created = x.sc.provenance.created_at[:10]
    lines = [
        f"# Prep note: {x.rep or 'rep'} \u2014 {x.focus.name}",
        "",
        f"- **Call:** scored {created} against {x.sc.methodology_name} "
        f"(transcript {x.sc.provenance.transcript_sha256[:8]}); {x.sc.provenance.engine_label}.",
        f"- **Score:** {x.sc.total_score:g}/{x.sc.total_max:g} ({x.sc.total_percent:.0f}%)"
        + (
            "; " + ", ".join(f"{_section_name(x.meth, s.section)} {s.percent:.0f}%" for s in x.sc.sections)
            if x.sc.sections
            else ""
        )
        + ".",
        f"- **Focus:** {x.focus.name} \u2014 {_score_text(x.focus)}; {x.focus.reason}.",
        f"- **Pattern:** {x.pattern.text}.",
        f"- **Recommendation:** {x.solution} \u2014 {x.reason}.",
        "",
        "**Ask:**",
    ]
    lines += [f"{i}. {q}" for i, q in enumerate(x.questions[:3], 1)]
    lines += ["", "**Key moments:**"]
    lines += [f"- {label}: {format_quote(q, PREP_NOTE_QUOTE_CHARS)}" for label, q in x.moments[:3]] or [
        "- No quoted moment for the focus in this call."
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- optional LLM polish

# Double quotes of any kind, single-quoted spans (not apostrophes: "rep's" stays), and times.
_QUOTE_OR_TIME = re.compile(
    r"[\"\u201c\u201d\u201e\u00ab\u00bb]|(?<!\w)['\u2018][^'\u2018\u2019]{3,}['\u2019](?!\w)|\b\d{1,2}:\d{2}\b"
)
_POLISH_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["lead_intro", "explore_intro", "rep_questions"],
    "properties": {
        "lead_intro": {"type": "string", "maxLength": 600},
        "explore_intro": {"type": "string", "maxLength": 600},
        "rep_questions": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 200}},
    },
}


def _clean_model_text(text: object, limit: int) -> str:
    """Model prose without any sentence that carries a quotation mark or a timestamp: quotes and
    times in the agenda come only from the scorecard."""
    if not isinstance(text, str):
        return ""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = [s for s in sentences if s and not _QUOTE_OR_TIME.search(s)]
    return " ".join(kept)[:limit].strip()


def _polish(x: _Ctx, engine, usage) -> None:
    from .prompts import load_prompt
    from .redact import redact

    send = (lambda t: t) if getattr(engine, "local", False) else redact
    crit = x.focus.criterion
    prompt = load_prompt("coach_agenda")
    system, user = prompt.render(
        methodology_name=x.meth.name,
        rep=x.rep or "the rep",
        focus_name=x.focus.name,
        focus_question=crit.question.strip() if crit else x.focus.activity.benchmark,
        score_text=_score_text(x.focus),
        pattern=x.pattern.text,
        usual_cause=crit.coaching.usual_cause if crit else x.focus.reason,
        solution=x.solution,
        solution_reason=x.reason,
        drill=crit.coaching.drill if crit else "",
        moments="\n".join(send(f"{label}: {q.speaker}: {q.quote}") for label, q in x.moments) or "(none)",
    )
    try:
        reply, used = engine.complete_json(system, user, _POLISH_SCHEMA, "coach_agenda")
    except LLMError:
        return  # the template text stands on its own
    if usage is not None:
        usage.add(used or {})
    if not isinstance(reply, dict):
        return
    x.lead_intro = _clean_model_text(reply.get("lead_intro"), 600)
    x.explore_intro = _clean_model_text(reply.get("explore_intro"), 600)
    questions = reply.get("rep_questions") if isinstance(reply.get("rep_questions"), list) else []
    x.rep_questions = tuple(q for q in (_clean_model_text(q, 200) for q in questions[:3]) if q.endswith("?"))


def draft_coaching(
    scorecard: Scorecard,
    methodology: Methodology,
    history: list[Scorecard] | tuple = (),
    rep: str | None = None,
    today: date | None = None,
    engine=None,
    models: CoachingModels | None = None,
    usage=None,
) -> CoachingDraft:
    """The coaching draft for one reviewed call.

    scorecard: the call's scorecard. methodology: the methodology it was scored against (targets,
    weights, coaching guidance). history: the same rep's earlier scorecards (any order). rep: the
    rep's name (also used to find the rep in the metrics). today: the date actions count from
    (default today). engine: an optional ChatEngine that rewords two paragraphs and suggests
    questions; on any LLMError the template text is kept. models: coaching models (default the
    repository's coaching/ files). usage: a review.llm.UsageTally that the polish call's token
    usage is added to (the review's total).
    """
    if scorecard.methodology_id != methodology.id:
        raise MethodologyError(
            f"scorecard was scored against '{scorecard.methodology_id}', not '{methodology.id}'; "
            "coach with the methodology the call was scored against"
        )
    models = models or load_coaching_models()
    today = today or date.today()
    bench = models.roam.activity_benchmarks
    activities = activity_findings(scorecard.metrics, rep_speaker(scorecard, rep), bench)
    focus = choose_focus(scorecard, methodology, activities)
    pattern = assess_pattern(focus, scorecard, history, bench, rep)
    likely = focus.criterion.coaching.likely_solution if focus.criterion else "coaching"
    solution, reason = recommend_solution(likely, pattern)
    chart = models.solution_chart
    moments = _moments(scorecard, methodology, focus)
    focus_moment = next((q for label, q in moments if not label.startswith("Strength")), None)
    opener = (
        f"Walk me through the moment at {timestamp(focus_moment.start)}: what were you aiming for there?"
        if focus_moment
        else f"In the {_section_name(methodology, focus.criterion.section).lower()} part of this call, what did you plan to do "
        f"about {focus.name.lower()}?"
        if focus.criterion
        else f"What were you aiming for when {focus.name.lower()} came up in this call?"
    )
    questions = [opener, *chart.option(solution).questions[:2], chart.option(_ALTERNATIVE[solution]).questions[0]]
    x = _Ctx(
        scorecard,
        methodology,
        models,
        focus,
        pattern,
        solution,
        reason,
        questions,
        activities,
        moments,
        _actions(focus, solution, pattern, focus.criterion, today),
        today,
        rep,
    )
    if engine is not None:
        _polish(x, engine, usage)
    agenda = [
        AgendaSection(key=p.key, title=p.title, minutes=p.minutes, body_markdown=_BUILDERS[p.key](x))
        for p in models.sled.parts
    ]
    results = ", ".join(
        f"{c.name} {c.score}/{c.max_score}" for c in scorecard.criteria if c.verdict != "not_applicable"
    )
    missed = [
        c.name
        for c in methodology.criteria
        if (cs := next((s for s in scorecard.criteria if s.id == c.id), None))
        and cs.verdict != "not_applicable"
        and cs.score < _target(c, cs)
    ]
    return CoachingDraft(
        rep=rep,
        focus_criterion_id=focus.id,
        focus_criterion_name=focus.name,
        pattern=pattern.text,
        solution=solution,
        solution_reason=reason,
        confirm_questions=questions,
        roam={
            "results": f"{scorecard.total_score:g}/{scorecard.total_max:g} ({scorecard.total_percent:.0f}%): {results}.",
            "objectives": (
                f"Below target on {len(missed)} of {len(methodology.criteria)} criteria: {', '.join(missed)}."
                if missed
                else "Every scored criterion meets its target level."
            ),
            "activities": "; ".join(a.line for a in activities) or "No conversation metrics for the rep on this call.",
            "methodology": f"Focus: {focus.name} \u2014 {focus.reason}.",
        },
        agenda=agenda,
        actions=x.actions,
        prep_note_markdown=_prep_note(x),
        engine_label=scorecard.provenance.engine_label,
    )
