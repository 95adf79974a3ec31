"""`callreview feedback mark | override | show | carry` and `callreview calibration list | reset`:
teaching the offline judge the team's own standard from the shell (the app's call review page does
the same)."""

from __future__ import annotations

import argparse

from .args import whole


def register(subparsers) -> None:
    """Add the `feedback` and `calibration` commands to the `callreview` parser."""
    parser = subparsers.add_parser(
        "feedback", help="mark evidence right or wrong, override a score, show or carry a review's corrections "
        "(teaches the offline judge)",
        description="A mark is a labelled example for the criterion; with a few of them (and overrides) "
        "the criterion is calibrated for the team at the next review.")
    parser.set_defaults(handler=lambda args: _usage(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("mark", help="mark one quote of a criterion as right or wrong evidence, or any "
                                        "turn of the call as right evidence (a moment the AI missed)")
    p.add_argument("review_id", type=whole, metavar="REVIEW_ID")
    p.add_argument("criterion", metavar="CRITERION", help="criterion id in that review's scorecard")
    p.add_argument("segment_id", type=whole, metavar="SEGMENT_ID", help="the turn of a quote cited for it (any turn, marked right)")
    p.add_argument("verdict", choices=["right", "wrong"])
    p.add_argument("--author", default="manager")
    p.set_defaults(handler=run_mark)
    p = actions.add_parser("override", help="set the manager's score of one criterion (the AI's stays beside it)")
    p.add_argument("review_id", type=whole, metavar="REVIEW_ID")
    p.add_argument("criterion", metavar="CRITERION", help="criterion id in that review's scorecard")
    p.add_argument("score", metavar="SCORE", help="on the criterion's scale, 0 to its maximum")
    p.add_argument("--comment", "-c", default="", help="why: what you heard that the AI missed (required)")
    p.add_argument("--author", default="manager")
    p.set_defaults(handler=run_override)
    p = actions.add_parser("show", help="a review's overrides and evidence marks")
    p.add_argument("review_id", type=whole, metavar="REVIEW_ID")
    p.set_defaults(handler=run_show)
    p = actions.add_parser("carry", help="carry one review's overrides and marks to another review of the call "
                                         "(after a re-score, a new rep or a corrected turn)")
    p.add_argument("source", type=whole, metavar="FROM_REVIEW_ID")
    p.add_argument("target", type=whole, metavar="TO_REVIEW_ID")
    p.add_argument("--author", default="manager")
    p.set_defaults(handler=run_carry)

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
    store = _store()
    store.add_evidence_mark(args.review_id, args.criterion, args.segment_id, args.verdict, args.author)
    review = store.get_review(args.review_id)
    print(f"marked segment {args.segment_id} as {args.verdict} evidence for {review.methodology_id}/{args.criterion} "
          f"(review {args.review_id}); {_corrected_calls(store, review.methodology_id, args.criterion)}")
    return 0


def _corrected_calls(store, methodology_id: str, criterion_id: str) -> str:
    from ..calibration import last_resets
    from ..sentence_model import MIN_CALLS

    calls = store.labelled_calls(methodology_id, last_resets(store, methodology_id)).get(criterion_id, [])
    return f"{len(calls)} corrected call(s) for it, calibrated from {MIN_CALLS} at the next review"


def run_override(args: argparse.Namespace) -> int:
    from ..errors import InputError

    if not args.comment.strip():
        raise InputError("an override needs a comment that says why; give --comment \"what you heard\"")
    try:
        score = int(args.score.strip())  # "-1" too: the store says it must be from 0 to the maximum, as for "5"
    except ValueError:
        raise InputError(f"score {args.score!r} is not a whole number; give one from 0 to the criterion's "
                         "maximum") from None
    store = _store()
    store.add_override(args.review_id, args.criterion, score, args.comment, args.author)
    review = store.get_review(args.review_id)
    ai = next(c for c in review.scorecard.criteria if c.id == args.criterion)
    print(f"{review.methodology_id}/{args.criterion} in review {args.review_id}: the manager's score is "
          f"{score} of {ai.max_score} (the AI's: {ai.score}); "
          f"{_corrected_calls(store, review.methodology_id, args.criterion)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ..errors import InputError

    store = _store()
    review = store.get_review(args.review_id)
    if review is None:
        raise InputError(f"review {args.review_id} does not exist; `callreview calls CALL_ID` lists a call's "
                         "reviews")
    overrides = store.overrides(args.review_id)
    marks = {(m.criterion_id, m.segment_id): m for m in store.evidence_marks(args.review_id)}
    print(f"review {review.id} of call {review.call_id} ({review.methodology_id}, transcript version "
          f"{review.transcript_version or '-'}): {len(overrides)} override(s), {len(marks)} evidence mark(s)")
    scores = {c.id: c for c in review.scorecard.criteria}
    for criterion_id, o in sorted(overrides.items()):
        ai = scores.get(criterion_id)
        scale = f" of {ai.max_score} (the AI's: {ai.score})" if ai else ""
        print(f"  override  {criterion_id}: {o.score}{scale} by {o.author}: {o.comment}")
    for (criterion_id, segment_id), m in sorted(marks.items()):
        print(f"  mark      {criterion_id}: turn {segment_id} {m.verdict} by {m.author}")
    return 0


def run_carry(args: argparse.Namespace) -> int:
    from ..carry import carry_corrections

    done = carry_corrections(_store(), args.source, args.target, args.author)
    print(f"carried {len(done.overrides)} override(s) and {done.marks} evidence mark(s) from review "
          f"{args.source} to review {args.target}")
    if done.skipped_overrides:
        print(f"not carried: the overrides of {', '.join(done.skipped_overrides)} (not scored on that scale "
              "there, or already overridden there)")
    if done.skipped_marks:
        print(f"not carried: {done.skipped_marks} evidence mark(s) (criterion not scored there, or its turn was "
              "split by a corrected speaker; mark it again there)")
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

    store = _store()
    methodology_id = calibrated_criterion(store, args.methodology, args.criterion)
    version = reset(store, methodology_id, args.criterion, args.author)
    print(f"{methodology_id}/{args.criterion}: calibration reset (version {version}); the next review uses the "
          "uncalibrated judge, and only corrections made from now on count")
    return 0


def calibrated_criterion(store, methodology: str, criterion_id: str) -> str:
    """The methodology id a reset is for: a criterion of a methodology in the library (calibrated or not yet:
    a reset then only stops earlier corrections counting), or one the store has a fitted calibration of
    (its methodology since removed or changed). MethodologyError / InputError naming the known ids otherwise."""
    from ..errors import InputError
    from ..methodology import MethodologyLibrary
    from ..settings import load_settings

    stored = {(r.methodology_id, r.criterion_id) for r in store.calibration_history() if r.model is not None}
    if (methodology, criterion_id) in stored:
        return methodology
    loaded = MethodologyLibrary(load_settings()).get(methodology)  # unknown: names the known ids
    methodology_id = loaded.methodology.id
    ids = [c.id for c in loaded.methodology.criteria]
    if criterion_id not in ids and (methodology_id, criterion_id) not in stored:
        raise InputError(f"'{criterion_id}' is not a criterion of {methodology_id}; give one of: {', '.join(ids)}")
    return methodology_id
