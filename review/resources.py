"""Where the data shipped with callreview is: methodologies, prompts, coaching models, the example
call, the app's pages and its Streamlit config.

Everything is found with `importlib.resources` on the installed `review` package (the way
faster-whisper finds its assets), never through a path computed from a checkout, so an editable
install, a checkout on `sys.path` and the built wheel behave the same. A lookup that finds nothing
raises `ResourceMissing` (one line, says to reinstall); it never answers with an empty folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import ConfigError

ASSETS = "review._assets"
EXAMPLE_CALL_FILE = "discovery_call.flac"


class ResourceMissing(ConfigError):
    """Data that ships with callreview is not where the installed package says it is."""


def _asset(*parts: str, want_dir: bool) -> Path:
    """The shipped file or folder `review/_assets/<parts>` as a filesystem path.

    parts: path below the assets package. want_dir: True for a folder, False for a file.
    """
    try:
        root = resources.files(ASSETS)
    except ModuleNotFoundError:
        raise ResourceMissing(f"the package {ASSETS} is not installed; reinstall callreview") from None
    entry = root.joinpath(*parts)
    if not isinstance(entry, Path):  # e.g. a zip import; callers need real files
        raise ResourceMissing(f"callreview's data is not on the filesystem ({entry}); "
                              "install callreview from a wheel or a checkout, not a zip")
    found = entry.is_dir() if want_dir else entry.is_file()
    if not found:
        kind = "folder" if want_dir else "file"
        raise ResourceMissing(f"callreview's shipped {kind} {'/'.join(parts)} is missing at {entry}; "
                              "reinstall callreview")
    return entry


def _nonempty_dir(name: str, pattern: str) -> Path:
    folder = _asset(name, want_dir=True)
    if not any(folder.glob(pattern)):
        raise ResourceMissing(f"callreview's shipped {name} folder {folder} holds no {pattern} files; "
                              "reinstall callreview")
    return folder


def methodology_dir() -> Path:
    """The folder of shipped methodology files (`methodology/*.yaml` in the repository)."""
    return _nonempty_dir("methodology", "*.yaml")


def prompts_dir() -> Path:
    """The folder of prompt files (`prompts/*.yaml`)."""
    return _nonempty_dir("prompts", "*.yaml")


def coaching_dir() -> Path:
    """The folder of coaching models (`coaching/*.yaml`: SLED, ROAM, ...)."""
    return _nonempty_dir("coaching", "*.yaml")


def example_call() -> Path:
    """The example recording the app's "Try the example call" reviews."""
    return _asset("examples", EXAMPLE_CALL_FILE, want_dir=False)


def streamlit_config() -> Path:
    """The app's Streamlit config (`.streamlit/config.toml` in the repository)."""
    return _asset("streamlit", "config.toml", want_dir=False)


def app_script() -> Path:
    """The app's main script, the one `streamlit run` executes (`review/ui/main.py`)."""
    entry = resources.files("review.ui") / "main.py"
    if not isinstance(entry, Path) or not entry.is_file():
        raise ResourceMissing(f"the app's main script {entry} is missing; reinstall callreview")
    return entry


def ui_page(name: str) -> Path:
    """The script of one app page, `review/ui/<name>.py`.

    name: the module name, e.g. "upload".
    """
    entry = resources.files("review.ui") / f"{name}.py"
    if not isinstance(entry, Path) or not entry.is_file():
        raise ResourceMissing(f"the app page {entry} is missing; reinstall callreview")
    return entry
