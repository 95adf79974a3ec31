"""A call scored on a rep that was only guessed (a mono recording's first voice, a tool's speaker_1) or that
speech doubts (a two-channel recorder wired the other way round): the Calls list and `callreview calls` say
which calls to check, and naming the rep, or confirming the guess, ends it and says so."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from test_store import db_url, store  # noqa: F401  (SQLite, and PostgreSQL where CALLREVIEW_TEST_POSTGRES_URL is set)

from review.metrics import compute_metrics
from review.speaker_edits import with_rep_speaker
from review.speakers import assign_roles, left_channel_doubt, rep_to_check, speaker_flags
from review.types import Segment, SpeakerAttribution, Transcript, TranscriptSource

TURNS = [("speaker_1", "Hi, thanks for calling back."),
         ("speaker_2", "Of course. This is Alex from Rautwise; what happens today when an order comes in?"),
         ("speaker_1", "We copy it into a spreadsheet by hand."),
         ("speaker_2", "How long does that take each week?"),
         ("speaker_1", "About six hours, and it is the worst part of the week.")]


def _call(method: str, chosen_by: str, warnings: list[str] | None = None, note: str = "") -> Transcript:
    segments = assign_roles([Segment(id=i, start=4.0 * i, end=4.0 * i + 3.5, speaker=who, text=said)
                             for i, (who, said) in enumerate(TURNS)], "speaker_1")
    return Transcript(source=TranscriptSource(file="call.wav", format="audio", channels="mono"), duration=20.0,
                      segments=segments, metrics=compute_metrics(segments, 20.0), warnings=warnings or [],
                      attribution=SpeakerAttribution(method=method, rep_chosen_by=chosen_by, note=note))


def _guessed() -> Transcript:
    return _call("voices", "first speaker", note="rep is speaker_1 (the first to speak)")


def test_naming_the_rep_ends_the_guess_and_the_note_says_who_chose_it():
    """The speakers' note said "rep is speaker_1 (the first to speak)" after the manager had made speaker_2
    the rep: the scorecard's flag contradicted its own roles."""
    guessed = _guessed()
    assert rep_to_check(guessed) == "speaker_1"
    named = with_rep_speaker(guessed, "speaker_2")
    assert named.metrics.rep_speaker == "speaker_2" and rep_to_check(named) is None
    assert named.attribution.rep_chosen_by == "given by hand" and named.attribution.method == "voices"
    [flag] = speaker_flags(named)
    assert "rep is speaker_2 (given by hand)" in flag and "first to speak" not in flag
    # the guess confirmed: the roles stay, the guess ends (the call is no longer listed to check)
    confirmed = with_rep_speaker(guessed, "speaker_1")
    assert confirmed is not guessed and [s.role for s in confirmed.segments] == [s.role for s in guessed.segments]
    assert rep_to_check(confirmed) is None and confirmed.attribution.note == "rep is speaker_1 (given by hand)"
    assert with_rep_speaker(confirmed, "speaker_1") is confirmed  # nothing left to change
    # a rep chosen from the call is not a guess: setting the same rep changes nothing
    said = _call("voices", "what was said", note="rep is speaker_1 (introduced themselves as Alex)")
    assert rep_to_check(said) is None and with_rep_speaker(said, "speaker_1") is said


def test_a_doubted_left_channel_is_listed_to_check_and_naming_the_rep_drops_the_doubt():
    doubt = left_channel_doubt(_guessed().segments, "Alex Rivera")
    assert doubt and doubt.startswith("speaker_2 introduced themselves as Alex")
    wired = _call("channels", "left channel", [doubt, "timings are estimated"], "rep is speaker_1 (the left channel)")
    assert rep_to_check(wired) == "speaker_1"
    fixed = with_rep_speaker(wired, "speaker_2")
    assert fixed.warnings == ["timings are estimated"]  # the doubt went; it said what the manager has now done
    assert rep_to_check(fixed) is None and fixed.attribution.note == "rep is speaker_2 (given by hand)"
    # a transcript file whose numbered speakers were guessed warns instead of noting: the same check
    from review.speakers import rep_guessed_warning

    typed = _call("file", "none", [rep_guessed_warning("speaker_1")])
    assert rep_to_check(typed) == "speaker_1" and rep_to_check(with_rep_speaker(typed, "speaker_1")) is None


