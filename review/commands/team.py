"""`callreview team`: each rep's recent level per criterion and the skills most of the team misses
(review.team_trends), as the app's Rep trends -> The team shows them; for a weekly report or a script."""

from __future__ import annotations

from ..errors import InputError
from .args import whole


def register(sub) -> None:
    p = sub.add_parser("team", help="each rep's recent level per criterion and the team-wide skill gaps",
                       description="Each rep's mean score on each criterion over their latest calls (your "
                       "overrides included), as a share of its scale, and the skills at least half the reps "
                       "(two or more) are under the target on: training topics for the team.")
    p.add_argument("--methodology", help="methodology id (default: the one most reps were scored against)")
    p.add_argument("--team", help="only the reps of this team (default: every rep)")
    p.add_argument("--calls", type=whole, default=None, help="latest calls per rep (default 5)")
    p.set_defaults(handler=run_team)


def run_team(args) -> int:
    from ..methodology import MethodologyLibrary
    from ..settings import load_settings
    from ..store import Store
    from ..team_trends import TEAM_GAP_ADVICE, WINDOW, for_criteria, scored_methodologies, team_rows

    window = WINDOW if args.calls is None else args.calls
    if window < 1:
        raise InputError(f"--calls {window}: give 1 or more latest calls per rep")
    settings = load_settings()
    store = Store.from_settings(settings)
    try:
        reps = store.reps()
        if args.team:
            members = store.team_rep_names(args.team.strip())
            reps = [r for r in reps if r in members]
            if not reps:
                raise InputError(f"team '{args.team}' has no rep with calls; see `callreview users list` "
                                 "and `callreview users assign-rep`")
        scored = scored_methodologies(store, reps)
        if not scored:
            print("No reviewed calls yet.")
            return 0
        methodology_id = args.methodology or scored[0]
        if methodology_id not in scored:
            raise InputError(f"no rep has a call reviewed against '{methodology_id}'; one of: "
                             f"{', '.join(sorted(scored))}")
        methodology = MethodologyLibrary(settings).get(methodology_id).methodology
        rows = team_rows(store, reps, methodology_id, window)
    finally:
        store.close()
    names = {c.id: c.name for c in methodology.criteria}
    found = for_criteria(rows, methodology.criteria, window)
    if not found.cells:
        print(f"No rep has a scored {methodology.name} call yet.")
        return 0
    cells = {(c.rep, c.criterion_id): c for c in found.cells}
    print(f"{methodology.name}: each rep's mean over their latest {window} reviewed call(s), % of each "
          "criterion's scale (overrides included; '-' = not scored)")
    width = max(len(names.get(cid, cid)) for cid in found.criteria)
    print(f"{'':<{width}}  " + "  ".join(f"{rep:>{max(len(rep), 4)}}" for rep in found.reps))
    for cid in found.criteria:
        shown = [f"{cells[rep, cid].percent:.0f}" if (rep, cid) in cells else "-" for rep in found.reps]
        print(f"{names.get(cid, cid):<{width}}  "
              + "  ".join(f"{v:>{max(len(rep), 4)}}" for v, rep in zip(shown, found.reps, strict=True)))
    print()
    if not found.gaps:
        print("Team-wide gaps: none (no skill is under its target for most of the team).")
        return 0
    print("Team-wide gaps:")
    for gap in found.gaps:
        print(f"- {gap.text}")
    print(TEAM_GAP_ADVICE)
    return 0
