"""Who said each turn: many turns given at once, above all on a recording where one voice was found
(every turn "unknown"), where the manager names the rep's and the customer's turns by hand
(review.speaker_edits.with_turn_speakers, review.rework.change_turn_speakers, the "turn_speakers" job, `callreview turn
CALL 0,2,5-9 --said-by rep`). The call page's table is tested in test_app_call_page.py."""

from __future__ import annotations

import pytest
from test_rework import make_services, transcript_file
from test_turn_speaker import _turn

from review import jobs
from review.errors import InputError
from review.metrics import compute_metrics
from review.pipeline import review_file
from review.rework import change_rep_speaker, change_turn_speakers
from review.speaker_edits import (
    speaker_choices,
    turn_speakers_note,
    with_turn_speaker,
    with_turn_speakers,
)
from review.speakers import MONO_WARNING, assign_roles, speaker_flags
from review.types import SpeakerAttribution, Transcript, TranscriptSource

ONE_VOICE_WARNING = "one voice: the voices did not separate; all speech is under 'unknown'"


def one_voice() -> Transcript:
    """A mono recording where one voice was found: Whisper's segments, every one "unknown"."""
    segments = assign_roles([
        _turn(0, "unknown", "Thanks for taking the time today.", 0.0),
        _turn(1, "unknown", "Sure, happy to. We have about twenty minutes.", 3.0),
        _turn(2, "unknown", "What happens today when a shipment is late?", 7.0),
        _turn(3, "unknown", "We call the carrier. It takes hours.", 11.0),
        _turn(4, "unknown", "How much does that cost you a week?", 14.0),
    ])
    return Transcript(segments=segments, metrics=compute_metrics(segments, 17.0), duration=17.0,
                      source=TranscriptSource(file="mono.wav", format="audio"),
                      warnings=[ONE_VOICE_WARNING, MONO_WARNING],
                      attribution=SpeakerAttribution(method="one voice", note="one voice found: no rep or customer"))


def test_a_one_voice_call_offers_a_rep_and_a_customer_and_its_turns_get_their_roles():
    t = one_voice()
    assert speaker_choices(t) == {"speaker_1": "rep", "speaker_2": "customer"}
    assert t.metrics.rep_speaker is None and t.metrics.patience_s is None and speaker_flags(t)
    after = with_turn_speakers(t, {0: "rep", 1: "customer", 2: "speaker_1", 3: "SPEAKER_2", 4: "rep"})
    assert [(s.id, s.speaker, s.role) for s in after.segments] == [
        (0, "speaker_1", "rep"), (1, "speaker_2", "customer"), (2, "speaker_1", "rep"),
        (3, "speaker_2", "customer"), (4, "speaker_1", "rep")]
    assert after.metrics.rep_speaker == "speaker_1"
    assert after.metrics.patience_s is not None  # recorded pauses: measured once there are roles
    assert set(after.metrics.speakers) == {"speaker_1", "speaker_2"} and after.metrics.interactivity > 0
    # the one-voice warnings and flag go; how the speakers were found says "by hand"
    assert after.warnings == [] and speaker_flags(after) == []
    assert after.attribution.method == "hand" and "given by hand" in after.attribution.note
    assert [s.speaker for s in t.segments] == ["unknown"] * 5  # a copy
    assert turn_speakers_note(t, {0: "rep", 1: "customer", 2: "rep", 3: "customer", 4: "rep"}) == (
        "turns 0, 2 and 4 given to speaker_1 (rep); turns 1 and 3 given to speaker_2 (customer)")


def test_turns_left_unknown_are_counted_and_a_turn_can_then_be_split_by_sentence():
    some = with_turn_speakers(one_voice(), {0: "rep", 1: "customer", 2: "rep"})
    assert [s.speaker for s in some.segments] == ["speaker_1", "speaker_2", "speaker_1", "unknown", "unknown"]
    assert some.warnings == ["2 of 5 turns are still under 'unknown': say who said them (the call page's Manage this "
                             "call -> Who said a turn, or `callreview turn`)"]
    assert turn_speakers_note(one_voice(), {0: "rep", 1: "rep", 2: "rep"}) == "turns 0-2 given to speaker_1 (rep)"
    # the count follows the next change, and goes when no turn is left unknown
    assert with_turn_speakers(some, {3: "customer"}).warnings[0].startswith("1 of 5 turns are still under 'unknown'")
    assert with_turn_speakers(some, {3: "customer", 4: "rep"}).warnings == []
    assert with_turn_speakers(some, {0: "unknown", 1: "unknown", 2: "unknown"}).warnings == [MONO_WARNING]
    # a Whisper segment that holds both voices: its second sentence is the customer's
    split = with_turn_speaker(one_voice(), 3, "rep", first=0, last=0)
    assert [(s.speaker, s.role, s.text) for s in split.segments[3:5]] == [
        ("speaker_1", "rep", "We call the carrier."), ("unknown", "unknown", "It takes hours.")]