def test_the_store_lists_the_guessed_rep_of_the_latest_transcript_only(store):  # noqa: F811
    guessed = store.add_call(filename="guess.wav", rep="Alex Rivera", call_date="2026-11-02", methodology_id="discovery")
    known = store.add_call(filename="known.wav", rep="Alex Rivera", call_date="2026-11-01", methodology_id="discovery")
    store.save_transcript(guessed, _guessed())
    store.save_transcript(known, _call("channels", "left channel", note="rep is speaker_1 (the left channel)"))
    rows = {r.filename: r.rep_to_check for r in store.list_calls()}
    assert rows == {"guess.wav": "speaker_1", "known.wav": None}
    store.save_transcript(guessed, with_rep_speaker(_guessed(), "speaker_2"), author="kim", note="the rep set to speaker_2")
    assert {r.filename: r.rep_to_check for r in store.list_calls()} == {"guess.wav": None, "known.wav": None}


def test_an_older_store_marks_its_calls_scored_on_a_guess_when_it_upgrades(tmp_path):
    """Migration 8 reads each call's latest stored transcript (as plain JSON) for the guess."""
    from review.migrations import MIGRATIONS, migrate
    from review.store import Store

    url = f"sqlite:///{tmp_path / 'v7.db'}"
    engine = create_engine(url)
    assert migrate(engine, until=7)[-1] == 7
    bodies = {1: [_call("voices", "what was said").model_dump_json(), _guessed().model_dump_json()],  # guessed at last
              2: [_guessed().model_dump_json(), _call("channels", "left channel").model_dump_json()],  # fixed at last
              3: ['{"segments": [], "warnings": null, "attribution": null, "metrics": null}']}  # odd but stored
    with engine.begin() as conn:
        for call_id, versions in bodies.items():
            conn.execute(text("INSERT INTO calls (id, filename, created_at, status) VALUES (:id, :f, '2026-01-01', 'reviewed')"),
                         {"id": call_id, "f": f"call{call_id}.wav"})
            for version, body in enumerate(versions, 1):
                conn.execute(text("INSERT INTO transcripts (call_id, version, sha256, transcript_json, created_at) "
                                  "VALUES (:c, :v, :sha, :body, '2026-01-01')"),
                             {"c": call_id, "v": version, "sha": f"{call_id}-{version}", "body": body})
            conn.execute(text("INSERT INTO call_text (call_id, transcript_version, text) VALUES (:c, :v, '')"),
                         {"c": call_id, "v": len(versions)})
    engine.dispose()
    upgraded = Store(url)
    try:
        assert {r.id: r.rep_to_check for r in upgraded.list_calls()} == {1: "speaker_1", 2: None, 3: None}
        with upgraded.engine.connect() as conn:
            assert conn.scalar(text("SELECT MAX(version) FROM schema_version")) == len(MIGRATIONS) >= 8
    finally:
        upgraded.close()


def test_calls_on_the_cli_name_the_guess_and_review_retry_rep_speaker_settles_it(settings, cli):
    from test_app import draft_for, scorecard_for

    from review.store import Store

    kept = Store.from_settings(settings)
    call_id = kept.add_call(filename="guess.wav", rep="Alex Rivera", call_date="2026-11-02", methodology_id="discovery")
    t = _guessed()
    kept.save_transcript(call_id, t)
    kept.save_review(call_id, scorecard_for(t), draft_for(), None)
    kept.close()
    code, out, _ = cli("calls")
    [row] = [line for line in out.splitlines() if "guess.wav" in line]
    assert code == 0 and row.endswith("guess.wav  (rep taken to be speaker_1, a guess)")
    assert f"The rep of call {call_id} is only a guess" in out and "--rep-speaker SPEAKER" in out
    code, out, err = cli("review", "--retry", str(call_id), "--rep-speaker", "nobody")
    assert code != 0 and len(err.strip().splitlines()) == 1 and "speaker_1" in err and "speaker_2" in err
    code, out, err = cli("review", "--retry", str(call_id), "--rep-speaker", "speaker 2")
    assert code == 0, err
    kept = Store.from_settings(settings)
    try:
        assert kept.transcript_versions(call_id) == [1, 2]
        assert kept.get_transcript(call_id).metrics.rep_speaker == "speaker_2"
        assert kept.latest_review(call_id).transcript_version == 2
    finally:
        kept.close()
    code, out, _ = cli("calls")
    assert "a guess" not in out and "only a guess" not in out


VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Speaker 1>Hi, thanks for calling back, this is Jordan at Acme.

00:00:04.500 --> 00:00:09.000
<v Speaker 2>Of course. What happens today when an order comes in?

00:00:09.500 --> 00:00:14.000
<v Speaker 1>We copy it into a spreadsheet by hand, it takes hours every week.
"""


def test_a_transcript_file_whose_rep_is_the_first_to_talk_says_it_is_a_guess_in_any_format(tmp_path):
    """Only other tools' JSON warned: a caption file with "Speaker 1" / "Speaker 2" scored the customer who
    opened the call as the rep, silently."""
    from review.formats import load_transcript
    from review.speakers import is_numbered_label

    captions = tmp_path / "numbered.vtt"
    captions.write_text(VTT)
    t = load_transcript(captions, rep_name="Alex Rivera")
    assert t.metrics.rep_speaker == "Speaker 1" and rep_to_check(t) == "Speaker 1"
    assert [w for w in t.warnings if "a guess" in w or "taken to be" in w] == [
        "the speakers are only numbered, so the rep is taken to be Speaker 1, the first to talk; if that is the "
        "customer, say who the rep is (the call page's Manage this call -> Who is the rep, or --rep-speaker)"]
    assert rep_to_check(load_transcript(captions, rep_speaker="Speaker 2")) is None  # named: no guess
    typed = tmp_path / "names.txt"
    typed.write_text("Jordan: Hi, thanks for calling back.\nSam: Of course. What happens today?\n")
    [warning] = [w for w in load_transcript(typed, rep_name="Alex Rivera").warnings if "taken to be" in w]
    assert warning.startswith("no speaker is named Alex Rivera, so the rep is taken to be Jordan, the first to talk")
    assert load_transcript(typed).warnings[-1].startswith("the call's rep is not named, so the rep is taken to be Jordan")
    assert not [w for w in load_transcript(typed, rep_name="Sam Ortiz").warnings if "taken to be" in w]  # Sam Ortiz
    labelled = tmp_path / "roles.txt"
    labelled.write_text("Prospect: Hi there.\nRep: Thanks for joining. What happens today?\n")
    assert not [w for w in load_transcript(labelled).warnings if "taken to be" in w]  # the label says who sells
    alone = tmp_path / "alone.txt"
    alone.write_text("Jordan: Hi, I am leaving a message about the renewal.\n")
    assert not [w for w in load_transcript(alone).warnings if "taken to be" in w]  # one speaker: nothing to guess
    assert all(map(is_numbered_label, ["speaker_1", "Speaker 2", "SPEAKER_00", "spk_0", "Speaker A", "Participant 3"]))
    assert not any(map(is_numbered_label, ["Alex Rivera", "Speaker", "Spencer", "Agent 2", "Jordan"]))


def test_an_uploaded_caption_file_with_numbered_speakers_is_listed_to_check(settings, cli, tmp_path):
    captions = tmp_path / "numbered.vtt"
    captions.write_text(VTT)
    code, out, err = cli("review", str(captions), "--rep", "Alex Rivera")
    assert code == 0, err
    assert "  ! the speakers are only numbered, so the rep is taken to be Speaker 1" in out
    code, out, _ = cli("calls")
    [row] = [line for line in out.splitlines() if "numbered" in line]
    assert row.endswith("(rep taken to be Speaker 1, a guess)")
