"""A transcript's speakers corrected by hand, as pure functions on a Transcript: a new rep, who said a
turn (or some of its sentences), who said each of many turns (a recording where one voice was found has
every turn "unknown"); and the words that say what changed, kept with the new version and shown above
its reviews. review.rework keeps the results as transcript versions and scores them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import InputError
from .types import SpeakerAttribution, Transcript


def with_rep_speaker(transcript: Transcript, rep_speaker: str) -> Transcript:
    """The transcript with `rep_speaker` as the rep: roles and the metrics that depend on them
    re-computed, the warnings that doubted the rep dropped and the note of how the rep was chosen
    saying it was given by hand; the same object when the roles do not change and nothing doubted them
    (a guess confirmed is a change: the call is no longer listed as one to check).

    transcript: a stored transcript. rep_speaker: one of its speakers (case and spacing ignored).
    Raises ConfigError naming the call's speakers when `rep_speaker` is not one of them.
    """
    from .speakers import REP_DOUBTED, assign_roles, rep_to_check

    segments = assign_roles(transcript.segments, rep_speaker)
    if [s.role for s in segments] == [s.role for s in transcript.segments] and rep_to_check(transcript) is None:
        return transcript
    changed = _with_turns(transcript, segments)
    changed.warnings = [w for w in changed.warnings if REP_DOUBTED not in w]  # the rep is named now
    rep = changed.metrics.rep_speaker
    if transcript.attribution is not None and rep:
        changed.attribution = transcript.attribution.model_copy(update={
            "rep_chosen_by": "given by hand", "profile": None, "note": f"rep is {rep} (given by hand)"})
    return changed


def _with_turns(transcript: Transcript, segments: list) -> Transcript:
    """The transcript with these turns (roles set) and the metrics computed again from them. The
    display names made for the old roles are dropped (`_save` names the speakers again, with the
    call's rep); a recording where one voice was found says so no longer once its turns have speakers."""
    from .metrics import compute_metrics
    from .speakers import (
        ALL_UNKNOWN,
        MONO_WARNING,
        STILL_UNKNOWN,
        UNKNOWN_SPEAKER,
        unknown_turns_warning,
    )

    metrics = compute_metrics(segments, transcript.duration)
    if transcript.source.format == "text":
        metrics.patience_s = None  # pauses estimated from word counts are not measured
    update: dict = {"segments": segments, "metrics": metrics, "speaker_names": {}}
    unknown = sum(1 for s in segments if s.speaker == UNKNOWN_SPEAKER)
    stale = [w for w in transcript.warnings if ALL_UNKNOWN in w or STILL_UNKNOWN in w]
    recording = transcript.source.format == "audio"
    nobody = bool(transcript.segments) and all(s.speaker == UNKNOWN_SPEAKER for s in transcript.segments)
    # a transcript file that named nobody is flagged on the page (speakers.speaker_flags), not in its warnings
    unnamed = nobody and not recording
    if stale or unnamed:  # what the warnings said about unknown turns, said again for these turns
        kept = [w for w in transcript.warnings if w not in stale]
        if unknown == len(segments):
            kept += [w for w in stale if ALL_UNKNOWN in w] or ([MONO_WARNING] if recording else [])
        elif unknown:
            kept.append(unknown_turns_warning(unknown, len(segments)))
        update["warnings"] = kept
    if nobody and unknown < len(segments):
        found = ("one voice was found in the recording" if recording
                 else "the transcript file named no speakers")
        update["attribution"] = SpeakerAttribution(
            method="hand", rep_chosen_by="given by hand", note=f"{found}; the speakers were given by hand")
    return transcript.model_copy(update=update)


def with_turn_speaker(transcript: Transcript, segment_id: int, speaker: str,
                      first: int = 0, last: int | None = None) -> Transcript:
    """The transcript with sentences `first`..`last` of turn `segment_id` said by `speaker`.

    A voice-found speaker can be wrong for a whole turn, or for a sentence or two of it (a short
    "Great." of the rep inside the customer's turn). The turn is split where its speaker changes, the
    turns are numbered again in time order, each turn's role is its speaker's (the rep stays the rep)
    and the metrics are computed again; the same object when nothing changes.

    transcript: a stored transcript. segment_id: the turn's id in it. speaker: one of
    `speaker_choices` (case and spacing ignored; "rep" or "customer" for the one speaker of that role).
    first, last: the turn's sentences, counted from 0 as `review.turn_edges.sentences` groups its
    words (last None = to the end of the turn); a turn without word times (an imported transcript)
    can only change as a whole.
    Raises InputError naming what to give instead for an unknown turn, speaker or sentence.
    """
    from .turn_edges import with_words

    turn, who, parts, end = _turn_change(transcript, segment_id, speaker, first, last)
    count = max(len(parts), 1)
    if who == turn.speaker:
        return transcript
    if first == 0 and end == count - 1:
        pieces = [turn.model_copy(update={"speaker": who})]
    else:
        runs = [(turn.speaker, [w for p in parts[:first] for w in p]),
                (who, [w for p in parts[first:end + 1] for w in p]),
                (turn.speaker, [w for p in parts[end + 1:] for w in p])]
        pieces = [with_words(turn, words).model_copy(update={"speaker": name}) for name, words in runs if words]
    others = [s for s in transcript.segments if s.id != segment_id]
    ordered = sorted(others + pieces, key=lambda s: (s.start, s.end))
    renumbered = [s.model_copy(update={"id": i}) for i, s in enumerate(ordered)]
    return _with_turns(transcript, _with_roles(renumbered, speaker_choices(transcript)))


def with_turn_speakers(transcript: Transcript, changes: Mapping[int, str]) -> Transcript:
    """The transcript with each turn of `changes` (turn id -> speaker) said wholly by that speaker: the
    way to give many turns at once, above all on a recording where one voice was found (every turn
    "unknown"). Turns keep their ids; roles are the speakers' (`speaker_choices`) and the metrics are
    computed again; the same object when nothing changes.

    speaker: one of `speaker_choices` (case and spacing ignored; "rep" or "customer" for the one
    speaker of that role), or "unknown" to say nobody knows.
    Raises InputError naming what to give instead for an unknown turn or speaker.
    """
    from .speakers import UNKNOWN_SPEAKER

    choices = speaker_choices(transcript)
    wanted = {}
    for segment_id, speaker in changes.items():
        _turn(transcript, segment_id)
        wanted[segment_id] = (UNKNOWN_SPEAKER if speaker.strip().casefold() == UNKNOWN_SPEAKER
                              else _choice(choices, speaker))
    segments = [s.model_copy(update={"speaker": wanted.get(s.id, s.speaker)}) for s in transcript.segments]
    if [s.speaker for s in segments] == [s.speaker for s in transcript.segments]:
        return transcript
    return _with_turns(transcript, _with_roles(segments, choices))


def with_others(transcript: Transcript, changes: Mapping[int, str], others: str | None) -> dict[int, str]:
    """`changes` and every other turn still "unknown" given to `others` (on a two-person call: the rep's
    turns named, the rest the customer's); `changes` alone when `others` is None or empty."""
    from .speakers import UNKNOWN_SPEAKER

    rest = {s.id: others for s in transcript.segments if others and s.speaker == UNKNOWN_SPEAKER and s.id not in changes}
    return {**changes, **rest}


def with_alternating(transcript: Transcript, changes: Mapping[int, str], first: str | None) -> dict[int, str]:
    """`changes` and every other turn still "unknown" given to the rep and the customer in turn, as a
    two-person call goes (a pasted transcript, one line a turn): each to the other party of the turn
    before it, and to `first` where no turn before says (the call's first turn, or after a third person).
    `changes` alone when `first` is None or empty. InputError when the call has not one rep and one
    customer to give turns to."""
    from .speakers import UNKNOWN_SPEAKER

    if not first:
        return dict(changes)
    choices = speaker_choices(transcript)
    reps = [name for name, role in choices.items() if role == "rep"]
    customers = [name for name, role in choices.items() if role == "customer"]
    if len(reps) != 1 or len(customers) != 1:
        listed = ", ".join(f"{name} ({role})" for name, role in choices.items())
        raise InputError(f"turns alternate between one rep and one customer, and this call has {listed}; give "
                         "each turn its speaker instead")
    pair = (reps[0], customers[0])
    opener = _choice(choices, first)
    if opener not in pair:
        raise InputError(f"'{first}' is neither the rep nor the customer; start with rep or customer")
    out = dict(changes)
    before = None
    for seg in sorted(transcript.segments, key=lambda s: (s.start, s.id)):
        speaker = _choice(choices, changes[seg.id]) if seg.id in changes else seg.speaker
        if speaker == UNKNOWN_SPEAKER:
            speaker = pair[1 - pair.index(before)] if before in pair else opener
            out[seg.id] = speaker
        before = speaker
    return out


def named_speakers(transcript: Transcript) -> list[str]:
    """The transcript's speakers with a name (not "unknown")."""
    from .speakers import UNKNOWN_SPEAKER

    return [s for s in speakers(transcript) if s != UNKNOWN_SPEAKER]


def speaker_choices(transcript: Transcript) -> dict[str, str]:
    """Who a turn can be given to, speaker -> role: the call's named speakers with their roles; on a
    call with fewer than two (a recording where one voice was found: every turn "unknown"), new
    speakers as well, so there is a rep and a customer: speaker_1 the rep, speaker_2 the customer
    (the next free speaker_N where one is taken)."""
    roles = {s.speaker: s.role for s in transcript.segments}
    choices: dict[str, str] = {name: roles[name] for name in named_speakers(transcript)}
    for n, role in ((1, "rep"), (2, "customer")):
        if len(choices) >= 2 or role in choices.values():
            continue
        while f"speaker_{n}" in choices:
            n += 1
        choices[f"speaker_{n}"] = role
    return choices


def _with_roles(segments: list, choices: Mapping[str, str]) -> list:
    """Each turn with its speaker's role in `choices` (the rep stays the rep); "unknown" for the rest."""
    return [s.model_copy(update={"role": choices.get(s.speaker, "unknown")}) for s in segments]


def _choice(choices: Mapping[str, str], speaker: str) -> str:
    """The speaker of `choices` meant by `speaker` (its name, or "rep"/"customer" when one speaker
    has that role); InputError listing the choices otherwise."""
    from .speakers import find_speaker

    who = find_speaker(speaker, list(choices))
    by_role = [name for name, role in choices.items() if role == speaker.strip().casefold()]
    if who is None and len(by_role) == 1:
        who = by_role[0]
    if who is None:
        listed = ", ".join(f"{name} ({role})" for name, role in choices.items())
        raise InputError(f"'{speaker}' is not a speaker of this call; give one of: {listed}, or rep or customer")
    return who


def _turn(transcript: Transcript, segment_id: int):
    turn = transcript.segment(segment_id)
    if turn is None:
        raise InputError(f"turn {segment_id} is not in this call's transcript (turns 0 to "
                         f"{len(transcript.segments) - 1}); pick a turn shown on the call page")
    return turn


def _turn_change(transcript: Transcript, segment_id: int, speaker: str, first: int, last: int | None):
    """(the turn, the named speaker meant, its sentences as word lists, the last sentence index) of a turn
    correction; InputError naming what to give instead for an unknown turn, speaker or sentence."""
    from .turn_edges import sentences

    turn = _turn(transcript, segment_id)
    who = _choice(speaker_choices(transcript), speaker)
    parts = sentences(turn.words) if turn.words else []
    count = max(len(parts), 1)
    end = count - 1 if last is None else last
    if not 0 <= first <= end < count:
        plural = "s" if count > 1 else ""
        raise InputError(f"turn {segment_id} has {count} sentence{plural}; give sentences from 1 to {count}" if parts
                         else f"turn {segment_id} has no word times, so it changes as a whole")
    return turn, who, parts, end


def turn_change_note(transcript: Transcript, segment_id: int, speaker: str, first: int = 0,
                     last: int | None = None) -> str:
    """What a turn correction changed, in words: "turn 3 given to Jordan Lee", "sentences 2-3 of turn 3
    (at 01:04) given to ...". segment_id, first, last: as with_turn_speaker takes them."""
    from .timefmt import clock

    turn, who, parts, end = _turn_change(transcript, segment_id, speaker, first, last)
    who = _named(who, speaker_choices(transcript)[who])
    where = f"turn {segment_id} (at {clock(turn.start)})"
    if first == 0 and end == max(len(parts), 1) - 1:
        return f"{where} given to {who}"
    part = f"sentence {first + 1}" if first == end else f"sentences {first + 1}-{end + 1}"
    return f"{part} of {where} given to {who}"


def turn_speakers_note(transcript: Transcript, changes: Mapping[int, str], changed: Transcript | None = None) -> str:
    """What giving many turns changed, in words: "turns 0, 2-4 and 7 given to speaker_1 (rep); turn 1 given
    to speaker_2 (customer)" (only the turns whose speaker changes). changes: as with_turn_speakers takes.
    changed: with_turn_speakers(transcript, changes) where the caller has it already."""
    changed = changed if changed is not None else with_turn_speakers(transcript, changes)
    before = {s.id: s.speaker for s in transcript.segments}
    given: dict[str, list[int]] = {}
    for seg in changed.segments:
        if seg.speaker != before[seg.id]:
            given.setdefault(_named(seg.speaker, seg.role), []).append(seg.id)
    return "; ".join(f"{_turn_list(ids)} given to {who}" for who, ids in given.items())


def _named(speaker: str, role: str) -> str:
    """A speaker as a note names them: a machine label with its role ("speaker_2 (customer)"), a name as it is."""
    return f"{speaker} ({role})" if re.fullmatch(r"speaker_\d+", speaker) and role != "unknown" else speaker


_LISTED_RUNS = 6


def _turn_list(ids: list[int]) -> str:
    """"turn 3", "turns 0, 2-4 and 7": ids (ascending) with runs joined; "40 turns from 0 to 97" past
    six runs."""
    runs: list[list[int]] = []
    for i in ids:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = [str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs]
    if len(parts) > _LISTED_RUNS:  # a one-voice call of many short turns: the count, not a paragraph of ids
        return f"{len(ids)} turns from {ids[0]} to {ids[-1]}"
    if len(ids) == 1:
        return f"turn {parts[0]}"
    return "turns " + (parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}")


def hand_changes(history, version: int | None) -> list[str]:
    """One line per transcript version up to `version` that someone changed by hand (a new rep, a
    corrected turn): "Transcript version 2: sentence 2 of turn 1 (at 00:06) given to Alex Rivera, by kim
    on 2026-12-07 11:20". history: Store.transcript_history. version: the review's (None: every one)."""
    return [f"Transcript version {v.version}: {v.note}" + (f", by {v.author}" if v.author else "")
            + f" on {v.created_at[:16].replace('T', ' ')}"
            for v in history if v.note and (version is None or v.version <= version)]


def speakers(transcript: Transcript) -> list[str]:
    """The transcript's speakers in order of first turn (the choices for "who is the rep")."""
    seen: list[str] = []
    for seg in sorted(transcript.segments, key=lambda s: (s.start, s.id)):
        if seg.speaker not in seen:
            seen.append(seg.speaker)
    return seen
