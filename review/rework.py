"""Work on a stored call after its first review: re-score it against another methodology or
engine (a new review beside the old one), change which speaker is the rep or who said a turn (a
new transcript version with new roles and metrics, then a new review), retry a failed review, delete a call.

Every function reuses what the store already holds (the transcript, the kept upload), so nothing
is transcribed twice; nothing the manager made is overwritten (reviews and transcripts only get
new versions), except by `delete_call`, which the manager confirms first. The speakers themselves are
changed by review.speaker_edits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from .audio import playable_copy
from .errors import InputError
from .pipeline import Progress, ReviewResult, Services, _noop, _review_transcript, review_file
from .speaker_edits import (
    turn_change_note,
    turn_speakers_note,
    with_alternating,
    with_others,
    with_rep_speaker,
    with_turn_speaker,
    with_turn_speakers,
)
from .types import Transcript


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
        call = store.get_call(call_id)
        _save(store, call_id, call.rep if call else None, changed, author,
              f"the rep set to {changed.metrics.rep_speaker or rep_speaker}")
    return changed


def _save(store, call_id: int, rep: str | None, changed: Transcript, author: str | None, note: str) -> None:
    """Keep a transcript changed by hand as the call's new version, with who changed it and what, its
    speakers named for the new roles with the call's rep (`rep`): "Alex Rivera (rep)", "Customer"."""
    from .speakers import display_names

    changed.speaker_names = display_names(changed.segments, rep)
    store.save_transcript(call_id, changed, author=author, note=note)


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
    call, transcript = _picked_on(services, call_id, version)
    loaded = _methodology(services, call, methodology)
    changed = with_turn_speaker(transcript, segment_id, speaker, first, last)
    if changed is not transcript:
        _save(services.store, call_id, call.rep, changed, author, turn_change_note(transcript, segment_id, speaker, first, last))
    return _review_transcript(call_id, changed, loaded, services, progress or _noop)


def change_turn_speakers(call_id: int, services: Services, changes: Mapping[int, str],
                         methodology: str | None = None, progress: Progress | None = None,
                         version: int | None = None, author: str | None = None,
                         others: str | None = None, alternate: str | None = None) -> ReviewResult:
    """Say who said each of many turns of a stored call (turn id -> speaker, `with_turn_speakers`): one
    new transcript version, then one new review. version, author: as change_turn_speaker. others: the
    speaker every other turn still "unknown" goes to (`with_others`); alternate: instead, those turns go
    to the rep and the customer in turn, `alternate` first (`with_alternating`); None leaves them.
    Raises InputError when a turn or a speaker is not the call's, or nothing would change."""
    if others and alternate:
        raise InputError("the turns left unknown either go to one speaker or alternate; choose one")
    call, transcript = _picked_on(services, call_id, version)
    loaded = _methodology(services, call, methodology)
    changes = with_alternating(transcript, with_others(transcript, changes, others), alternate)
    changed = with_turn_speakers(transcript, changes)
    if changed is transcript:
        raise InputError("every turn already has the speaker given; change who said a turn first")
    _save(services.store, call_id, call.rep, changed, author, turn_speakers_note(transcript, changes, changed))
    return _review_transcript(call_id, changed, loaded, services, progress or _noop)


def _picked_on(services: Services, call_id: int, version: int | None):
    """(the call, its latest transcript); InputError when it has none, or a newer version than the one
    the turns were picked on (`version`; None: the latest), whose turns may be numbered differently."""
    call = _stored(services, call_id)
    versions = services.store.transcript_versions(call_id)
    transcript = services.store.get_transcript(call_id, versions[-1]) if versions else None
    if transcript is None:
        raise InputError(f"call {call_id} ({call.filename}) has no stored transcript; retry it instead")
    if version is not None and version != versions[-1]:
        raise InputError(f"call {call_id}'s transcript has changed since this turn was picked (version {version}, "
                         f"now {versions[-1]}); open the latest review and pick the turn again")
    return call, transcript


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
