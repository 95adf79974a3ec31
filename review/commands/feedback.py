"""`callreview feedback mark` and `callreview calibration list | reset`: teaching the offline judge
the team's own standard from the shell (the app's call review page does the same)."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    """Add the `feedback` and `calibration` commands to the `callreview` parser."""
    parser = subparsers.add_parser(
        "feedback", help="mark a review's evidence quote right or wrong (teaches the offline judge)",
        description="A mark is a labelled example for the criterion; with a few of them (and overrides) "
        "the criterion is calibrated for the team at the next review.")
    parser.set_defaults(handler=lambda args: _usage(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("mark", help="mark one quote of a criterion as right or wrong evidence, or any "
                                        "turn of the call as right evidence (a moment the AI missed)")
    p.add_argument("review_id", type=int, metavar="REVIEW_ID")
    p.add_argument("criterion", metavar="CRITERION", help="criterion id in that review's scorecard")
    p.add_argument("segment_id", type=int, metavar="SEGMENT_ID", help="the turn of a quote cited for it (any turn, marked right)")
    p.add_argument("verdict", choices=["right", "wrong"])
    p.add_argument("--author", default="manager")
    p.set_defaults(handler=run_mark)

    parser = subparsers.add_parser(
        "calibration", help="see or reset the team's calibrated criteria",
        description="Criteria the offline judge scores with a model fitted on the manager's corrections.")
    parser.set_defaults(handler=lambda args: _usage(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("list", help="each criterion's calibration: version, examples, labelled so far")
    p.add_argument("--methodology", "-m", help="only this methodology id")
    p.set_defaults(handler=run_list)
    p = actions.add_parser("reset", help="back to the uncalibrated judge; earlier corrections stop counting")
    p.add_argument("methodology", metavar="METHODOLOGY_ID")
    p.add_argument("criterion", metavar="CRITERION")
    p.add_argument("--author", default="manager")
    p.set_defaults(handler=run_reset)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _store():
    from ..settings import load_settings
    from ..store import Store

    return Store.from_settings(load_settings())


def run_mark(args: argparse.Namespace) -> int:
    from ..calibration import last_resets
    from ..sentence_model import MIN_CALLS

    store = _store()
    store.add_evidence_mark(args.review_id, args.criterion, args.segment_id, args.verdict, args.author)
    review = store.get_review(args.review_id)
    since = last_resets(store, review.methodology_id)
    calls = store.labelled_calls(review.methodology_id, since).get(args.criterion, [])
    print(f"marked segment {args.segment_id} as {args.verdict} evidence for {review.methodology_id}/{args.criterion} "
          f"(review {args.review_id}); {len(calls)} corrected call(s) for it, calibrated from "
          f"{MIN_CALLS} at the next review")
    return 0


def run_list(args: argparse.Namespace) -> int:
    store = _store()
    rows = [("METHODOLOGY", "CRITERION", "VERSION", "STATE", "EXAMPLES", "PRESENT", "SINCE")]
    for r in sorted(store.calibrations(args.methodology), key=lambda r: (r.methodology_id, r.criterion_id)):
        state = "reset" if r.model is None else "calibrated"
        rows.append((r.methodology_id, r.criterion_id, str(r.version), state, str(r.examples), str(r.positives),
                     r.created_at))
    if len(rows) == 1:
        print("no calibrated criteria yet: mark evidence (callreview feedback mark) or override scores")
        return 0
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from ..calibration import reset

    version = reset(_store(), args.methodology, args.criterion, args.author)
    print(f"{args.methodology}/{args.criterion}: calibration reset (version {version}); the next review uses the "
          "uncalibrated judge, and only corrections made from now on count")
    return 0