def test_giving_turns_keeps_the_rep_and_bad_choices_say_what_to_give():
    t = one_voice()
    assert with_turn_speakers(t, {}) is t and with_turn_speakers(t, {0: "unknown"}) is t
    only_customer = with_turn_speakers(t, {1: "customer"})  # the rep not named yet: the customer stays the customer
    assert only_customer.segments[1].role == "customer" and only_customer.metrics.rep_speaker is None
    assert speaker_choices(only_customer) == {"speaker_2": "customer", "speaker_1": "rep"}
    with pytest.raises(InputError, match="turn 9 is not in this call's transcript \\(turns 0 to 4\\)"):
        with_turn_speakers(t, {0: "rep", 9: "rep"})
    with pytest.raises(InputError, match="'Sam' is not a speaker of this call; give one of: speaker_1 \\(rep\\), "
                                         "speaker_2 \\(customer\\), or rep or customer"):
        with_turn_speakers(t, {0: "Sam"})
    # a call with its speakers told apart offers just them, by name or by role
    named = with_turn_speakers(t, {i: "rep" if i % 2 == 0 else "customer" for i in range(5)})
    assert speaker_choices(named) == {"speaker_1": "rep", "speaker_2": "customer"}
    back = with_turn_speakers(named, {4: "customer", 3: "unknown"})
    assert [s.speaker for s in back.segments][3:] == ["unknown", "speaker_2"]


def test_one_named_speaker_gets_a_customer_beside_them():
    segments = assign_roles([_turn(0, "Alex Rivera", "Hi, thanks for joining.", 0.0),
                             _turn(1, "unknown", "Happy to be here.", 3.0)])
    t = Transcript(segments=segments, metrics=compute_metrics(segments, 5.0), duration=5.0,
                   source=TranscriptSource(file="call.vtt", format="vtt"))
    assert speaker_choices(t) == {"Alex Rivera": "rep", "speaker_2": "customer"}
    after = with_turn_speakers(t, {1: "customer"})
    assert [(s.speaker, s.role) for s in after.segments] == [("Alex Rivera", "rep"), ("speaker_2", "customer")]


def test_many_turns_make_one_version_and_one_review_and_run_as_a_job(settings, tmp_path):
    services = make_services(settings)
    store = services.store
    first = review_file(transcript_file(tmp_path), services, "discovery", rep="Kevin Doyle")
    cid = first.call_id
    mono = first.transcript.model_copy(update={
        "segments": [s.model_copy(update={"speaker": "unknown", "role": "unknown"}) for s in first.transcript.segments],
        "warnings": [MONO_WARNING]})
    store.save_transcript(cid, mono)  # as a one-voice recording would have come
    truth = {s.id: "rep" if s.speaker == "Kevin Doyle" else "customer" for s in first.transcript.segments}
    changed = change_turn_speakers(cid, services, truth, author="kim", version=2)
    assert store.transcript_versions(cid) == [1, 2, 3]
    assert [s.role for s in changed.transcript.segments] == [s.role for s in first.transcript.segments]
    assert store.get_review(changed.review_id).transcript_version == 3
    history = store.transcript_history(cid)[-1]
    assert (history.author, history.note) == ("kim", "11 turns from 0 to 20 given to speaker_1 (rep); 10 turns from 1 "
                                                     "to 19 given to speaker_2 (customer)")  # past six runs: counted
    # the stored transcript names its speakers with the call's rep
    assert store.get_transcript(cid).speaker_names == {"speaker_1": "Kevin Doyle (rep)", "speaker_2": "Customer"}
    with pytest.raises(InputError, match="every turn already has the speaker given"):
        change_turn_speakers(cid, services, truth)
    with pytest.raises(InputError, match="transcript has changed since this turn was picked \\(version 2, now 3\\)"):
        change_turn_speakers(cid, services, {0: "customer"}, version=2)
    assert store.transcript_versions(cid) == [1, 2, 3]
    # the job: options go through the store as JSON and come back as turn ids
    options = jobs.ReworkOptions(cid, turn_speakers=[[0, "customer"], [1, "rep"]], transcript_version=3)
    job, created = jobs.submit_rework(store, settings, "turn_speakers", options, created_by="kim")
    assert created and jobs.job_name(job).endswith("(who said each turn)")
    assert jobs.run_job(job.id, settings, services=services) == "done"
    assert [s.speaker for s in store.get_transcript(cid).segments[:2]] == ["speaker_2", "speaker_1"]
    wrong = jobs.submit_rework(store, settings, "turn_speakers", jobs.ReworkOptions(cid, turn_speakers=[[99, "rep"]]))[0]
    assert jobs.run_job(wrong.id, settings, services=services) == "failed"
    assert "turn 99 is not in this call's transcript" in store.get_job(wrong.id).error


