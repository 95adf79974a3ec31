"""Property tests over the transcript readers (issue 12): whatever text or bytes a .vtt, .srt,
.txt or .json file holds, load_transcript gives a valid Transcript or a one-line
CallreviewError, never another exception, and what it gives is finite and ordered."""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.errors import CallreviewError
from review.formats import load_transcript, transcript_to_vtt

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

_stamps = st.one_of(
    st.from_regex(r"-?\d{1,9}:\d{1,3}:\d{1,3}([.,]\d{1,4})?", fullmatch=True),
    st.from_regex(r"\d{1,2}:\d{2}([.,]\d{1,3})?", fullmatch=True),
    st.text(alphabet="0123456789:.,x-", max_size=14),
)
_names = st.sampled_from(["Ana", "Ben", "Alex (rep)", "<v Ana>", "", "SPEAKER_1", "Dr. Who"])
_words = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def _cue_file(draw) -> str:
    lines = ["WEBVTT", ""] if draw(st.booleans()) else []
    for n in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            lines.append(str(n + 1))
        lines.append(f"{draw(_stamps)} --> {draw(_stamps)}")
        name = draw(_names)
        lines.append(f"{name}: {draw(_words)}" if name and not name.startswith("<") else f"{name}{draw(_words)}")
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines)


@st.composite
def _text_file(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 8))):
        stamp = f"[{draw(_stamps)}] " if draw(st.booleans()) else ""
        name = draw(_names)
        lines.append(f"{stamp}{name + ': ' if name else ''}{draw(_words)}")
    return "\n".join(lines)


_json_numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**40, 10**40))


@st.composite
def _json_file(draw) -> str:
    segments = []
    for i in range(draw(st.integers(0, 4))):
        segments.append({
            "id": draw(st.one_of(st.just(i), _json_numbers)),
            "start": draw(_json_numbers), "end": draw(_json_numbers),
            "speaker": draw(_names), "text": draw(_words),
            "words": [{"start": draw(_json_numbers), "end": draw(_json_numbers), "word": draw(_words),
                       "probability": draw(_json_numbers)} for _ in range(draw(st.integers(0, 2)))],
        })
    data = {"segments": segments, "source": {"file": "x", "format": "json"},
            "duration": draw(_json_numbers)}
    return json.dumps(data)  # writes NaN / Infinity as Python does, as a hostile file would


def _check(name: str, content: bytes) -> bool:
    """True when the file read as a sound transcript or was refused with a one-line error (asserts
    say what is wrong otherwise)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            t = load_transcript(path)
        except CallreviewError as exc:
            assert "\n" not in str(exc)
            return True
    values = [t.duration] + [x for s in t.segments for x in (s.start, s.end)]
    assert all(math.isfinite(v) and 0 <= v <= 24 * 3600 for v in values)
    assert all(s.start <= s.end for s in t.segments)
    assert len({s.id for s in t.segments}) == len(t.segments)
    transcript_to_vtt(t)
    return True


@pytest.mark.parametrize("name", ["call.vtt", "call.srt", "call.txt", "call.json"])
@FUZZ
@given(content=st.binary(max_size=400))
def test_any_bytes(name, content):
    assert _check(name, content)


@pytest.mark.parametrize("name", ["call.vtt", "call.srt", "call.txt"])
@FUZZ
@given(text=_cue_file())
def test_cue_shaped_text(name, text):
    assert _check(name, text.encode())


@pytest.mark.parametrize("name", ["call.txt", "call.vtt"])
@FUZZ
@given(text=_text_file())
def test_line_shaped_text(name, text):
    assert _check(name, text.encode())


@FUZZ
@given(text=_json_file())
def test_json_shaped_text(text):
    assert _check("call.json", text.encode())
