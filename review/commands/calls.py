"""`callreview calls`: the stored calls, newest first, with their latest review; `callreview calls
CALL_ID`: one call's reviews (ids, methodology, engine, the total with overrides, the transcript version
each scored, the manager's overrides and marks) and the hand changes to its transcript, so the
`feedback`, `turn` and `review --retry` commands can be given the right ids from the shell."""

from __future__ import annotations

from ..errors import InputError
from .args import whole


def register(sub) -> None:
    p = sub.add_parser("calls", help="list stored calls, or one call's reviews and corrections",
                       description="Without CALL_ID: the stored calls, newest call date first, each with its "
                       "latest review's id and total (overrides included). With CALL_ID: every review of that "
                       "call and what the manager corrected.")
    p.add_argument("call_id", type=whole, nargs="?", metavar="CALL_ID")
    p.add_argument("--rep", help="only this rep's calls (exact name)")
    p.add_argument("--text", help="only calls whose transcript contains this text")
    p.add_argument("--limit", type=whole, default=50, help="newest N calls (default 50)")
    p.set_defaults(handler=run_calls)


def run_calls(args) -> int:
    from ..settings import load_settings
    from ..store import Store

    store = Store.from_settings(load_settings())
    try:
        return _one_call(store, args.call_id) if args.call_id is not None else _calls(store, args)
    finally:
        store.close()


def _calls(store, args) -> int:
    if args.limit < 1:
        raise InputError(f"--limit {args.limit}: give 1 or more")
    rows = store.list_calls(rep=args.rep, text=args.text, limit=args.limit)
    if not rows:
        print("No calls." if not (args.rep or args.text) else "No calls match.")
        return 0
    print(f"{'call':>5}  {'date':<10}  {'rep':<20} {'review':>6}  {'total':>5}  {'status':<11} title")
    for c in rows:
        total = "-" if c.total_percent is None else f"{c.total_percent:.0f}%"
        check = f"  (rep taken to be {c.rep_to_check}, a guess)" if c.rep_to_check else ""
        print(f"{c.id:>5}  {c.call_date or '-':<10}  {(c.rep or '-')[:20]:<20} {c.review_id or '-'!s:>6}  "
              f"{total:>5}  {c.status:<11} {c.title or c.filename}{check}")
    guessed = [c.id for c in rows if c.rep_to_check]
    if guessed:  # scored on a guess: a wrong one scores the customer as the rep
        one = str(guessed[0]) if len(guessed) == 1 else "CALL_ID"
        print(f"The rep of call {', '.join(map(str, guessed))} is only a guess: see who said what with `callreview turn "
              f"{one}` and set the rep (the same speaker confirms it) with `callreview review --retry {one} "
              "--rep-speaker SPEAKER`")
    return 0


def _one_call(store, call_id: int) -> int:
    from ..overrides import apply_overrides
    from ..speaker_edits import hand_changes

    call = store.get_call(call_id)
    if call is None:
        raise InputError(f"call {call_id} does not exist in the store; `callreview calls` lists them")
    print(f"call {call.id}: {call.title or call.filename} ({call.rep or 'rep not named'}, {call.call_date}, "
          f"{call.status})")
    for line in hand_changes(store.transcript_history(call_id), None):
        print(f"  {line}")
    reviews = store.reviews_for_call(call_id)
    if not reviews:
        print("  no review yet: `callreview review --retry " + str(call_id) + "`")
        return 0
    print(f"  {'review':>6}  {'when':<16}  {'methodology':<16} {'total':>5}  {'transcript':>10}  {'overrides':>9}  "
          f"{'marks':>5}  engine")
    for r in reviews:
        overrides = store.overrides(r.id)
        marks = {(m.criterion_id, m.segment_id) for m in store.evidence_marks(r.id)}
        card = apply_overrides(r.scorecard, overrides)
        version = f"v{r.transcript_version}" if r.transcript_version else "-"
        print(f"  {r.id:>6}  {r.created_at[:16].replace('T', ' '):<16}  {r.methodology_id[:16]:<16} "
              f"{card.total_percent:>4.0f}%  {version:>10}  {len(overrides):>9}  {len(marks):>5}  "
              f"{card.provenance.engine_label}")
    return 0