def test_a_new_rep_renames_the_speakers_in_the_stored_transcript(settings, tmp_path):
    """The stored display names follow the new roles (they showed the old rep in transcript exports)."""
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path), services, "discovery", rep="Kevin Doyle")
    assert services.store.get_transcript(first.call_id).speaker_names == {
        "Kevin Doyle": "Kevin Doyle (rep)", "Sarah Collins": "Sarah Collins (customer)"}
    change_rep_speaker(first.call_id, services, "Sarah Collins")
    assert services.store.get_transcript(first.call_id).speaker_names == {
        "Kevin Doyle": "Kevin Doyle (customer)", "Sarah Collins": "Sarah Collins (rep)"}


def _stored_one_voice(settings, filename: str) -> int:
    """A call stored with the one-voice transcript and no review yet (as the CLI finds it)."""
    from review.store import Store

    store = Store.from_settings(settings)
    try:
        call_id = store.add_call(filename=filename, rep="Alex Rivera", call_date="2026-12-01", methodology_id="discovery")
        store.save_transcript(call_id, one_voice())
    finally:
        store.close()
    return call_id


def test_the_turn_command_gives_many_turns_of_a_one_voice_call(settings, cli):
    from review.store import Store

    cid = _stored_one_voice(settings, "mono.wav")
    code, out, _ = cli("turn", str(cid))
    assert code == 0 and "  a turn can be given to: speaker_1 (rep), speaker_2 (customer)\n" in out
    assert "   0  [00:00] unknown, unknown" in out
    code, out, _ = cli("turn", str(cid), "0,2,4", "--said-by", "rep", "--author", "kim")
    assert code == 0 and out.startswith(f"== call {cid}, transcript version 2: turns 0, 2 and 4 given to speaker_1 (rep)\n")
    code, out, _ = cli("turn", str(cid), "4", "--said-by", "speaker_1")
    assert code == 0 and out.startswith(f"== call {cid}, turn 4 was already said by speaker_1; nothing changed\n")
    code, out, _ = cli("turn", str(cid), "1,3", "--said-by", "customer")
    assert code == 0
    code, out, _ = cli("turn", str(cid))
    assert "Transcript version 2: turns 0, 2 and 4 given to speaker_1 (rep), by kim on 20" in out
    assert "Transcript version 3: turns 1 and 3 given to speaker_2 (customer), by manager on 20" in out
    assert "   0  [00:00] speaker_1 (Alex Rivera), rep" in out and "   1  [00:03] speaker_2 (Customer), customer" in out
    store = Store.from_settings(settings)
    try:
        assert store.transcript_versions(cid) == [1, 2, 3] and len(store.reviews_for_call(cid)) == 2
    finally:
        store.close()
    # a two-person call: the rep's turns named, every other turn still unknown to the customer
    other = _stored_one_voice(settings, "mono2.wav")
    code, _, err = cli("turn", str(other), "0", "--said-by", "rep", "--others", "Nobody")
    assert code == 2 and "'Nobody' is not a speaker of this call" in err
    code, out, _ = cli("turn", str(other), "0,2", "--said-by", "rep", "--others", "customer")
    assert code == 0 and out.startswith(f"== call {other}, transcript version 2: turns 0 and 2 given to speaker_1 (rep); "
                                        "turns 1 and 3-4 given to speaker_2 (customer)\n")
    for argv, message in (
            (("turn", str(cid), "0,x", "--said-by", "rep"), "give a turn id, or ids and ranges as 0,2,5-9"),
            (("turn", str(cid), "0", "--said-by", "rep", "--others", "customer", "--sentences", "1"),
             "--sentences is for one turn; give one TURN without --others"),
            (("turn", str(cid), "--others", "customer"), "give the TURN to change"),
            (("turn", str(cid), "4-2", "--said-by", "rep"), "a range's end is not before its start"),
            (("turn", str(cid), "0,1", "--said-by", "rep", "--sentences", "1"), "--sentences is for one turn"),
            (("turn", str(cid), "0,9", "--said-by", "rep"), "turn 9 is not in this call's transcript"),
            (("turn", str(cid), "0,1", "--said-by", "Nobody"), "'Nobody' is not a speaker of this call"),
            (("turn", str(cid), "0,2", "--said-by", "rep"), "every turn already has the speaker given")):
        code, out, err = cli(*argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_a_transcript_file_that_names_nobody_says_so_and_gets_its_speakers_by_hand(settings, tmp_path):
    from review.speakers import UNNAMED_WARNING

    services = make_services(settings)
    vtt = tmp_path / "no-names.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nThanks for joining today. What happens when a "
                   "shipment is late?\n\n00:00:03.500 --> 00:00:07.000\nWe call the carrier, it takes hours.\n\n"
                   "00:00:07.500 --> 00:00:09.000\nHow much does that cost you?\n", encoding="utf-8")
    first = review_file(vtt, services, "discovery", rep="Alex Rivera")
    assert UNNAMED_WARNING in first.scorecard.flags and MONO_WARNING not in first.scorecard.flags  # not a recording
    assert "One voice" not in UNNAMED_WARNING and "names no speakers" in UNNAMED_WARNING
    changed = change_turn_speakers(first.call_id, services, {0: "rep", 1: "customer", 2: "rep"})
    assert [s.role for s in changed.transcript.segments] == ["rep", "customer", "rep"]
    assert not [f for f in changed.scorecard.flags if "all speech is under" in f]
    assert changed.scorecard.metrics.rep_speaker == "speaker_1"


