"""Who said a turn: the manager corrects a speaker the voices got wrong, for a whole turn or a few of
its sentences (review.speaker_edits.with_turn_speaker, review.rework.change_turn_speaker, the "turn_speaker" job)."""

from __future__ import annotations

import pytest
from test_rework import make_services, transcript_file

from review import jobs
from review.errors import InputError
from review.metrics import compute_metrics
from review.pipeline import review_file
from review.rework import change_turn_speaker
from review.speaker_edits import turn_change_note, with_turn_speaker
from review.speakers import assign_roles
from review.timefmt import clock
from review.types import Segment, Transcript, TranscriptSource, Word


def _turn(i: int, speaker: str, text: str, start: float) -> Segment:
    words = [Word(start=start + k * 0.4, end=start + k * 0.4 + 0.35, word=" " + w) for k, w in enumerate(text.split())]
    return Segment(id=i, start=words[0].start, end=words[-1].end, speaker=speaker, text=text, words=words)


def call() -> Transcript:
    segments = assign_roles([
        _turn(0, "Alex", "So what happens today when a shipment is late?", 0.0),
        _turn(1, "Jordan", "We call the carrier. It takes hours. Great.", 4.0),
        _turn(2, "Alex", "And who feels that most?", 8.0),
    ], "Alex")
    return Transcript(segments=segments, metrics=compute_metrics(segments, 10.0), duration=10.0,
                      source=TranscriptSource(file="call.wav", format="audio"))


def lines(t: Transcript) -> list[tuple[int, str, str, str]]:
    return [(s.id, s.speaker, s.role, s.text) for s in t.segments]


def test_the_last_sentence_of_a_turn_goes_to_the_speaker_who_said_it():
    before = call()
    after = with_turn_speaker(before, 1, "alex", first=2)
    assert lines(after) == [
        (0, "Alex", "rep", "So what happens today when a shipment is late?"),
        (1, "Jordan", "customer", "We call the carrier. It takes hours."),
        (2, "Alex", "rep", "Great."),
        (3, "Alex", "rep", "And who feels that most?"),
    ]
    assert after.segments[2].start == before.segments[1].words[-1].start
    rep = after.metrics.speakers["Alex"].talk_ratio
    assert rep > before.metrics.speakers["Alex"].talk_ratio
    assert after.metrics.rep_speaker == "Alex"
    assert lines(before)[1] == (1, "Jordan", "customer", "We call the carrier. It takes hours. Great.")  # a copy


def test_a_middle_sentence_splits_the_turn_in_three_and_a_whole_turn_moves_whole():
    middle = with_turn_speaker(call(), 1, "Alex", first=1, last=1)
    assert [(s.speaker, s.text) for s in middle.segments[1:4]] == [
        ("Jordan", "We call the carrier."), ("Alex", "It takes hours."), ("Jordan", "Great.")]
    whole = with_turn_speaker(call(), 1, "Alex")
    assert [s.speaker for s in whole.segments] == ["Alex"] * 3
    assert whole.metrics.speakers["Alex"].talk_ratio == 1.0
    # the words the new transcript version keeps with it
    assert turn_change_note(call(), 1, "alex", 1, 1) == "sentence 2 of turn 1 (at 00:04) given to Alex"
    assert turn_change_note(call(), 1, "Alex", 1) == "sentences 2-3 of turn 1 (at 00:04) given to Alex"
    assert turn_change_note(call(), 1, "Alex", 0, 2) == "turn 1 (at 00:04) given to Alex"


