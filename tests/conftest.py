"""Shared fixtures. Helpers for one area live in that area's test files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `testkit` (test support, not in the wheel) sits at the root
    sys.path.insert(0, str(REPO))

from review.settings import load_settings  # noqa: E402


@pytest.fixture(autouse=True)
def _keep_main_module():
    """Streamlit's AppTest runs app.py as `__main__` and leaves it there; a later test that starts a
    process with multiprocessing's "spawn" would then run the app in the child. Put it back."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main

DATA = REPO / "tests" / "data"
AUDIO = DATA / "audio"  # real speech with licence notes in its README.md


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    """One folder for assembled models (the embedded Whisper base) for the whole session: assembled
    once, loaded once per process, instead of 145 MB per test's data folder."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path, monkeypatch, models_dir):
    """Settings with a fresh data folder; no CALLREVIEW_* variable of the caller leaks in."""
    for key in list(__import__("os").environ):
        if key.startswith("CALLREVIEW_") or key == "OPENAI_API_KEY":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CALLREVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CALLREVIEW_MODELS_DIR", str(models_dir))
    return load_settings()


@pytest.fixture(scope="session")
def embed():
    """The real offline MiniLM embedding function, loaded once for the session."""
    from review.embeddings import make_embedding_function

    return make_embedding_function(load_settings(env={}))


@pytest.fixture
def cli(settings, embed, monkeypatch, capsys):
    """Run `callreview ...` in-process with a fresh data folder; returns (exit code, stdout, stderr).

    The embedding model is the session's (the CLI would load the same one per run)."""
    from review.cli import main

    monkeypatch.setattr("review.embeddings.make_embedding_function", lambda settings: embed)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run
