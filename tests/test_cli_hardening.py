"""Bad input to `callreview turn | worker | users | calibration | feedback | jobs | voice` answered in one line
that says what to do, never a traceback, a frozen machine or a stored value nobody can use; and a corrected
turn says where the manager's corrections stayed."""

from __future__ import annotations

import io

import pytest


def _one_line_error(code: int, err: str, message: str) -> None:
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def _stored_review(settings, tone: int):
    from test_app import store_review, tiny_wav

    from review.store import Store

    store = Store.from_settings(settings)
    try:
        return store_review(store, tiny_wav(tone=tone), f"hardening-{tone}.wav")
    finally:
        store.close()


# --------------------------------------------------------------------------- 1. a turn range


def test_a_turn_range_past_the_last_turn_is_refused_before_it_is_expanded(settings, cli):
    """0-99999999999 was expanded into a list first: a MemoryError traceback (0-9999999: 8 s, 1.5 GB)."""
    from test_app import transcript

    from review.commands.turn import turn_ids

    result = _stored_review(settings, tone=61)
    cid = str(result.call_id)
    code, out, err = cli("turn", cid, "0-99999999999", "--said-by", "rep")
    _one_line_error(code, err, "turn 99999999999 (of 0-99999999999) is not in this call's transcript (turns 0 to 17)")
    assert f"`callreview turn {cid}`" in err and out == ""
    code, _, err = cli("turn", cid, "2,16-18", "--said-by", "rep")
    _one_line_error(code, err, "turn 18 (of 16-18) is not in this call's transcript (turns 0 to 17)")
    code, _, err = cli("turn", "999", "0-99999999999", "--said-by", "rep")
    _one_line_error(code, err, "call 999 does not exist in the store")
    with pytest.raises(Exception, match="turn 9999999 "):
        turn_ids("0-9999999", transcript(), 1)
    assert turn_ids("0,2,5-7", transcript(), 1) == [0, 2, 5, 6, 7]


# --------------------------------------------------------------------------- 2. corrections on the old review


def test_a_corrected_turn_says_where_the_corrections_stay_and_how_to_carry_them(settings, cli):
    from review.store import Store

    result = _stored_review(settings, tone=62)
    cid, first = result.call_id, result.review_id
    store = Store.from_settings(settings)
    try:
        store.add_override(first, "pain_quantified", 1, "asked about cost once")
        store.add_evidence_mark(first, "agenda_set", 2, "right")
    finally:
        store.close()
    code, out, err = cli("turn", str(cid), "1", "--said-by", "Alex Rivera", "--sentences", "2")
    assert code == 0, err
    store = Store.from_settings(settings)
    try:
        second = store.latest_review(cid).id
    finally:
        store.close()
    assert second != first
    [line] = [line for line in out.splitlines() if "feedback carry" in line]
    assert line == (f"the manager's corrections (1 override(s), 1 evidence mark(s)) stay on review {first}; this "
                    f"review was scored afresh: `callreview feedback carry {first} {second}` brings them over")
    assert cli("feedback", "carry", str(first), str(second))[0] == 0  # the command it names works as given


def test_a_corrected_turn_without_corrections_says_nothing_of_them(settings, cli):
    result = _stored_review(settings, tone=63)
    code, out, err = cli("turn", str(result.call_id), "1", "--said-by", "Alex Rivera", "--sentences", "2")
    assert code == 0, err
    assert "feedback carry" not in out and "stay on review" not in out


# --------------------------------------------------------------------------- 3. worker processes


def test_a_worker_count_out_of_range_is_refused_before_anything_is_printed_or_started(settings, cli, monkeypatch):
    from review.cli import build_parser
    from review.jobs import MAX_WORKERS, worker_count

    started: list = []
    monkeypatch.setattr("review.jobs.run_worker", lambda *a, **k: started.append((a, k)))  # never a real consumer
    for given, message in (("100000", f"--workers 100000: at most {MAX_WORKERS} worker processes on one machine; "
                                      f"give 1 to {MAX_WORKERS}"),
                           ("0", f"--workers 0: a worker needs at least 1 process; give 1 to {MAX_WORKERS}"),
                           ("-2", "--workers -2: a worker needs at least 1 process")):
        code, out, err = cli("worker", "--workers", given)
        _one_line_error(code, err, message)
        assert "callreview worker:" not in err and out == ""
    monkeypatch.setenv("CALLREVIEW_WORKERS", "500")
    code, _, err = cli("worker")
    _one_line_error(code, err, f"CALLREVIEW_WORKERS=500: at most {MAX_WORKERS} worker processes")
    assert started == []
    code, _, err = cli("worker", "--workers", str(MAX_WORKERS))  # the largest allowed starts
    assert code == 0 and f"callreview worker: {MAX_WORKERS} worker(s)" in err and len(started) == 1
    assert started[0][1]["workers"] == MAX_WORKERS
    assert worker_count(settings, 3) == 3 and worker_count(settings) == settings.workers
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["worker"]
    assert f"1 to {MAX_WORKERS}" in " ".join(sub.format_help().split())


# --------------------------------------------------------------------------- 4. passwords from standard input


def _stdin(monkeypatch, data: bytes, errors: str = "surrogateescape") -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors=errors,
                                                         newline="\n"))  # as sys.stdin reads on POSIX


