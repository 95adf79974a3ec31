"""Hostile transcript files (issue 12, items 2, 6 and 14): non-finite or out-of-range numbers in
JSON, absurd nesting and ids, and impossible timestamps in WebVTT / SRT / text are each one line
that names the field or the line; unreadable cue timings are warned about, never dropped silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from review.errors import InputError
from review.formats import load_transcript, write_json_atomic
from review.types import Word

SAMPLES = Path(__file__).resolve().parent / "data" / "transcripts"


def _valid_json() -> dict:
    return load_transcript(SAMPLES / "vendor_eval.srt").model_dump(mode="json")


def _error(path: Path) -> str:
    with pytest.raises(InputError) as err:
        load_transcript(path)
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(
    ("raw_value", "expected"),
    [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("1e400", "1e400")],
)
def test_non_finite_numbers_in_json_are_refused(tmp_path, raw_value, expected):
    text = json.dumps(_valid_json()).replace('"start": 0.0', f'"start": {raw_value}', 1)
    assert raw_value in text
    f = tmp_path / "call.json"
    f.write_text(text)
    message = _error(f)
    assert f"number {expected} (not finite)" in message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["segments"][0].update(start=-2.0), "field segments[0].start: -2.0 is a negative time"),
        (lambda d: d["segments"][0]["words"][0].update(probability=7.5),
         "field segments[0].words[0].probability: 7.5 is not between 0 and 1"),
        (lambda d: d["segments"][0]["words"][1].update(start=500.0, end=501.0),
         "field segments[0].words[1]: the word 500.0-501.0 s lies outside its segment"),
        (lambda d: d["segments"][0]["words"][1].update(end=0.0), "field segments[0].words[1].end"),
        (lambda d: d["segments"][0].update(id=10**30), "field segments[0].id: 1000000000000000000000000000000 is not an id"),
        (lambda d: d["segments"][0].update(id=-1), "field segments[0].id: -1 is not an id"),
        (lambda d: d["segments"][0].update(end=1e9), "field segments[0].end: 1000000000.0 s is over"),
        (lambda d: d.update(duration=-5.0), "field duration: -5.0 is a negative time"),
    ],
)
def test_out_of_range_json_fields_are_named(tmp_path, change, field):
    data = _valid_json()
    change(data)
    f = tmp_path / "call.json"
    f.write_text(json.dumps(data))
    assert field in _error(f)


def test_deeply_nested_json_is_one_line(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in _error(f)
    g = tmp_path / "deep_object.json"
    g.write_text('{"segments": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nested too deeply" in _error(g)


def test_huge_integer_json_is_one_line(tmp_path):
    f = tmp_path / "digits.json"
    f.write_text('{"version": ' + "9" * 5000 + "}")
    assert "re-create the transcript" in _error(f)


def test_a_valid_json_transcript_still_loads(tmp_path):
    f = tmp_path / "call.json"
    f.write_text(json.dumps(_valid_json()))
    assert len(load_transcript(f).segments) > 1


def test_nothing_non_finite_is_written(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("{}\n")
    with pytest.raises(InputError, match="field start is not a finite number"):
        write_json_atomic(target, Word(start=float("nan"), end=1.0, word="x"))
    assert target.read_text() == "{}\n"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# --------------------------------------------------------------------------- timestamps

_CUE = "{start} --> {end}\nAna: we can start with your current process\n\n"


def _vtt(tmp_path: Path, *timings: tuple[str, str], suffix=".vtt") -> Path:
    body = "".join(_CUE.format(start=a, end=b) for a, b in timings)
    f = tmp_path / f"call{suffix}"
    f.write_text(("WEBVTT\n\n" if suffix == ".vtt" else "") + body)
    return f


def test_unreadable_cue_timing_is_warned_not_dropped_silently(tmp_path):
    f = _vtt(tmp_path, ("00:00:01.000", "00:00:03.000"), ("00:00:xx.000", "00:00:05.000"),
             ("00:00:06.000", "00:00:08.000"))
    t = load_transcript(f)
    assert any("line 6" in w and "00:00:xx.000" in w and "skipped" in w for w in t.warnings)
    assert [s.start for s in t.segments] == [1.0]  # Ana's two readable cues merge into one turn
    assert t.segments[0].end == 8.0


@pytest.mark.parametrize(
    ("start", "end", "problem"),
    [
        ("00:99:99.999", "00:100:00.000", "line 3: time '00:99:99.999' is not a time"),
        ("00:00:01.000", "00:100:00.000", "line 3: time '00:100:00.000' is not a time"),
        ("00:00:01.000", "99999999:00:00", "line 3: time '99999999:00:00' is over 24 hours"),
        ("-00:00:01.000", "00:00:02.000", "line 3: time '-00:00:01.000' is negative"),
        ("00:00:05.000", "00:00:01.000", "line 3: the cue ends (00:00:01.000) before it starts"),
    ],
)
def test_impossible_vtt_times_are_rejected_with_the_line(tmp_path, start, end, problem):
    assert problem in _error(_vtt(tmp_path, (start, end)))


def test_srt_end_before_start_is_an_error_not_clamped(tmp_path):
    f = tmp_path / "call.srt"
    f.write_text("1\n00:00:01,000 --> 00:00:02,000\nAna: hello there\n\n"
                 "2\n00:00:09,000 --> 00:00:04,000\nBen: hi\n")
    assert "line 6: the cue ends (00:00:04,000) before it starts (00:00:09,000)" in _error(f)


def test_impossible_plain_text_timestamps_are_rejected_with_the_line(tmp_path):
    f = tmp_path / "call.txt"
    f.write_text("[00:00:01] Ana: hello\n[00:99:99] Ben: hi there\n")
    assert "line 2: time '00:99:99' is not a time" in _error(f)


def test_ordinary_times_still_read(tmp_path):
    t = load_transcript(_vtt(tmp_path, ("01:02:03.500", "01:02:05.000")))
    assert (t.segments[0].start, t.segments[0].end) == (3723.5, 3725.0)


def test_a_name_then_an_impossible_time_is_text_not_a_header(tmp_path):
    f = tmp_path / "call.txt"
    f.write_text("Ana: the meeting moved\nAna Lopez 10:75\nBen: fine\n")
    t = load_transcript(f)
    assert "Ana Lopez 10:75" in t.segments[0].text