def test_a_plain_text_file_that_names_nobody_gets_a_turn_per_line_and_a_count_of_those_left(settings, tmp_path):
    services = make_services(settings)
    txt = tmp_path / "pasted.txt"
    txt.write_text("Thanks for joining today. What happens when a shipment is late?\nWe call the carrier, "
                   "it takes hours.\nHow much does that cost you\nin a normal week?\nAbout two days of work.\n",
                   encoding="utf-8")
    first = review_file(txt, services, "discovery", rep="Alex Rivera")
    # each line is a turn (a line ending mid-sentence goes on), so the turns can be given speakers
    assert [s.text for s in first.transcript.segments] == [
        "Thanks for joining today. What happens when a shipment is late?", "We call the carrier, it takes hours.",
        "How much does that cost you in a normal week?", "About two days of work."]
    # "Speaker 2" is speaker_2, as the turn list shows it
    some = change_turn_speakers(first.call_id, services, {0: "rep", 1: "Speaker 2"})
    assert [s.speaker for s in some.transcript.segments] == ["speaker_1", "speaker_2", "unknown", "unknown"]
    assert "2 of 4 turns are still under 'unknown'" in " ".join(some.transcript.warnings)
    assert some.transcript.attribution.method == "hand"
    assert some.transcript.attribution.note == "the transcript file named no speakers; the speakers were given by hand"
    done = change_turn_speakers(some.call_id, services, {2: "rep", 3: "customer"})
    assert not [w for w in done.transcript.warnings if "still under 'unknown'" in w]


