"""The data callreview ships is found through review.resources (importlib.resources on the
installed package), the wheel's package data covers every shipped file, and a failed lookup is a
one-line error, never an empty list."""

from __future__ import annotations

import fnmatch
import os
import tomllib
from pathlib import Path

import pytest

from review import resources
from review.cli import main
from review.resources import ResourceMissing

REPO = Path(__file__).resolve().parent.parent
SHIPPED_METHODOLOGIES = ["bant", "challenger", "command_of_the_message", "discovery", "gap_selling",
                         "meddpicc", "sandler", "spin"]


def test_methodologies_resolve_through_the_package(settings):
    from review.methodology import MethodologyLibrary

    folder = resources.methodology_dir()
    assert folder.parts[-3:] == ("review", "_assets", "methodology")
    assert settings.methodology_path == folder
    assert [m.methodology.id for m in MethodologyLibrary(settings).list()] == SHIPPED_METHODOLOGIES


def test_prompts_coaching_models_and_example_call_resolve():
    from review.coaching_models import load_coaching_models
    from review.prompts import PROMPT_DIR, load_prompt

    assert PROMPT_DIR == resources.prompts_dir()
    assert load_prompt("score_criterion").path.startswith(str(resources.prompts_dir()))
    assert load_prompt("coach_agenda").version
    models = load_coaching_models()
    assert [p.key for p in models.sled.parts][0] == "set_the_stage"
    example = resources.example_call()
    assert example.name == "discovery_call.flac" and example.read_bytes()[:4] == b"fLaC"


def test_the_app_script_pages_and_config_ship_in_the_package():
    from review.ui.state import PAGE_FILES

    assert resources.app_script().parts[-3:] == ("review", "ui", "main.py")
    assert all(Path(page).is_file() and Path(page).parent == resources.app_script().parent
               for page in PAGE_FILES.values())
    config = tomllib.loads(resources.streamlit_config().read_text())
    assert config["server"]["address"] == "127.0.0.1"


def test_package_data_covers_every_shipped_file():
    """What `pip wheel .` puts in the wheel: each file under review/_assets matches a package-data glob."""
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["review"]
    base = REPO / "review"
    shipped = [Path(folder, name) for folder, _, names in os.walk(base / "_assets", followlinks=True)
               for name in names if "__pycache__" not in folder and name != "__init__.py"]
    assert len(shipped) >= 8 + 2 + 5 + 2
    missing = [str(p.relative_to(base)) for p in shipped
               if not any(fnmatch.fnmatch(str(p.relative_to(base)), g) for g in globs)]
    assert missing == []


def test_a_missing_resource_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(resources, "ASSETS", "review.store")  # a package without the data
    for lookup in (resources.methodology_dir, resources.prompts_dir, resources.coaching_dir,
                   resources.example_call, resources.streamlit_config):
        with pytest.raises(ResourceMissing) as err:
            lookup()
        assert "\n" not in str(err.value) and "reinstall callreview" in str(err.value)
    monkeypatch.setattr(resources, "ASSETS", "review.not_there")
    with pytest.raises(ResourceMissing):
        resources.methodology_dir()


def test_methodology_list_without_shipped_methodologies_fails(settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(resources, "ASSETS", "review.store")
    assert main(["methodology", "list"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("callreview:") and "methodology" in err and "\n" not in err

    monkeypatch.undo()
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("CALLREVIEW_HOME", settings.home)
    monkeypatch.setenv("CALLREVIEW_METHODOLOGY_DIR", str(empty))
    assert main(["methodology", "list"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "no valid methodology files found" in err
