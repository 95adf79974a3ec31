"""What one reviewed call says about the rep, in the seed's coaching system (no text layout here).

ROAM frames the call (results vs objectives, activities, methodology); ONE focus skill is chosen
by weighted gap; the rep's history says whether the gap is a pattern or a one-off to validate
first; the Solution Chart picks training, coaching, feedback or other; the key moments and the
action plan follow from those. review.coach turns these decisions into the SLED draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from .coaching_models import ActivityBenchmarks
from .errors import MethodologyError
from .metric_moments import metric_moments
from .playbook.wording import skill_phrase
from .schema import Criterion, Methodology
from .types import ActionItem, CriterionScore, EvidenceQuote, Metrics, Scorecard, Transcript

PATTERN_WINDOW = 5  # "the last 5 calls": this call and up to 4 earlier ones
FOLLOW_UP_CALLS = 3  # how many of the rep's next calls the progress check reviews


# --------------------------------------------------------------------------- activities (ROAM "A")


@dataclass(frozen=True)
class ActivityFinding:
    key: str  # talk_ratio, question_count, longest_monologue, patience
    name: str
    value: str
    benchmark: str
    severity: float  # 0 = within the benchmark; larger = further outside it
    above: bool = False  # the rep's figure is above the benchmark's range (question count: asked too many)

    @property
    def line(self) -> str:
        flag = "\u26a0 " if self.severity > 0 else ""
        return f"{flag}{self.name}: {self.value}" + (f" (benchmark: {self.benchmark})" if self.benchmark else "")


def question_benchmark(duration_s: float | None, bench: ActivityBenchmarks) -> tuple[int, int, str] | None:
    """(min, max, text) of the rep's question count for a discovery call of this length: the
    benchmark (e.g. 11-14 for 45 minutes) scaled per minute; None when the call is shorter than
    bench.question_count_min_call_minutes or its length is unknown (no benchmark applies)."""
    if not duration_s or duration_s / 60 < bench.question_count_min_call_minutes:
        return None
    minutes = duration_s / 60
    per = minutes / bench.question_count_call_minutes
    lo, hi = round(bench.question_count_min * per), max(1, round(bench.question_count_max * per))
    return lo, hi, f"{lo}-{hi} in a {minutes:.0f}-minute discovery call"


def rep_speaker(scorecard: Scorecard, rep: str | None = None) -> str | None:
    """The rep's label in `scorecard.metrics`: the one its segment roles name, else `rep` (the rep's
    name or label) if it is one, else the speaker of most rep-role evidence."""
    speakers = scorecard.metrics.speakers
    if scorecard.metrics.rep_speaker in speakers:
        return scorecard.metrics.rep_speaker
    if rep and rep in speakers:
        return rep
    voices = [q.speaker for c in scorecard.criteria for q in c.evidence if q.role == "rep" and q.speaker in speakers]
    return max(set(voices), key=voices.count) if voices else None


def activity_findings(metrics: Metrics, speaker: str | None, bench: ActivityBenchmarks,
                      duration_s: float | None = None) -> list[ActivityFinding]:
    """The rep's conversation metrics against the ROAM activity benchmarks.

    metrics: the call's metrics. speaker: the rep's label in them (None: no per-rep findings).
    bench: the benchmarks from coaching/roam.yaml. duration_s: the call's length (Scorecard.duration_s);
    the question benchmark is scaled to it, and left out when it is unknown or the call is short.
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
        q = sm.question_count
        scaled = question_benchmark(duration_s, bench)
        if scaled is None:
            found.append(ActivityFinding("question_count", "Rep questions", str(q), "", 0.0))
        else:
            lo, hi, text = scaled
            sev = (lo - q) / lo if q < lo and lo else (q - hi) / hi * 0.5 if q > hi and hi else 0.0
            found.append(ActivityFinding("question_count", "Rep questions", str(q), text, round(sev, 3), above=q > hi))
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
    detail: str = ""  # how it was chosen, for the manager's prep note (not the rep's agenda)

    @property
    def phrase(self) -> str:
        """The focus inside a sentence: "asking for the donation", "pain quantified", "rep talk ratio"."""
        return skill_phrase(self.name) if self.criterion is not None else self.name.lower()

    @property
    def phrase_to_rep(self) -> str:
        """The focus inside a sentence said to the rep: a talk metric as what they do ("your share of the
        talking", not "rep talk ratio"); a criterion as `phrase`."""
        if self.activity is not None and self.criterion is None:
            return _TO_REP.get(self.activity.key, self.phrase)
        return self.phrase


# a talk metric, said to the rep (its name, "Rep talk ratio", is the manager's)
_TO_REP = {"talk_ratio": "your share of the talking", "question_count": "the questions you asked",
           "longest_monologue": "your longest monologue", "patience": "pausing before you answer"}


def _target(c: Criterion, cs: CriterionScore) -> int:
    return min(c.target, cs.max_score)


