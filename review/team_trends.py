"""The team at a glance: each rep's recent level on each criterion, and the skills a whole team misses.

One rep missing a skill is a coaching topic for that rep; most of a team missing it is a gap in what
the team was taught, which the Solution Chart answers with training (Field Training, the team
together) rather than one coaching session per rep. The rows are Store.rep_trend_rows (scores with
the manager's overrides applied); a rep's level is the mean over their last `window` reviewed calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

WINDOW = 5  # a rep's recent level: the mean over this many of their latest reviewed calls
TEAM_SHARE = 0.5  # a skill is a team gap when at least this share of the reps (2 or more) miss it
MIN_REPS = 2


@dataclass(frozen=True)
class Cell:
    """One rep on one criterion: the mean score (and its % of the scale) over `calls` recent calls."""

    rep: str
    criterion_id: str
    mean: float
    max_score: int
    calls: int

    @property
    def percent(self) -> float:
        return round(100 * self.mean / self.max_score, 1) if self.max_score else 0.0


@dataclass(frozen=True)
class TeamGap:
    """A criterion most of the team misses: the reps under its target and the team's mean level."""

    criterion_id: str
    name: str
    missing: tuple[str, ...]
    reps: int
    team_percent: float

    @property
    def text(self) -> str:
        who = ", ".join(self.missing)
        return (f"{self.name}: {len(self.missing)} of {self.reps} reps are under the target ({who}); "
                f"the team averages {self.team_percent:.0f}%.")


# what a team-wide gap calls for (the Solution Chart: a gap in what the team knows is training)
TEAM_GAP_ADVICE = ("A skill most of the team misses is a training topic for the team (Field Training: tell, "
                   "show, do, review, with the team together) rather than a coaching session per rep.")


@dataclass(frozen=True)
class TeamOverview:
    cells: list[Cell]
    criteria: list[str]  # criterion ids, in the order of the newest scorecard seen
    reps: list[str]  # reps with at least one reviewed call
    gaps: list[TeamGap]  # widest first


def overview(rows_by_rep: Mapping[str, Sequence[dict]], targets: Mapping[str, int],
             names: Mapping[str, str] | None = None, window: int = WINDOW) -> TeamOverview:
    """Each rep's recent mean per criterion and the team-wide gaps.

    rows_by_rep: rep -> Store.rep_trend_rows(rep, methodology) (oldest first). targets: criterion id
    -> its target level (Criterion.target); a rep misses a criterion when their mean is under it.
    names: criterion id -> name for the gap texts. window: how many of each rep's latest calls count.
    """
    names = names or {}
    cells: list[Cell] = []
    order: list[str] = []
    for rep, rows in rows_by_rep.items():
        recent = list(rows)[-max(1, window):]
        for key in (recent[-1] if recent else {}):
            cid = key.split(":", 1)[1] if key.startswith("criterion:") else None
            if cid and cid not in order:
                order.append(cid)
        for cid in {k.split(":", 1)[1] for row in recent for k in row if k.startswith("criterion:")}:
            scored = [(row[f"criterion:{cid}"], row.get(f"max:{cid}") or 0) for row in recent
                      if row.get(f"criterion:{cid}") is not None]
            if scored:
                cells.append(Cell(rep, cid, round(sum(s for s, _ in scored) / len(scored), 2),
                                  int(max(m for _, m in scored)), len(scored)))
    reps = [rep for rep in rows_by_rep if any(c.rep == rep for c in cells)]
    order += sorted({c.criterion_id for c in cells} - set(order))
    gaps = []
    for cid in order:
        mine = [c for c in cells if c.criterion_id == cid]
        if cid not in targets or len(mine) < MIN_REPS:
            continue
        missing = tuple(c.rep for c in mine if c.mean < targets[cid])
        if len(missing) >= MIN_REPS and len(missing) >= TEAM_SHARE * len(mine):
            gaps.append(TeamGap(cid, names.get(cid, cid), missing, len(mine),
                                sum(c.percent for c in mine) / len(mine)))
    gaps.sort(key=lambda g: (-len(g.missing) / g.reps, g.team_percent))
    return TeamOverview(cells=sorted(cells, key=lambda c: (reps.index(c.rep), order.index(c.criterion_id))),
                        criteria=order, reps=reps, gaps=gaps)


def scored_methodologies(store, reps: Iterable[str], label: Callable[[str], str] = str) -> list[str]:
    """The methodologies the reps' calls were scored against, the one most reps were scored against
    first (ties by `label`, e.g. the methodology's display name)."""
    scored = [m for rep in reps for m in store.rep_methodologies(rep)]
    return sorted(set(scored), key=lambda m: (-scored.count(m), label(m)))


def team_rows(store, reps: Iterable[str], methodology_id: str, window: int = WINDOW) -> dict[str, list[dict]]:
    """rep -> their latest `window` trend rows in the methodology (Store.rep_trend_rows)."""
    return {rep: store.rep_trend_rows(rep, methodology_id, latest=window) for rep in reps}


def for_criteria(rows_by_rep: Mapping[str, Sequence[dict]], criteria: Sequence, window: int = WINDOW,
                 names: Mapping[str, str] | None = None) -> TeamOverview:
    """`overview` with the targets and names of the methodology's `criteria` (review.schema.Criterion);
    names: more criterion names (for criteria no longer in the file), the file's win."""
    return overview(rows_by_rep, {c.id: c.target for c in criteria},
                    dict(names or {}) | {c.id: c.name for c in criteria}, window)
