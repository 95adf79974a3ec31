"""`callreview turn CALL_ID`: a stored call's turns, with their sentences numbered; with
`TURN --said-by NAME` the turn (or `--sentences FIRST[-LAST]` of it) is given to the speaker who said it,
as the call page's "Who said a turn" does (review.rework.change_turn_speaker; several turns as `0,2,5-9`,
the rest `--others NAME` or `--alternate rep`: change_turn_speakers), and the call is scored again."""

from __future__ import annotations

from ..errors import InputError
from .args import whole


def register(sub) -> None:
    p = sub.add_parser("turn", help="list a call's turns, or say who really said one of them",
                       description="Speakers found by voice on a one-channel call can be wrong for a turn or "
                       "a sentence of it, and a recording where one voice was found has every turn 'unknown'. "
                       "Without TURN: the call's turns, each with its id and its sentences numbered. With TURN "
                       "(or several: 0,2,5-9) and --said-by: those turns (or the one turn's --sentences) go to "
                       "that speaker in a new transcript version, and the call gets a new review (the old ones "
                       "are kept).")
    p.add_argument("call_id", type=whole, metavar="CALL_ID")
    p.add_argument("turn", nargs="?", metavar="TURN",
                   help="the turn's id, as listed; or several, as 0,2,5-9 (each given wholly to --said-by)")
    p.add_argument("--said-by", help="the speaker who said it: one of those listed, or rep or customer")
    p.add_argument("--others", metavar="NAME",
                   help="give every other turn still 'unknown' to this speaker (on a two-person call: the rep's "
                        "turns as TURN --said-by rep, the rest --others customer)")
    p.add_argument("--alternate", metavar="FIRST",
                   help="give the turns still 'unknown' to the rep and the customer in turn, as a two-person call "
                        "goes: each to the other party of the turn before it, FIRST (rep or customer) where no "
                        "turn before says (a pasted transcript, one line a turn); TURN may be left out")
    p.add_argument("--sentences", metavar="FIRST[-LAST]",
                   help="only these sentences of the turn, numbered from 1 as listed (default: the whole turn)")
    p.add_argument("--methodology", help="score against this methodology (default: the latest review's)")
    p.add_argument("--author", default="manager", help="who makes the correction (kept with the new version)")
    p.set_defaults(handler=run_turn)


def sentence_range(text: str | None) -> tuple[int, int | None]:
    """--sentences "2" or "2-3" (from 1, as listed) -> (first, last) from 0; None -> the whole turn."""
    if not text:
        return 0, None
    try:
        first, _, last = text.partition("-")
        a, b = int(first), int(last or first)
    except ValueError:
        raise InputError(f"--sentences {text!r}: give a sentence number, or FIRST-LAST, as listed") from None
    if a < 1 or b < a:
        raise InputError(f"--sentences {text!r}: numbers start at 1 and LAST is not before FIRST")
    return a - 1, b - 1


def turn_ranges(text: str) -> list[tuple[int, int]]:
    """TURN as given, as (first, last) ranges, not yet expanded: "0,2,5-9" -> [(0, 0), (2, 2), (5, 9)]."""
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        first, dash, last = part.strip().partition("-")
        try:
            a, b = int(first), int(last) if dash else int(first)
        except ValueError:
            raise InputError(f"turn {text!r}: give a turn id, or ids and ranges as 0,2,5-9, as listed") from None
        if a < 0 or b < a:
            raise InputError(f"turn {text!r}: ids start at 0 and a range's end is not before its start")
        ranges.append((a, b))
    return ranges


def check_ranges(ranges: list[tuple[int, int]], transcript, call_id: int) -> None:
    """Refuse a range that reaches past the call's last turn before it is expanded (0-99999999999 would
    fill the memory); a single id is left to the correction, which names it the same way."""
    last = max((seg.id for seg in transcript.segments), default=-1)
    for a, b in ranges:
        if b > last and b != a:
            raise InputError(f"turn {b} (of {a}-{b}) is not in this call's transcript (turns 0 to {last}); "
                             f"give ids as listed by `callreview turn {call_id}`")


def turn_ids(text: str, transcript=None, call_id: int = 0) -> list[int]:
    """TURN as given: "3" -> [3]; "0,2,5-9" -> [0, 2, 5, 6, 7, 8, 9]. With the call's transcript, a range
    past its last turn is refused before it is expanded."""
    ranges = turn_ranges(text)
    if transcript is not None:
        check_ranges(ranges, transcript, call_id)
    return _expanded(ranges)


def _expanded(ranges: list[tuple[int, int]]) -> list[int]:
    """The ids of checked ranges, each once, in the order given."""
    ids: list[int] = []
    for a, b in ranges:
        ids += range(a, b + 1)
    return list(dict.fromkeys(ids))