def test_no_change_is_the_same_transcript_and_bad_choices_say_what_to_give():
    t = call()
    assert with_turn_speaker(t, 1, "Jordan") is t
    assert with_turn_speaker(t, 1, "jordan", first=1) is t
    with pytest.raises(InputError, match="turn 7 is not in this call's transcript \\(turns 0 to 2\\)"):
        with_turn_speaker(t, 7, "Alex")
    with pytest.raises(InputError, match="'Sam' is not a speaker of this call; give one of: "
                                         "Alex \\(rep\\), Jordan \\(customer\\), or rep or customer"):
        with_turn_speaker(t, 1, "Sam")
    with pytest.raises(InputError, match="turn 1 has 3 sentences; give sentences from 1 to 3"):
        with_turn_speaker(t, 1, "Alex", first=3)
    with pytest.raises(InputError, match="from 1 to 3"):
        with_turn_speaker(t, 1, "Alex", first=2, last=1)
    imported = t.model_copy(update={"segments": [s.model_copy(update={"words": []}) for s in t.segments]})
    assert [s.speaker for s in with_turn_speaker(imported, 1, "Alex").segments] == ["Alex"] * 3
    with pytest.raises(InputError, match="turn 1 has no word times, so it changes as a whole"):
        with_turn_speaker(imported, 1, "Alex", first=1)


def test_a_stored_call_gets_a_new_transcript_version_and_review_and_the_old_ones_stay(settings, tmp_path):
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path), services, "discovery")
    segment = first.transcript.segments[1]
    assert segment.speaker == "Sarah Collins"
    changed = change_turn_speaker(first.call_id, services, segment.id, "kevin doyle", author="kim")
    assert services.store.transcript_versions(first.call_id) == [1, 2]
    start = clock(first.transcript.segments[1].start)
    assert [(v.version, v.author, v.note) for v in services.store.transcript_history(first.call_id)] == [
        (1, None, None), (2, "kim", f"turn 1 (at {start}) given to Kevin Doyle")]
    # the prep note the manager exports says so
    from review.ui.exports import _with_transcript_changes

    note = _with_transcript_changes(services.store, services.store.get_review(changed.review_id), "# Prep\n")
    assert note.startswith("# Prep\n\n**The transcript was corrected by hand** (this review scored the corrected one)")
    assert f"- Transcript version 2: turn 1 (at {start}) given to Kevin Doyle, by kim on 20" in note
    assert _with_transcript_changes(services.store, services.store.get_review(first.review_id), "# Prep\n") == "# Prep\n"
    assert changed.transcript.segments[1].speaker == "Kevin Doyle" and changed.transcript.segments[1].role == "rep"
    assert services.store.get_review(changed.review_id).transcript_version == 2
    assert services.store.get_review(first.review_id).transcript_version == 1
    assert services.store.get_transcript(first.call_id, 1).segments[1].speaker == "Sarah Collins"
    with pytest.raises(InputError, match="not a speaker of this call"):
        change_turn_speaker(first.call_id, services, segment.id, "Nobody")
    assert services.store.transcript_versions(first.call_id) == [1, 2]  # nothing saved by a bad choice
    # a turn picked on version 1 (an older review's page): version 2 may number its turns differently
    with pytest.raises(InputError, match="transcript has changed since this turn was picked \\(version 1, now 2\\)"):
        change_turn_speaker(first.call_id, services, 3, "Kevin Doyle", version=1)
    assert services.store.transcript_versions(first.call_id) == [1, 2]
    again = change_turn_speaker(first.call_id, services, 3, "Kevin Doyle", version=2)
    assert services.store.transcript_versions(first.call_id) == [1, 2, 3] and again.transcript.segments[3].role == "rep"


def test_who_said_a_turn_runs_as_a_job_and_a_bad_turn_fails_in_one_line(settings, tmp_path):
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path), services, "discovery")
    store = services.store
    options = jobs.ReworkOptions(first.call_id, segment_id=1, speaker="Kevin Doyle")
    job, created = jobs.submit_rework(store, settings, "turn_speaker", options, created_by="kim")
    assert created and jobs.job_name(job).endswith("(who said a turn)")
    assert jobs.run_job(job.id, settings, services=services) == "done"
    assert store.get_transcript(first.call_id).segments[1].speaker == "Kevin Doyle"
    assert store.transcript_history(first.call_id)[-1].author == "kim"  # who asked for the job
    wrong = jobs.submit_rework(store, settings, "turn_speaker", jobs.ReworkOptions(first.call_id, segment_id=999,
                                                                                  speaker="Kevin Doyle"))[0]
    assert jobs.run_job(wrong.id, settings, services=services) == "failed"
    error = store.get_job(wrong.id).error
    assert "turn 999 is not in this call's transcript" in error and "\n" not in error


