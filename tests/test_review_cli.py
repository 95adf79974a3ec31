"""`callreview review` end to end on transcript files: output files, the store cache, folders with bad
files, and one-line errors (real store, index and embeddings; no Whisper)."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

from test_pipeline import asked, counting_engine, transcript_file

REPO = Path(__file__).resolve().parent.parent
SLED_HEADINGS = ("Set the Stage", "Lead the Performance Analysis", "Explore Solution Options",
                 "Develop the Action Plan")
OUTPUTS = {"transcript.json", "scorecard.json", "agenda.md", "prep_note.md"}


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("callreview: ")]


def test_review_writes_scorecard_agenda_and_prep_note(cli, tmp_path):
    path = transcript_file(tmp_path / "calls", "cybersecurity_mdr_strong")
    out = tmp_path / "out"
    code, stdout, stderr = cli("review", str(path), "--methodology", "discovery", "--rep", "Daniel Brooks",
                               "--out", str(out))
    assert code == 0, stderr
    assert {p.name for p in out.iterdir()} == OUTPUTS
    assert "Offline rules engine (no LLM)" in stdout and "Focus for coaching:" in stdout
    assert "score: Scorecard ready" in stderr  # progress goes to stderr

    transcript = json.loads((out / "transcript.json").read_text())
    turns = {s["id"]: s for s in transcript["segments"]}
    card = json.loads((out / "scorecard.json").read_text())
    assert {"criteria", "total_score", "total_max", "sections", "engine", "provenance"} <= set(card)
    assert card["engine"] == "rules" and card["provenance"]["methodology_id"] == "discovery"
    assert len(card["criteria"]) == 6 and card["total_score"] > 0
    quotes = 0
    for crit in card["criteria"]:
        assert {"id", "name", "score", "max_score", "verdict", "evidence", "rationale"} <= set(crit)
        assert 0 <= crit["score"] <= crit["max_score"] and crit["rationale"]
        for ev in crit["evidence"]:
            seg = turns[ev["segment_id"]]
            assert ev["quote"] in seg["text"] and ev["speaker"] == seg["speaker"]
            assert seg["start"] - 0.01 <= ev["start"] <= ev["end"] <= seg["end"] + 0.01
            quotes += 1
    assert quotes >= 3  # a strong call has real evidence

    agenda = (out / "agenda.md").read_text()
    positions = [agenda.find(f"{i}. {title}") for i, title in enumerate(SLED_HEADINGS, 1)]
    assert -1 not in positions and positions == sorted(positions), positions
    prep = (out / "prep_note.md").read_text()
    assert prep.startswith("# Prep note: Daniel Brooks")


def test_unchanged_call_comes_from_the_store_and_an_edited_methodology_is_rescored(
    cli, tmp_path, monkeypatch
):
    methodology_dir = tmp_path / "methodology"
    shutil.copytree(REPO / "methodology", methodology_dir)
    monkeypatch.setenv("CALLREVIEW_METHODOLOGY_DIR", str(methodology_dir))
    engine = counting_engine()
    monkeypatch.setattr("review.llm.make_chat_engine", lambda settings: engine)
    path = transcript_file(tmp_path / "calls", "fintech_expenses_mixed")
    args = ("review", str(path), "-m", "bant", "--rep", "Dana", "--out", str(tmp_path / "out"))

    code, first, _ = cli(*args)
    calls = len(asked(engine))
    assert code == 0 and calls > 0 and "(from the store)" not in first

    code, second, stderr = cli(*args)
    assert code == 0 and len(asked(engine)) == calls  # no LLM call at all
    assert "(from the store)" in second and "Served from the store" in stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == OUTPUTS

    bant = methodology_dir / "bant.yaml"
    bant.write_text(bant.read_text().replace("version: \"1.0.0\"", "version: \"1.0.1\""))
    code, third, _ = cli(*args)
    assert code == 0 and len(asked(engine)) > calls and "(from the store)" not in third
    card = json.loads((tmp_path / "out" / "scorecard.json").read_text())
    assert card["provenance"]["methodology_version"] == "1.0.1"


def test_a_folder_reviews_the_good_files_and_reports_each_bad_one(cli, tmp_path):
    folder = tmp_path / "calls"
    transcript_file(folder, "hr_onboarding_weak")
    transcript_file(folder, "retail_forecasting_weak")
    (folder / "empty.txt").write_text("")
    (folder / "voicemail.wav").write_text("this is a text file, not a recording\n")
    (folder / "notes.pdf").write_text("not a call; ignored")  # not a recording or transcript
    out = tmp_path / "out"

    code, stdout, stderr = cli("review", str(folder), "-m", "bant", "--out", str(out))
    assert code != 0
    lines = errors(stderr)
    assert len(lines) == 4, lines
    assert lines[0] == "callreview: note: skipped 1 file(s) that are not recordings or transcripts: notes.pdf"
    assert "empty.txt" in lines[1] and "voicemail.wav" in lines[2]
    assert "2 of 4 files failed" in lines[3]
    assert stdout.count("== ") == 2
    assert {p.name for p in out.iterdir()} == {"hr_onboarding_weak", "retail_forecasting_weak"}
    for name in ("hr_onboarding_weak", "retail_forecasting_weak"):
        assert {p.name for p in (out / name).iterdir()} == OUTPUTS


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_endpoint_is_one_line_and_writes_nothing(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREVIEW_LLM_ENGINE", "openai")
    monkeypatch.setenv("CALLREVIEW_LLM_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    monkeypatch.setenv("CALLREVIEW_LLM_MAX_RETRIES", "1")
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    out = tmp_path / "out"
    code, stdout, stderr = cli("review", str(path), "-m", "bant", "--out", str(out))
    assert code == 2
    assert errors(stderr) == [line for line in stderr.splitlines() if "error" in line.lower()]
    [line] = errors(stderr)
    assert "unreachable" in line and "CALLREVIEW_LLM_BASE_URL" in line and "Traceback" not in stderr
    assert not out.exists() or not any(out.iterdir())
    assert "==" not in stdout


def test_unknown_methodology_lists_the_known_ones_once(cli, tmp_path):
    folder = tmp_path / "calls"
    transcript_file(folder, "hr_onboarding_weak")
    transcript_file(folder, "retail_forecasting_weak")
    code, stdout, stderr = cli("review", str(folder), "-m", "solution-selling", "--out", str(tmp_path / "out"))
    assert code == 2 and stdout == ""
    [line] = errors(stderr)
    assert "unknown methodology 'solution-selling'" in line
    assert all(name in line for name in ("bant", "discovery", "meddpicc", "spin"))
    assert not (tmp_path / "out").exists()


def test_missing_file_and_empty_folder(cli, tmp_path):
    code, _, stderr = cli("review", str(tmp_path / "nope.vtt"), "-m", "bant")
    assert code == 2
    [line] = errors(stderr)
    assert "nope.vtt" in line and "no such file" in line
    (tmp_path / "empty").mkdir()
    code, _, stderr = cli("review", str(tmp_path / "empty"), "-m", "bant")
    assert code == 2 and "no recordings or transcripts" in errors(stderr)[0]


def test_output_into_a_closed_pipe_ends_without_a_traceback(tmp_path):
    """`callreview methodology show discovery | head -1`: the reader closes the pipe early."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CALLREVIEW_HOME": str(tmp_path / "home")}
    for _ in range(3):  # the pipe is closed before the child writes (it is still importing)
        child = subprocess.Popen([sys.executable, "-m", "review", "methodology", "show", "discovery"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                 cwd=Path(__file__).resolve().parent.parent)
        child.stdout.close()
        stderr = child.stderr.read().decode()
        code = child.wait(timeout=60)
        assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
        assert code == 141


def test_rep_speaker_for_a_stored_call_is_honoured_and_a_stranger_is_an_error(cli, tmp_path):
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    out = tmp_path / "out"
    code, _, stderr = cli("review", str(path), "-m", "bant")
    assert code == 0, stderr
    code, _, stderr = cli("review", str(path), "-m", "bant", "--rep-speaker", "Sarah Collins", "--out", str(out))
    assert code == 0, stderr
    roles = {s["speaker"]: s["role"] for s in json.loads((out / "transcript.json").read_text())["segments"]}
    assert roles == {"Sarah Collins": "rep", "Kevin Doyle": "customer"}
    code, _, stderr = cli("review", str(path), "-m", "bant", "--rep-speaker", "Pat")
    assert code == 2
    [line] = errors(stderr)
    assert "'Pat' is not a named speaker" in line and "'Kevin Doyle', 'Sarah Collins'" in line


def test_the_summary_says_what_the_scorecard_warns_of(cli, tmp_path):
    strong = transcript_file(tmp_path / "calls", "cybersecurity_mdr_strong")
    code, stdout, stderr = cli("review", str(strong), "--methodology", "discovery", "--rep", "Daniel Brooks")
    assert code == 0, stderr
    assert "  ! " not in stdout  # a call with named speakers: nothing to warn of
    nobody = tmp_path / "pasted.txt"
    nobody.write_text("Thanks for joining. What happens when a shipment is late?\nWe call the carrier.\n")
    code, stdout, stderr = cli("review", str(nobody), "--methodology", "discovery")
    assert code == 0, stderr
    assert "  ! the transcript file names no speakers" in stdout and "`callreview turn`" in stdout


def test_the_rep_named_by_review_is_the_rep_even_when_the_customer_speaks_first(cli, tmp_path):
    call = tmp_path / "callback.txt"
    call.write_text("Jordan Lee: Hi, thanks for calling back.\nAlex Rivera: Of course. Can you walk me through "
                    "what happens today when an order comes in?\nJordan Lee: We copy it into a spreadsheet.\n")
    out = tmp_path / "out"
    code, _, err = cli("review", str(call), "--methodology", "discovery", "--rep", "Alex Rivera", "--out", str(out))
    assert code == 0, err
    turns = json.loads((out / "transcript.json").read_text())["segments"]
    assert [(t["speaker"], t["role"]) for t in turns] == [
        ("Jordan Lee", "customer"), ("Alex Rivera", "rep"), ("Jordan Lee", "customer")]


def test_a_call_reviewed_before_its_rep_was_named_gets_the_rep_s_speaker_when_named(cli, tmp_path):
    call = tmp_path / "callback.txt"
    call.write_text("Jordan Lee: Hi, thanks for calling back.\nAlex Rivera: Of course. Can you walk me through "
                    "what happens today when an order comes in?\nJordan Lee: We copy it into a spreadsheet.\n")
    code, _, err = cli("review", str(call), "--methodology", "discovery")  # no rep named: the first to talk
    assert code == 0, err
    out = tmp_path / "out"
    code, _, err = cli("review", str(call), "--methodology", "discovery", "--rep", "Alex Rivera", "--out", str(out))
    assert code == 0, err
    turns = json.loads((out / "transcript.json").read_text())["segments"]
    assert [t["role"] for t in turns] == ["customer", "rep", "customer"]
    code, listed, _ = cli("turn", "1")
    assert "call 1, transcript version 2\n  Transcript version 2: the rep set to Alex Rivera on 20" in listed
    code, again, _ = cli("review", str(call), "--methodology", "discovery", "--rep", "Alex Rivera")
    assert code == 0 and "(from the store)" in again  # the rep's speaker already: nothing changes
