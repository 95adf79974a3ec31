"""review.rework on a real store and index (rules engine, the deterministic fake embedding):
re-score against another methodology, change the rep of a stored call, retry a failed call,
delete a call with everything that belongs to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeEmbedding

from review.audio import playable_copy
from review.errors import ConfigError, InputError, StoreError
from review.formats import write_json_atomic
from review.pipeline import Services, review_file
from review.rework import change_rep_speaker, delete_call, rescore_call, retry_call
from review.speaker_edits import speakers
from testkit.dialogue import dialogue_to_transcript, load_dialogue

CALLS = Path(__file__).resolve().parent / "data" / "calls"


def make_services(settings) -> Services:
    from review.index import CallIndex
    from review.store import Store

    return Services(settings=settings, store=Store.from_settings(settings),
                    index=CallIndex(settings, embedding_function=FakeEmbedding()), engine=None)


def transcript_file(folder: Path, dialogue: str = "hr_onboarding_weak") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dialogue}.json"
    write_json_atomic(path, dialogue_to_transcript(load_dialogue(CALLS / f"{dialogue}.yaml")))
    return path


def test_rescore_adds_a_review_beside_the_old_one_from_the_stored_transcript(settings, tmp_path):
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path), services, "discovery", rep="Kevin Doyle")
    second = rescore_call(first.call_id, services, "bant")
    reviews = services.store.reviews_for_call(first.call_id)
    assert [r.methodology_id for r in reviews] == ["discovery", "bant"]
    assert second.review_id != first.review_id and not second.cached
    assert [c.id for c in second.scorecard.criteria] == ["budget", "authority", "need", "timeline"]
    # the transcript was reused, not made again
    assert services.store.transcript_versions(first.call_id) == [1]
    # the same methodology again is served from the store: no third review
    again = rescore_call(first.call_id, services, "bant")
    assert again.cached and again.review_id == second.review_id
    with pytest.raises(InputError, match="does not exist"):
        rescore_call(999, services, "bant")


def test_changing_the_rep_recomputes_roles_metrics_and_scores_in_new_versions(settings, tmp_path):
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path), services, "discovery")
    assert speakers(first.transcript) == ["Kevin Doyle", "Sarah Collins"]
    assert first.transcript.metrics.rep_speaker == "Kevin Doyle"
    changed = change_rep_speaker(first.call_id, services, "sarah collins")
    assert services.store.transcript_versions(first.call_id) == [1, 2]
    roles = {s.speaker: s.role for s in changed.transcript.segments}
    assert roles == {"Sarah Collins": "rep", "Kevin Doyle": "customer"}
    assert changed.transcript.metrics.rep_speaker == "Sarah Collins"
    assert changed.review_id != first.review_id
    assert services.store.get_review(changed.review_id).transcript_version == 2
    assert services.store.get_review(first.review_id).transcript_version == 1  # the old one is kept
    with pytest.raises(ConfigError, match="'Nobody' is not a named speaker.*'Kevin Doyle', 'Sarah Collins'"):
        change_rep_speaker(first.call_id, services, "Nobody")


def test_rep_speaker_is_honoured_for_a_stored_call_from_review_file(settings, tmp_path):
    services = make_services(settings)
    path = transcript_file(tmp_path)
    first = review_file(path, services, "discovery")
    again = review_file(path, services, "discovery", rep_speaker="Sarah Collins")
    assert not again.cached and again.transcript.metrics.rep_speaker == "Sarah Collins"
    assert {s.role for s in again.transcript.segments if s.speaker == "Sarah Collins"} == {"rep"}
    with pytest.raises(ConfigError, match="speakers: 'Kevin Doyle', 'Sarah Collins'"):
        review_file(path, services, "discovery", rep_speaker="Pat")
    assert len(services.store.reviews_for_call(first.call_id)) == 2


def test_retry_reviews_a_failed_call_and_it_is_no_longer_failed(settings, tmp_path):
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path), services, "discovery")
    services.store.update_call_status(first.call_id, "failed", "the endpoint was unreachable")
    result = retry_call(first.call_id, services)
    assert result.cached  # the stored review was still right
    call = services.store.get_call(first.call_id)
    assert (call.status, call.error) == ("reviewed", None)


def test_retry_without_a_transcript_transcribes_the_kept_upload(settings, tmp_path):
    services = make_services(settings)
    path = transcript_file(tmp_path)
    from review.hashing import sha256_file

    sha = sha256_file(path)
    kept = services.store.keep_upload(path, sha, path.name)
    call_id = services.store.add_call(filename=path.name, audio_sha256=sha, stored_path=kept,
                                      methodology_id="bant", status="failed")
    result = retry_call(call_id, services)
    assert result.call_id == call_id and result.scorecard.methodology_id == "bant"
    assert services.store.get_call(call_id).status == "reviewed"
    kept.unlink()
    other = services.store.add_call(filename="gone.wav", stored_path=kept, status="failed")
    with pytest.raises(InputError, match="no longer kept; upload the recording again"):
        retry_call(other, services)


def test_delete_removes_rows_index_entries_and_the_kept_upload(settings, tmp_path):
    services = make_services(settings)
    keep = review_file(transcript_file(tmp_path / "a", "retail_forecasting_weak"), services, "discovery")
    gone = review_file(transcript_file(tmp_path / "b"), services, "discovery")
    store = services.store
    store.add_override(gone.review_id, gone.scorecard.criteria[0].id, 0, "heard otherwise")
    store.add_comment(gone.call_id, 3.0, "good opening")
    rescore_call(gone.call_id, services, "bant")
    kept = Path(store.get_call(gone.call_id).stored_path)
    assert kept.is_file() and services.index.window_vectors(str(gone.call_id))
    played = playable_copy(kept)
    played.write_bytes(b"an MP3 the app played the call from")

    delete_call(gone.call_id, services)
    assert not played.exists()
    assert store.get_call(gone.call_id) is None and store.reviews_for_call(gone.call_id) == []
    assert store.comments(gone.call_id) == [] and store.get_transcript(gone.call_id) is None
    assert store.overrides(gone.review_id) == {}
    assert not kept.exists() and not services.index.window_vectors(str(gone.call_id))
    assert [c.id for c in store.list_calls()] == [keep.call_id]
    assert Path(store.get_call(keep.call_id).stored_path).is_file()
    assert store.get_review(keep.review_id) is not None
    with pytest.raises(InputError, match="does not exist"):
        delete_call(gone.call_id, services)
    with pytest.raises(StoreError):
        store.delete_call(gone.call_id)