def test_a_file_naming_some_turns_counts_the_others_and_the_count_follows_each_change(settings, tmp_path):
    services = make_services(settings)
    vtt = tmp_path / "some-names.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n<v Alex Rivera>Thanks for joining. What happens when a "
                   "shipment is late?</v>\n\n00:00:03.500 --> 00:00:07.000\nWe call the carrier, it takes hours.\n\n"
                   "00:00:07.500 --> 00:00:09.000\n<v Alex Rivera>How much does that cost you?</v>\n\n"
                   "00:00:09.500 --> 00:00:11.000\nAbout two days a week.\n", encoding="utf-8")
    first = review_file(vtt, services, "discovery", rep="Alex Rivera")
    assert "2 of 4 turns are still under 'unknown'" in " ".join(first.transcript.warnings)
    assert first.transcript.attribution is None  # the file named them; nothing was given by hand
    some = change_turn_speakers(first.call_id, services, {1: "customer"})
    assert "1 of 4 turns are still under 'unknown'" in " ".join(some.transcript.warnings)
    assert [s.speaker for s in some.transcript.segments] == ["Alex Rivera", "speaker_2", "Alex Rivera", "unknown"]
    assert some.transcript.attribution is None
    done = change_turn_speakers(some.call_id, services, {3: "customer"})
    assert not [w for w in done.transcript.warnings if "under 'unknown'" in w]


def test_the_turns_left_unknown_can_alternate_between_the_rep_and_the_customer():
    from review.speaker_edits import with_alternating

    t = one_voice()
    assert with_alternating(t, {}, None) == {}
    assert with_alternating(t, {}, "rep") == {0: "speaker_1", 1: "speaker_2", 2: "speaker_1", 3: "speaker_2",
                                              4: "speaker_1"}
    assert with_alternating(t, {}, "customer")[0] == "speaker_2"
    # a turn given by hand sets who answers it: the turn after the customer's turn 2 is the rep's
    assert with_alternating(t, {2: "customer"}, "rep") == {0: "speaker_1", 1: "speaker_2", 2: "customer",
                                                            3: "speaker_1", 4: "speaker_2"}
    # a turn the file names does too; FIRST is for the turns no turn comes before
    named = with_turn_speakers(t, {1: "rep"})
    assert with_alternating(named, {}, "customer") == {0: "speaker_2", 2: "speaker_2", 3: "speaker_1", 4: "speaker_2"}
    three = with_turn_speakers(t, {0: "rep", 1: "customer"}).model_copy()
    three.segments[2].speaker, three.segments[2].role = "Jordan Lee", "customer"
    with pytest.raises(InputError, match="turns alternate between one rep and one customer, and this call has "
                                         "speaker_1 \\(rep\\), speaker_2 \\(customer\\), Jordan Lee \\(customer\\)"):
        with_alternating(three, {}, "rep")
    with pytest.raises(InputError, match="'Nobody' is not a speaker of this call"):
        with_alternating(t, {}, "Nobody")


def test_the_turn_command_alternates_the_turns_of_a_pasted_transcript(settings, cli, tmp_path):
    pasted = tmp_path / "pasted.txt"
    pasted.write_text("Thanks for joining. What happens when a shipment is late?\nWe call the carrier, it takes "
                      "hours.\nHow much does that cost you in a week?\nAbout two days of work.\nShall we look at a "
                      "pilot next Tuesday?\n", encoding="utf-8")
    code, out, err = cli("review", str(pasted), "--methodology", "discovery", "--rep", "Alex Rivera")
    assert code == 0, err
    code, out, err = cli("turn", "1", "--alternate", "rep")
    assert code == 0, err
    assert out.startswith("== call 1, transcript version 2: turns 0, 2 and 4 given to speaker_1 (rep); turns 1 and 3 "
                          "given to speaker_2 (customer)\n")
    code, out, _ = cli("turn", "1")
    assert "   1  [00:04] speaker_2 (Customer), customer" in out and "   4  [00:12] speaker_1 (Alex Rivera), rep" in out
    for argv, message in ((("turn", "1", "--alternate", "rep"), "every turn already has the speaker given"),
                          (("turn", "1", "0", "--said-by", "rep", "--others", "customer", "--alternate", "rep"),
                           "either go to one speaker or alternate"),
                          (("turn", "1", "--alternate", "rep", "--sentences", "1"), "--sentences is for one turn")):
        code, out, err = cli(*argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)
