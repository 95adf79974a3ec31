"""Work on a stored call after its first review: re-score it against another methodology or
engine (a new review beside the old one), change which speaker is the rep or who said a turn (a
new transcript version with new roles and metrics, then a new review), retry a failed review, delete a call.

Every function reuses what the store already holds (the transcript, the kept upload), so nothing
is transcribed twice; nothing the manager made is overwritten (reviews and transcripts only get
new versions), except by `delete_call`, which the manager confirms first.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .audio import playable_copy
from .errors import InputError
from .pipeline import Progress, ReviewResult, Services, _noop, _review_transcript, review_file
from .types import Transcript


def with_rep_speaker(transcript: Transcript, rep_speaker: str) -> Transcript:
    """The transcript with `rep_speaker` as the rep: roles and the metrics that depend on them
    re-computed; the same object when the roles do not change.

    transcript: a stored transcript. rep_speaker: one of its speakers (case and spacing ignored).
    Raises ConfigError naming the call's speakers when `rep_speaker` is not one of them.
    """
    from .speakers import assign_roles

    segments = assign_roles(transcript.segments, rep_speaker)
    if [s.role for s in segments] == [s.role for s in transcript.segments]:
        return transcript
    return _with_turns(transcript, segments)


def _with_turns(transcript: Transcript, segments: list) -> Transcript:
    """The transcript with these turns (roles set) and the metrics computed again from them."""
    from .metrics import compute_metrics

    metrics = compute_metrics(segments, transcript.duration)
    if transcript.metrics.patience_s is None:  # pauses that were never measured stay unknown
        metrics.patience_s = None
    return transcript.model_copy(update={"segments": segments, "metrics": metrics})


def apply_rep_speaker(store, call_id: int, transcript: Transcript, rep_speaker: str | None,
                      author: str | None = None) -> Transcript:
    """Honour a rep speaker named for a call that is already stored: a new transcript version
    when the roles change (the review that follows scores it), else the transcript as it is.

    store: the Store. call_id: the call. transcript: its latest transcript.
    rep_speaker: the speaker who is the rep; None or "" keeps the stored roles. author: who named
    them, kept with the new version.
    """
    if not rep_speaker:
        return transcript
    changed = with_rep_speaker(transcript, rep_speaker)
    if changed is not transcript:
        store.save_transcript(call_id, changed, author=author,
                              note=f"the rep set to {changed.metrics.rep_speaker or rep_speaker}")
    return changed


def with_turn_speaker(transcript: Transcript, segment_id: int, speaker: str,
                      first: int = 0, last: int | None = None) -> Transcript:
    """The transcript with sentences `first`..`last` of turn `segment_id` said by `speaker`.

    A voice-found speaker can be wrong for a whole turn, or for a sentence or two of it (a short
    "Great." of the rep inside the customer's turn). The turn is split where its speaker changes, the
    turns are numbered again in time order, each turn's role is its speaker's (the rep stays the rep)
    and the metrics are computed again; the same object when nothing changes.

    transcript: a stored transcript. segment_id: the turn's id in it. speaker: one of its named
    speakers (case and spacing ignored). first, last: the turn's sentences, counted from 0 as
    `review.turn_edges.sentences` groups its words (last None = to the end of the turn); a turn
    without word times (an imported transcript) can only change as a whole.
    Raises InputError naming what to give instead for an unknown turn, speaker or sentence.
    """
    from .speakers import assign_roles
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
    return _with_turns(transcript, assign_roles(renumbered, transcript.metrics.rep_speaker or None))


def named_speakers(transcript: Transcript) -> list[str]:
    """The transcript's speakers with a name (not "unknown"): who a turn can be given to."""
    from .speakers import UNKNOWN_SPEAKER

    return [s for s in speakers(transcript) if s != UNKNOWN_SPEAKER]


def _turn_change(transcript: Transcript, segment_id: int, speaker: str, first: int, last: int | None):
    """(the turn, the named speaker meant, its sentences as word lists, the last sentence index) of a turn
    correction; InputError naming what to give instead for an unknown turn, speaker or sentence."""
    from .speakers import find_speaker
    from .turn_edges import sentences

    turn = transcript.segment(segment_id)
    if turn is None:
        raise InputError(f"turn {segment_id} is not in this call's transcript (turns 0 to "
                         f"{len(transcript.segments) - 1}); pick a turn shown on the call page")
    named = named_speakers(transcript)
    who = find_speaker(speaker, named)
    if who is None:
        raise InputError(f"'{speaker}' is not a speaker of this call; give one of: {', '.join(named) or 'none'}")
    parts = sentences(turn.words) if turn.words else []
    count = max(len(parts), 1)
    end = count - 1 if last is None else last
    if not 0 <= first <= end < count:
        plural = "s" if count > 1 else ""
        raise InputError(f"turn {segment_id} has {count} sentence{plural}; give sentences from 1 to {count}" if parts
                         else f"turn {segment_id} has no word times, so it changes as a whole")
    return turn, who, parts, end


def change_turn_speaker(call_id: int, services: Services, segment_id: int, speaker: str,
                        first: int = 0, last: int | None = None, methodology: str | None = None,
                        progress: Progress | None = None, version: int | None = None,
                        author: str | None = None) -> ReviewResult:
    """Say who really spoke (part of) a turn of a stored call: a new transcript version
    (`with_turn_speaker`), then a new review of it (the methodology of the latest review unless named).

    version: the transcript version the turn was picked on (the call page's); when the call has a newer
    one, its turns may be numbered differently, so nothing is changed. None: the latest.
    author: who made the correction, kept with the new version and what they changed.
    Raises InputError when the turn, the speaker or the sentences are not the call's.
    """
    call = _stored(services, call_id)
    versions = services.store.transcript_versions(call_id)
    if not versions:
        raise InputError(f"call {call_id} ({call.filename}) has no stored transcript; retry it instead")
    if version is not None and version != versions[-1]:
        raise InputError(f"call {call_id}'s transcript has changed since this turn was picked (version {version}, "
                         f"now {versions[-1]}); open the latest review and pick the turn again")
    transcript = services.store.get_transcript(call_id, versions[-1])
    if transcript is None:
        raise InputError(f"call {call_id} ({call.filename}) has no stored transcript; retry it instead")
    loaded = _methodology(services, call, methodology)
    changed = with_turn_speaker(transcript, segment_id, speaker, first, last)
    if changed is not transcript:
        services.store.save_transcript(call_id, changed, author=author,
                                       note=turn_change_note(transcript, segment_id, speaker, first, last))
    return _review_transcript(call_id, changed, loaded, services, progress or _noop)


def turn_change_note(transcript: Transcript, segment_id: int, speaker: str, first: int = 0,
                     last: int | None = None) -> str:
    """What a turn correction changed, in words: "turn 3 given to Jordan Lee", "sentences 2-3 of turn 3
    (at 01:04) given to ...". segment_id, first, last: as with_turn_speaker takes them."""
    from .timefmt import clock

    turn, who, parts, end = _turn_change(transcript, segment_id, speaker, first, last)
    where = f"turn {segment_id} (at {clock(turn.start)})"
    if first == 0 and end == max(len(parts), 1) - 1:
        return f"{where} given to {who}"
    part = f"sentence {first + 1}" if first == end else f"sentences {first + 1}-{end + 1}"
    return f"{part} of {where} given to {who}"


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


def with_engine(services: Services, engine: str | None) -> Services:
    """The services with another scoring engine ("rules", "openai", "local"); the same services
    when `engine` is None or already in use. The store and the index are shared.
    """
    from .llm import make_chat_engine

    if not engine or engine == (services.settings.llm_engine or "rules"):
        return services
    settings = dataclasses.replace(services.settings, llm_engine=engine)
    return dataclasses.replace(services, settings=settings, engine=make_chat_engine(settings))


def _stored(services: Services, call_id: int):
    call = services.store.get_call(call_id)
    if call is None:
        raise InputError(f"call {call_id} does not exist in the store; reload the Calls page")
    return call


def _methodology(services: Services, call, methodology: str | None):
    from .methodology import MethodologyLibrary

    if not methodology:
        latest = services.store.latest_review(call.id)
        methodology = latest.methodology_id if latest else call.methodology_id
    if not methodology:
        raise InputError(f"call {call.id} has no methodology yet; choose one to score it against")
    return MethodologyLibrary(services.settings).get(methodology)


def rescore_call(call_id: int, services: Services, methodology: str | None = None,
                 engine: str | None = None, progress: Progress | None = None) -> ReviewResult:
    """Score a stored call again from its stored transcript: a new review beside the old ones
    (the same methodology and engine as an existing review is served from the store).

    call_id: the call. methodology: id or name (None = the methodology of its latest review).
    engine: "rules", "openai" or "local" (None = the settings' engine). progress: as review_file.
    """
    call = _stored(services, call_id)
    transcript = services.store.get_transcript(call_id)
    if transcript is None:
        raise InputError(f"call {call_id} ({call.filename}) has no stored transcript; retry it instead")
    loaded = _methodology(services, call, methodology)
    return _review_transcript(call_id, transcript, loaded, with_engine(services, engine),
                              progress or _noop)


def change_rep_speaker(call_id: int, services: Services, rep_speaker: str,
                       methodology: str | None = None, progress: Progress | None = None,
                       author: str | None = None) -> ReviewResult:
    """Make `rep_speaker` the rep of a stored call: roles and metrics re-computed into a new
    transcript version, then a new review (the methodology of the latest review unless named).

    author: who named the rep, kept with the new transcript version.
    Raises ConfigError listing the call's speakers when `rep_speaker` is not one of them.
    """
    call = _stored(services, call_id)
    transcript = services.store.get_transcript(call_id)
    if transcript is None:
        raise InputError(f"call {call_id} ({call.filename}) has no stored transcript; retry it instead")
    loaded = _methodology(services, call, methodology)
    transcript = apply_rep_speaker(services.store, call_id, transcript, rep_speaker, author)
    return _review_transcript(call_id, transcript, loaded, services, progress or _noop)


def retry_call(call_id: int, services: Services, methodology: str | None = None,
               progress: Progress | None = None) -> ReviewResult:
    """Review a call again after a failure: from its stored transcript when there is one, else
    from its kept upload (transcribed again).

    call_id: the call. methodology: id or name (None = the call's own). progress: as review_file.
    """
    call = _stored(services, call_id)
    if services.store.get_transcript(call_id) is not None:
        return rescore_call(call_id, services, methodology or call.methodology_id, progress=progress)
    kept = Path(call.stored_path) if call.stored_path else None
    if kept is None or not kept.is_file():
        raise InputError(f"call {call_id} ({call.filename}): its upload is no longer kept; upload "
                         "the recording again")
    return review_file(kept, services, methodology or call.methodology_id or "discovery",
                       rep=call.rep, call_date=call.call_date, call_type=call.call_type or "discovery",
                       title=call.title, progress=progress)


def delete_call(call_id: int, services: Services) -> None:
    """Delete a call for good: its index entries, its rows (transcripts, reviews, overrides,
    comments, documents) and its kept upload (and the upload's playable copy) when no other call
    shares it.

    call_id: the call. Ask the manager to confirm first: nothing of it can be restored.
    """
    _stored(services, call_id)  # an unknown id is an error, not a silent no-op
    if services.index is not None:  # no index, no entries (e.g. a store opened on its own)
        services.index.delete_call(str(call_id))
    kept = services.store.delete_call(call_id)
    if kept is not None:
        Path(kept).unlink(missing_ok=True)
        playable_copy(kept).unlink(missing_ok=True)  # the MP3 the app played a WMA / AMR call from