def run_turn(args) -> int:
    from ..pipeline import Services
    from ..rework import change_turn_speaker, change_turn_speakers
    from ..settings import load_settings
    from ..speaker_edits import hand_changes, speaker_choices
    from ..speakers import split_role_suffix
    from ..timefmt import clock
    from ..turn_edges import sentences, text
    from .review import summary

    settings = load_settings()
    if args.turn is None and not args.alternate:
        if args.said_by or args.sentences or args.others:
            raise InputError("give the TURN to change (its id, listed by `callreview turn CALL_ID`)")
        from ..store import Store

        store = Store.from_settings(settings)
        try:
            if store.get_call(args.call_id) is None:
                raise InputError(f"call {args.call_id} does not exist in the store; `callreview calls` lists them")
            transcript = store.get_transcript(args.call_id)
            history = store.transcript_history(args.call_id)
        finally:
            store.close()
        if transcript is None:
            raise InputError(f"call {args.call_id} has no stored transcript; review it first")
        print(f"call {args.call_id}, transcript version {history[-1].version}")
        for line in hand_changes(history, None):
            print(f"  {line}")
        given = ", ".join(f"{name} ({role})" for name, role in speaker_choices(transcript).items())
        print(f"  a turn can be given to: {given}")
        for seg in transcript.segments:
            shown = split_role_suffix(transcript.display_name(seg.speaker))[0]  # the role is printed after it
            who = seg.speaker if shown == seg.speaker else f"{seg.speaker} ({shown})"
            print(f"{seg.id:>4}  [{clock(seg.start)}] {who}, {seg.role}")
            parts = sentences(seg.words) if seg.words else []
            if len(parts) > 1:
                for n, part in enumerate(parts, 1):
                    print(f"        {n}. {text(part)}")
            else:
                print(f"        {seg.text}")
        return 0
    if args.turn is not None and not args.said_by:
        raise InputError("say who said it: --said-by NAME (one of the call's speakers, or rep or customer)")
    # a TURN that is not ids and ranges is refused before anything is loaded, and read once
    ranges = turn_ranges(args.turn) if args.turn is not None else []
    first, last = sentence_range(args.sentences)
    services = Services.from_settings(settings)
    if ranges:
        check_ranges(ranges, _stored_transcript(services.store, args.call_id), args.call_id)
    ids = _expanded(ranges)
    several = len(ids) != 1 or args.others or args.alternate
    if several and args.sentences:
        raise InputError("--sentences is for one turn; give one TURN without --others or --alternate, or leave "
                         "--sentences out to give whole turns")
    versions = services.store.transcript_versions(args.call_id)
    before = services.store.reviews_for_call(args.call_id)
    if several:
        result = change_turn_speakers(args.call_id, services, dict.fromkeys(ids, args.said_by), args.methodology,
                                      author=args.author, others=args.others, alternate=args.alternate)
    else:
        result = change_turn_speaker(args.call_id, services, ids[0], args.said_by, first, last, args.methodology,
                                     author=args.author)
    latest = services.store.transcript_history(args.call_id)[-1]
    # what the new version says it changed, with the speaker as the call names them; else nothing changed
    done = (f"transcript version {latest.version}: {latest.note}" if latest.version not in versions
            else f"turn {args.turn} was already said by {args.said_by}; nothing changed")
    print(f"== call {result.call_id}, {done}")
    print(summary(result))
    elsewhere = corrections_elsewhere(services.store, before, result.review_id)
    if elsewhere:
        print(elsewhere)
    return 0


def _stored_transcript(store, call_id: int):
    """The call's latest transcript (TURN is checked against it); InputError when there is none."""
    if store.get_call(call_id) is None:
        raise InputError(f"call {call_id} does not exist in the store; `callreview calls` lists them")
    transcript = store.get_transcript(call_id)
    if transcript is None:
        raise InputError(f"call {call_id} has no stored transcript; review it first")
    return transcript


def corrections_elsewhere(store, before, review_id: int) -> str | None:
    """The line that says where the manager's overrides and evidence marks are when the new review has none
    and an earlier review of the call against the same methodology has them (a corrected turn scores the
    call afresh; the app's call page says the same), with the command that brings them over."""
    new = store.get_review(review_id)
    if new is None or store.overrides(review_id) or store.evidence_marks(review_id):
        return None
    for other in reversed(before):
        if other.id == review_id or other.methodology_id != new.methodology_id:
            continue
        overrides = len(store.overrides(other.id))
        marks = len({(m.criterion_id, m.segment_id) for m in store.evidence_marks(other.id)})
        if overrides or marks:
            return (f"the manager's corrections ({overrides} override(s), {marks} evidence mark(s)) stay on review "
                    f"{other.id}; this review was scored afresh: `callreview feedback carry {other.id} {review_id}` "
                    "brings them over")
    return None