def _signs_in(settings, username: str, password: str) -> bool:
    from review.auth import AuthError, sign_in
    from review.store import Store

    store = Store.from_settings(settings)
    try:
        sign_in(store, username, password)
        return True
    except AuthError:
        return False
    finally:
        store.close()


def test_a_password_from_stdin_is_one_line_of_text_without_its_line_ending(settings, cli, monkeypatch):
    """Undecodable bytes gave a UnicodeEncodeError traceback; "\\r\\n" stored a password ending in "\\r"."""
    message = "the password is not one line of text"
    for data, errors in ((b"\xff\xfe\xfa passpasspass\n", "surrogateescape"), (b"\xff\xfe\xfa passpasspass\n", "strict"),
                         (b"longpassword123\r", "strict"), (b"long\tpassword123\n", "strict"),
                         (b"longpass\x00word123\n", "strict")):
        _stdin(monkeypatch, data, errors)
        _one_line_error(*cli("users", "add", "bob", "--password-stdin")[::2], message)
    _stdin(monkeypatch, b"longpassword123\r\n")
    assert cli("users", "add", "bob", "--password-stdin")[0] == 0
    assert _signs_in(settings, "bob", "longpassword123")

    # the reset path: refused without touching the password; spaces are kept, only the line ending goes
    _stdin(monkeypatch, b"\xff\xfe\xfa passpasspass\n")
    _one_line_error(*cli("users", "reset", "bob", "--password-stdin")[::2], message)
    assert _signs_in(settings, "bob", "longpassword123")
    _stdin(monkeypatch, "  längeres passwort \n".encode())
    assert cli("users", "reset", "bob", "--password-stdin")[0] == 0
    assert _signs_in(settings, "bob", "  längeres passwort ")


# --------------------------------------------------------------------------- 5. calibration reset


def test_a_calibration_reset_names_a_known_methodology_and_criterion(settings, cli):
    from review.store import Store

    code, out, err = cli("calibration", "reset", "nosuch", "x")
    _one_line_error(code, err, "unknown methodology 'nosuch'; known: ")
    assert "discovery" in err and out == ""
    code, _, err = cli("calibration", "reset", "discovery", "nosuch")
    _one_line_error(code, err, "'nosuch' is not a criterion of discovery; give one of: agenda_set, open_questions")
    store = Store.from_settings(settings)
    try:
        assert store.calibration_history() == []  # nothing recorded for either
        # a fitted calibration whose methodology is gone can still be reset
        store.save_calibration("retired", "old_criterion", {"weights": [0.0]}, 5, 2, "sha")
    finally:
        store.close()
    code, out, err = cli("calibration", "reset", "Discovery", "agenda_set")  # by name; never calibrated: as before
    assert code == 0, err
    assert out.startswith("discovery/agenda_set: calibration reset (version 1)")
    code, out, err = cli("calibration", "reset", "retired", "old_criterion")
    assert code == 0 and out.startswith("retired/old_criterion: calibration reset (version 2)"), err


# --------------------------------------------------------------------------- 6. an override's score


def test_an_override_score_below_zero_names_the_scale(settings, cli):
    r = str(_stored_review(settings, tone=64).review_id)
    code, _, err = cli("feedback", "override", r, "pain_quantified", "-1", "-c", "why")
    _one_line_error(code, err, "must be a whole number from 0 to 2")
    code, _, err = cli("feedback", "override", r, "pain_quantified", "5", "-c", "why")
    _one_line_error(code, err, "must be a whole number from 0 to 2")
    for score in ("one", "²", "1.5", ""):
        code, _, err = cli("feedback", "override", r, "pain_quantified", score, "-c", "why")
        _one_line_error(code, err, f"score {score!r} is not a whole number; give one from 0 to the criterion's maximum")
    code, out, err = cli("feedback", "override", r, "pain_quantified", " 2 ", "-c", "why")
    assert code == 0 and "the manager's score is 2 of 2" in out, err


# --------------------------------------------------------------------------- 7. jobs --limit


def test_a_jobs_limit_under_one_is_refused(settings, cli):
    for limit in ("0", "-1"):
        code, out, err = cli("jobs", "--limit", limit)
        _one_line_error(code, err, f"--limit {limit}: give 1 or more")
        assert out == ""
    assert cli("jobs", "--limit", "1")[0] == 0


# --------------------------------------------------------------------------- 8. voice samples


def test_a_voice_sample_that_is_no_recording_asks_for_one_of_the_rep_alone(settings, cli, tmp_path):
    text = tmp_path / "plain.txt"
    text.write_text("Hi, this is Alex.\n")
    code, _, err = cli("voice", "enroll", "Alex Rivera", str(text))
    _one_line_error(code, err, f"{text}: a transcript cannot be enrolled as a voice; give a recording of the rep "
                               "speaking alone, 10-30 s (wav, mp3")
    fake = tmp_path / "fake.wav"
    fake.write_text("not audio at all\n")
    code, _, err = cli("voice", "enroll", "Alex Rivera", str(fake))
    _one_line_error(code, err, f"{fake}: is not a readable audio file (corrupt, truncated, or another kind of file); "
                               "give a recording of the rep speaking alone")
    for said in (cli("voice", "enroll", "Alex Rivera", str(text))[2], err):
        assert "transcript file" not in said and "docx" not in said
