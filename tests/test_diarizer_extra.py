"""The optional external diarizer seam (pyannote.audio with the user's own weights).

pyannote and its weights are not installable offline here, so a stand-in `pyannote.audio` module
replays the reference RTTM of the real two-speaker recording; the test proves words are attributed
to the diarizer's speakers and that misconfiguration gives one clear line.
"""

import sys
import types

import pytest
from conftest import AUDIO
from test_diarize import der

from review.diarize import diarize_external
from review.errors import ConfigError
from review.transcribe import transcribe_audio

RTTM = AUDIO / "two_speakers_mono.rttm"
read_rttm = der.read_rttm


class _Segment:
    def __init__(self, start, end):
        self.start, self.end = start, end


class _Annotation:
    def __init__(self, turns):
        self.turns = turns

    def itertracks(self, yield_label=False):
        for t in self.turns:
            yield _Segment(t.start, t.end), None, t.speaker


@pytest.fixture
def fake_pyannote(monkeypatch, tmp_path):
    calls = {}

    class Pipeline:
        @classmethod
        def from_pretrained(cls, location):
            calls["location"] = location
            return cls()

        def __call__(self, file):
            calls["sample_rate"] = file["sample_rate"]
            return _Annotation(read_rttm(str(RTTM)))

    audio_mod = types.ModuleType("pyannote.audio")
    audio_mod.Pipeline = Pipeline
    monkeypatch.setitem(sys.modules, "pyannote", types.ModuleType("pyannote"))
    monkeypatch.setitem(sys.modules, "pyannote.audio", audio_mod)
    config = tmp_path / "config.yaml"
    config.write_text("pipeline: stand-in\n")
    return config, calls


def test_mono_words_follow_the_diarizer_speakers(settings, fake_pyannote):
    config, calls = fake_pyannote
    settings.diarizer = f"pyannote:{config}"
    t = transcribe_audio(AUDIO / "two_speakers_mono.wav", settings)
    assert calls == {"location": str(config), "sample_rate": 16000}
    assert {s.speaker for s in t.segments} == {"speaker_1", "speaker_2"}
    assert {s.role for s in t.segments} == {"rep", "customer"}
    [estimated] = [w for w in t.warnings if "estimated by pyannote" in w]
    # how the rep was chosen is said once on the call page: the warning holds the speakers' note, so it is not
    # shown beside it as a second line ("estimated by ...; check who is the rep" and "rep is speaker_1 ...")
    from review.speakers import said_in_speaker_flags, speaker_flags

    assert estimated == ("speakers of this mono recording were estimated by pyannote; rep is speaker_1 (the first to "
                         "speak); check who is the rep (--rep-speaker)")
    assert said_in_speaker_flags(estimated, t) and len(speaker_flags(t)) == 1
    # every turn lies mostly inside a reference turn of its speaker (names mapped by first appearance)
    ref = read_rttm(str(RTTM))
    mapping = {}
    for r in sorted(ref, key=lambda r: r.start):
        mapping.setdefault(r.speaker, f"speaker_{len(mapping) + 1}")
    for seg in t.segments:
        mid = (seg.start + seg.end) / 2
        owners = {mapping[r.speaker] for r in ref if r.start - 0.5 <= mid <= r.end + 0.5}
        assert not owners or seg.speaker in owners


def test_diarizer_misconfiguration_is_one_clear_line(tmp_path, monkeypatch):
    import numpy as np

    audio = np.zeros(16000, dtype=np.float32)
    with pytest.raises(ConfigError, match="not understood"):
        diarize_external(audio, "whisperx:/models")
    with pytest.raises(ConfigError, match="does not exist"):
        diarize_external(audio, f"pyannote:{tmp_path / 'missing'}")
    monkeypatch.setitem(sys.modules, "pyannote.audio", None)  # not installed
    with pytest.raises(ConfigError, match=r"pip install 'callreview\[diarization\]'"):
        diarize_external(audio, f"pyannote:{tmp_path}")