def test_the_turn_command_lists_turns_and_gives_a_sentence_to_its_speaker(settings, cli):
    from test_app import store_review, tiny_wav

    from review.store import Store

    store = Store.from_settings(settings)
    cid = store_review(store, tiny_wav(tone=48), "cli-turn.wav").call_id
    store.close()
    code, out, _ = cli("turn", str(cid))
    assert code == 0
    assert "   1  [00:06] Jordan Lee, customer\n        1. Hi Alex, happy to.\n        2. I have about thirty minutes." in out
    code, out, _ = cli("turn", str(cid), "1", "--said-by", "alex rivera", "--sentences", "2", "--author", "kim")
    assert code == 0 and out.startswith(f"== call {cid}, transcript version 2: sentence 2 of turn 1 (at 00:06) given "
                                        "to Alex Rivera\n")  # as the call names the speaker
    code, out, _ = cli("turn", str(cid))
    assert out.startswith(f"call {cid}, transcript version 2\n  Transcript version 2: sentence 2 of turn 1 (at 00:06) "
                          "given to Alex Rivera, by kim on 20")
    store = Store.from_settings(settings)
    try:
        assert store.transcript_versions(cid) == [1, 2]
        assert [(s.speaker, s.text) for s in store.get_transcript(cid).segments[1:3]] == [
            ("Jordan Lee", "Hi Alex, happy to."), ("Alex Rivera", "I have about thirty minutes.")]
        reviews = len(store.reviews_for_call(cid))
    finally:
        store.close()
    assert reviews == 2
    for argv, message in (
            (("turn", str(cid), "1", "--said-by", "Alex Rivera", "--sentences", "two"), "give a sentence number"),
            (("turn", str(cid), "1", "--said-by", "Alex Rivera", "--sentences", "3-2"), "numbers start at 1"),
            (("turn", str(cid), "1", "--said-by", "Alex Rivera", "--sentences", "5"), "turn 1 has 1 sentence; give sentences from 1 to 1"),
            (("turn", str(cid), "1"), "say who said it: --said-by NAME"),
            (("turn", str(cid), "--said-by", "Alex Rivera"), "give the TURN to change"),
            (("turn", str(cid), "1", "--said-by", "Nobody"), "'Nobody' is not a speaker of this call"),
            (("turn", str(cid), "999", "--said-by", "Alex Rivera"), "turn 999 is not in this call's transcript"),
            (("turn", "999"), "call 999 does not exist")):
        code, out, err = cli(*argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_the_turn_list_names_each_speaker_once(settings, cli):
    """A machine label shown as "speaker_1 (rep)" is listed as "speaker_1, rep", not twice over."""
    from review.store import Store

    t = call()
    segments = [s.model_copy(update={"speaker": {"Alex": "speaker_1", "Jordan": "speaker_2"}[s.speaker]})
                for s in t.segments]
    t = t.model_copy(update={"segments": segments,
                             "speaker_names": {"speaker_1": "speaker_1 (rep)", "speaker_2": "Customer"}})
    store = Store.from_settings(settings)
    try:
        cid = store.add_call(filename="labels.wav", rep=None, call_date="2026-12-01", methodology_id="discovery")
        store.save_transcript(cid, t)
    finally:
        store.close()
    code, out, _ = cli("turn", str(cid))
    assert code == 0
    assert [line for line in out.splitlines() if "[00:0" in line] == [
        "   0  [00:00] speaker_1, rep", "   1  [00:04] speaker_2 (Customer), customer", "   2  [00:08] speaker_1, rep"]
