"""The one implementation of each small helper: hashing, atomic writes, time formatting, keywords."""

from __future__ import annotations

import hashlib
import io
import os
import stat

import pytest
from conftest import DATA

from review.files import PRIVATE, write_atomic
from review.hashing import (
    sha256_bytes,
    sha256_file,
    sha256_json,
    sha256_stream,
    sha256_text,
    transcript_sha256,
)
from review.keywords import keyword_hits
from review.schema import Criterion
from review.timefmt import clock
from testkit.dialogue import dialogue_to_transcript, load_dialogue

# --------------------------------------------------------------------------- hashing


def test_file_hash_is_streamed_and_equals_the_bytes_hash(tmp_path):
    data = os.urandom(3 * (1 << 20) + 123)  # more than one 1 MB block, not a multiple of it
    path = tmp_path / "call.bin"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == sha256_bytes(data) == expected
    sink = io.BytesIO()
    assert sha256_stream(io.BytesIO(data), sink=sink) == expected and sink.getvalue() == data
    assert sha256_text("Zoë") == hashlib.sha256("Zoë".encode()).hexdigest()


def test_json_hash_ignores_key_order_but_not_values():
    assert sha256_json({"a": 1, "b": [1, 2]}) == sha256_json({"b": [1, 2], "a": 1})
    assert sha256_json({"a": 1}) != sha256_json({"a": 2})
    assert sha256_json([1, 2]) != sha256_json([2, 1])


def test_transcript_hash_is_its_content():
    transcript = dialogue_to_transcript(load_dialogue(DATA / "calls" / "hr_onboarding_weak.yaml"))
    again = dialogue_to_transcript(load_dialogue(DATA / "calls" / "hr_onboarding_weak.yaml"))
    assert transcript_sha256(transcript) == transcript_sha256(again)
    changed = transcript.model_copy(deep=True)
    changed.segments[0].text += " (edited)"
    assert transcript_sha256(changed) != transcript_sha256(transcript)


# --------------------------------------------------------------------------- atomic writes


def test_write_atomic_writes_text_bytes_and_callables_with_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        text = write_atomic(tmp_path / "agenda.md", "# Zoë\n")
        raw = write_atomic(tmp_path / "data.bin", b"\x00\x01")
        made = write_atomic(tmp_path / "doc.txt", lambda tmp: tmp.write_text("from a callable"))
    finally:
        os.umask(old)
    assert text.read_text(encoding="utf-8") == "# Zoë\n"
    assert raw.read_bytes() == b"\x00\x01" and made.read_text() == "from a callable"
    for path in (text, raw, made):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agenda.md", "data.bin", "doc.txt"]  # no temp left


def test_write_atomic_private_mode_is_owner_only(tmp_path):
    path = write_atomic(tmp_path / "settings.json", "{}", mode=PRIVATE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "scorecard.json"
    target.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["scorecard.json"]
    with pytest.raises(OSError):
        write_atomic(tmp_path / "missing" / "x.txt", "no folder")


def test_settings_and_kept_uploads_are_private_exports_follow_the_umask(settings, tmp_path):
    from review.render import write_text_atomic
    from review.settings import save_settings
    from review.store import Store

    saved = save_settings({"llm_model": "m"}, env={"CALLREVIEW_HOME": settings.home})
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    data = b"RIFF recording"
    kept = Store.from_settings(settings).keep_upload(data, sha256_bytes(data), "call.wav")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.read_bytes() == data
    old = os.umask(0o022)
    try:
        export = write_text_atomic(tmp_path / "agenda.md", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(export.stat().st_mode) == 0o644


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize("seconds, expected", [
    (0, "00:00"), (None, "00:00"), (-3, "00:00"), (5.9, "00:05"), (65.9, "01:05"), (599, "09:59"),
    (3599.99, "59:59"), (3600, "1:00:00"), (3725, "1:02:05"), (36000, "10:00:00"),
])
def test_clock(seconds, expected):
    assert clock(seconds) == expected


def test_clock_for_subtitle_files():
    assert clock(65.25, always_hours=True) == "00:01:05"
    assert clock(65.25, always_hours=True, millis=True) == "00:01:05.250"
    assert clock(3725.0004, always_hours=True, millis=True) == "01:02:05.000"
    assert clock(0.9996, always_hours=True, millis=True) == "00:00:01.000"  # rounded to the ms


def test_every_time_label_uses_the_one_clock():
    from review.render import timestamp

    assert timestamp(3725) == f"[{clock(3725)}]" == "[1:02:05]"


def test_the_app_reads_typed_times_with_the_one_clock_parser():
    """A comment's typed time follows the transcript parser's rules: no 75-second minute."""
    from review.errors import InputError
    from review.timefmt import parse_clock as parse_stamp
    from review.ui.state import parse_clock

    assert parse_clock(" 01:25 ") == parse_stamp("01:25") == 85.0
    assert parse_clock("1:02:05") == 3725.0
    assert parse_clock("85") == 85.0  # seconds alone
    for bad in ("01:75", "1:60:00", "25:00:00", "1m25"):
        with pytest.raises(InputError, match="01:25"):
            parse_clock(bad)


def test_transcript_and_export_names_are_the_one_rule():
    """Two customers are told apart the same way on the transcript the app shows and in exports."""
    from review.speaker_names import speaker_names
    from review.speakers import display_names
    from review.types import Segment

    segs = [Segment(id=i, start=i, end=i + 1, speaker=spk, role=role, text="hi")
            for i, (spk, role) in enumerate([("speaker_1", "rep"), ("speaker_2", "customer"),
                                             ("speaker_3", "customer")])]
    shown = display_names(segs, "Alex")
    assert shown == {"speaker_1": "Alex (rep)", "speaker_2": "Customer (speaker_2)",
                     "speaker_3": "Customer (speaker_3)"}
    assert speaker_names([(s.speaker, s.role) for s in segs], "Alex") == shown


# --------------------------------------------------------------------------- keywords


def _criterion(*keywords: str) -> Criterion:
    from review.methodology import load_methodology_file
    from review.resources import methodology_dir

    shipped = load_methodology_file(methodology_dir() / "discovery.yaml").methodology
    return shipped.criteria[0].model_copy(update={"keywords": list(keywords)})


def test_keyword_hits_one_text_or_many_same_flags():
    crit = _criterion(r"next (tuesday|week)", r"^so\b", "roadmap (q3")
    assert keyword_hits(crit, "Let's meet NEXT Tuesday.") == [r"next (tuesday|week)"]
    assert keyword_hits(crit, ["thanks", "Next week works"]) == [r"next (tuesday|week)"]
    assert keyword_hits(crit, "Right.\nSo what happens then?") == [r"^so\b"]  # ^ is a line's start
    assert keyword_hits(crit, "also fine") == []
    assert keyword_hits(crit, "the ROADMAP (Q3 plan)") == ["roadmap (q3"]  # not a regex: plain text
