"""What the shell is given that would lose work or mislead: an --out over the call itself, a blank --rep or
--date that wiped a stored call's, a date no call has, and a call with no speech scored and coached on."""

from __future__ import annotations

from pathlib import Path

import pytest

CALL = "Alex Rivera: Hi Jordan, what happens today when an order comes in?\nJordan Lee: We copy it by hand.\n"


def _call(tmp_path: Path) -> Path:
    path = tmp_path / "call.txt"
    path.write_text(CALL)
    return path


def test_transcribe_out_never_replaces_the_call_or_a_file_that_is_not_json(cli, tmp_path):
    call = _call(tmp_path)
    for out, said in ((str(call), "is the file being transcribed; give another name, e.g. call.transcript.json"),
                      (str(tmp_path), "is a folder"), ("", "--out is empty")):
        code, _, err = cli("transcribe", str(call), "--out", out)
        assert code == 2 and said in err and len(err.strip().splitlines()) == 1, out
    assert call.read_text() == CALL  # the call itself is untouched
    recording = tmp_path / "other.wav"
    recording.write_bytes(b"RIFF....WAVE")
    code, _, err = cli("transcribe", str(call), "--out", str(recording))
    assert code == 2 and "exists and is not a .json file" in err and recording.read_bytes() == b"RIFF....WAVE"
    old = tmp_path / "call.json"
    old.write_text("{}")
    assert cli("transcribe", str(call), "--out", str(old))[0] == 0  # a JSON transcript is replaced, as asked
    assert '"segments"' in old.read_text()


def test_review_out_is_checked_before_the_work_and_never_writes_over_a_call(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    given = out / "transcript.json"  # a transcript from the folder the review would write to
    code, _, _ = cli("transcribe", str(_call(tmp_path)), "--out", str(given))
    assert code == 0
    before = given.read_text()
    code, stdout, err = cli("review", str(given), "--out", str(out))
    assert code == 2 and "would write over" in err and given.read_text() == before
    assert stdout == ""  # refused before any review
    code, stdout, err = cli("review", str(_call(tmp_path)), "--out", str(_call(tmp_path)))
    assert code == 2 and "is a file; give a folder" in err and stdout == ""


def test_a_blank_rep_or_date_keeps_the_stored_call_s_and_a_date_no_call_has_is_refused(cli, settings, tmp_path):
    from review.store import Store

    call = _call(tmp_path)
    assert cli("review", str(call), "--rep", "Alex Rivera", "--date", "2026-11-02")[0] == 0
    assert cli("review", str(call), "--rep", "  ", "--date", "")[0] == 0  # the same file: served from the store
    store = Store.from_settings(settings)
    try:
        [row] = store.list_calls()
        assert (row.rep, row.call_date) == ("Alex Rivera", "2026-11-02")
    finally:
        store.close()
    for day, said in (("9999-12-31", "is in the future"), ("1800-01-01", "is before 1990"), ("2026-13-40", "not a date")):
        code, stdout, err = cli("review", str(call), "--date", day)
        assert code == 2 and said in err and "YYYY-MM-DD" in err and stdout == "", day


def test_a_call_with_no_speech_is_not_scored_and_its_upload_is_kept(cli, settings, tmp_path, monkeypatch):
    """A silent recording got a 0% review and a coaching agenda on the rep's "pattern"."""
    from review.metrics import compute_metrics
    from review.store import Store
    from review.types import Transcript, TranscriptSource

    empty = tmp_path / "empty.json"
    empty.write_text(Transcript(source=TranscriptSource(file="x.wav", format="audio"), duration=5.0, segments=[],
                                metrics=compute_metrics([], 5.0)).model_dump_json())
    code, _, err = cli("review", str(empty))
    assert code == 2 and "no speech found, so there is nothing to score" in err

    def silence(path, settings, **kwargs):
        return Transcript(source=TranscriptSource(file=Path(path).name, format="audio"), duration=5.0, segments=[],
                          metrics=compute_metrics([], 5.0), warnings=["no speech found in quiet.wav"])

    monkeypatch.setattr("review.transcribe.transcript_from_file", silence)
    quiet = tmp_path / "quiet.wav"
    from test_app import tiny_wav

    quiet.write_bytes(tiny_wav(tone=61))
    code, _, err = cli("review", str(quiet), "--rep", "Alex Rivera")
    assert code == 2 and "quiet.wav: no speech found" in err
    store = Store.from_settings(settings)
    try:
        [row] = store.list_calls()
        assert row.status == "failed" and "no speech found" in row.error and row.review_id is None
        assert Path(store.get_call(row.id).stored_path).is_file()  # the upload is kept: retry or delete it
    finally:
        store.close()


@pytest.mark.parametrize("value", [None, "", "   "])
def test_check_call_date_treats_blank_as_not_given(value):
    from review.pipeline import check_call_date

    assert check_call_date(value) is None
    assert check_call_date(" 2026-11-02 ") == "2026-11-02"


def test_an_empty_file_says_to_export_what_it_is(cli, tmp_path):
    for name, what in (("call.txt", "export the transcript again"), ("call.vtt", "export the transcript again"),
                       ("call.wav", "export the recording again")):
        (tmp_path / name).write_bytes(b"")
        code, _, err = cli("transcribe", str(tmp_path / name))
        assert code == 2 and "file is empty (0 bytes)" in err and what in err, name