def _activity_focus(worst: ActivityFinding, why: str) -> Focus:
    # the value and its benchmark are said beside the name wherever the reason is shown (coach._score_text)
    reason = f"{why}; of the talk metrics, this one is the furthest outside its benchmark"
    return Focus("activity", f"activity:{worst.key}", worst.name, reason, activity=worst)


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
    if not ranked and activities and any(c.id in by_id for c in methodology.criteria):
        # Every criterion was judged not applicable (e.g. a very short call): the talk metrics are
        # the only evidence left, so coach on the weakest of them rather than fail the review.
        return _activity_focus(max(activities, key=lambda a: a.severity),
                               f"no criterion of {methodology.name} applied to this call")
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
            "the biggest gap on this call between what happened and what is expected",
            c,
            cs,
            _target(c, cs),
            detail=f"weighted gap {-neg_gap:g}: weight {c.weight:g} \u00d7 (target {_target(c, cs)} \u2212 score {cs.score})",
        )
    worst = max(activities, key=lambda a: a.severity, default=None)
    if worst is not None and worst.severity > 0:
        return _activity_focus(worst, "every criterion meets its target")
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

    @property
    def finding(self) -> str:
        """The text without the advice to the manager after the dash (what the agenda says)."""
        return pattern_finding(self.text)


def pattern_finding(text: str) -> str:
    """'first reviewed call — validate whether it is a pattern ...' -> 'first reviewed call': a
    pattern's text is its finding, then after " — " any advice to the manager."""
    return text.split(" — ")[0]


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
            found = activity_findings(card.metrics, rep_speaker(card, rep), bench, card.duration_s) if bench else []
            assert focus.activity is not None  # an activity focus carries its finding
            hit = next((a for a in found if a.key == focus.activity.key), None)
            return None if hit is None else (hit.severity > 0, 0 if hit.severity > 0 else 1)
        cs = next((c for c in card.criteria if c.id == focus.id), None)
        if cs is None or cs.verdict == "not_applicable":
            return None
        assert focus.target is not None  # a criterion focus carries its target
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
    common: dict[str, Any] = dict(
        calls=len(window),
        missed=missed,
        earlier=len(earlier),
        met_before=met_before,
        ever_shown=any(s > 0 for _, s in window),
    )
    # a pattern's text is the finding, then after " — " any advice to the manager (pattern_finding)
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


def recommend_solution(
    likely_solution: str, pattern: Pattern
) -> tuple[Literal["training", "coaching", "feedback", "other"], str]:
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


# --------------------------------------------------------------------------- key moments and plan


def key_moments(sc: Scorecard, focus: Focus, transcript: Transcript | None = None,
                speaker: str | None = None) -> list[tuple[str, EvidenceQuote]]:
    """(label, quote) pairs from the scorecard `sc`: one strength to open positively, the `focus` quotes,
    and, where the focus left none, the judge's closest moment to it (not counted) and moments of the
    same section (where it could have happened). A talk-metric focus gets the moments of the call
    behind its figure (review.metric_moments) when `transcript` is given; speaker: the rep's label."""
    by_id = {c.id: c for c in sc.criteria}
    out: list[tuple[str, EvidenceQuote]] = []
    ranked = [by_id[i] for i in sc.strengths if i in by_id] + sorted(
        (c for c in sc.criteria if c.verdict == "met"), key=lambda c: -c.score / max(1, c.max_score)
    )
    strength = next((c for c in ranked if c.id != focus.id and c.evidence), None)
    if strength:
        out.append((f"Strength \u2014 {strength.name}", strength.evidence[0]))
    if focus.activity is not None and transcript is not None:
        out += metric_moments(transcript, focus.activity.key, speaker, too_many_questions=focus.activity.above)
    elif focus.score is not None and focus.score.evidence:
        out += [(f"{focus.name} ({focus.score.verdict.replace('_', ' ')})", q) for q in focus.score.evidence[:3]]
    elif focus.criterion is not None:
        closest = focus.score.nearest if focus.score is not None else None
        if closest is not None:  # the judge's nearest miss: the manager hears it before coaching on it
            out.append((f"Closest to {focus.phrase} (not counted)", closest))
        near = [q for c in sc.criteria if c.section == focus.criterion.section and c.id != focus.id for q in c.evidence
                if closest is None or q.segment_id != closest.segment_id]
        out += [
            (f"Where {focus.phrase} could have happened", q)
            for q in sorted(near, key=lambda q: q.start)[: 1 if closest is not None else 2]
        ]
    return out


def plan_actions(focus: Focus, solution: str, pattern: Pattern, today: date) -> list[ActionItem]:
    """The rep's practice, a validation step (first call or one-off `pattern`), the manager's step for
    `solution`, and the follow-up on the next calls for `focus`; due one and two weeks after `today`."""
    d7, d14 = (today + timedelta(days=7)).isoformat(), (today + timedelta(days=14)).isoformat()
    watch = focus.id
    drill = focus.criterion.coaching.drill if focus.criterion else f"Aim for the benchmark on {focus.phrase} on every call."
    first = (
        f"Keep doing it: note one moment of {focus.name} per call to share at the next one-to-one"
        if focus.kind == "strength"
        else drill if re.match(r"(?i)practi[cs]e\b", drill.strip()) else f"Practise: {drill}"
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


def roam_summary(
    scorecard: Scorecard, methodology: Methodology, activities: list[ActivityFinding], focus: Focus
) -> dict[str, str]:
    """ROAM, one line each: results and objectives (criteria below target) of `scorecard` against
    `methodology`, the rep's `activities` findings, and the methodology `focus` chosen."""
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
    return {
        "results": f"{scorecard.total_score:g}/{scorecard.total_max:g} ({scorecard.total_percent:.0f}%): {results}.",
        "objectives": (
            f"Below target on {len(missed)} of {len(methodology.criteria)} criteria: {', '.join(missed)}."
            if missed
            else "Every scored criterion meets its target level."
        ),
        "activities": "; ".join(a.line for a in activities) or "No conversation metrics for the rep on this call.",
        "methodology": f"Focus: {focus.name} \u2014 {focus.reason}.",
    }
