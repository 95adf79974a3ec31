"""`callreview app [--port N] [--host ADDRESS] [--headless]`: start the manager's Streamlit app.

Runs `python -m streamlit run review/ui/main.py` from the installed package, with the shipped
Streamlit config (`.streamlit/config.toml`) passed as command-line options and the upload limit
taken from the settings, so it works from any folder and `streamlit run app.py` in a checkout gives
the same app. It listens on 127.0.0.1 unless --host says otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from ..errors import ConfigError

DEFAULT_HOST = "127.0.0.1"


def register(sub) -> None:
    p = sub.add_parser(
        "app",
        help="start the manager's app in the browser (upload calls, review scorecards, edit agendas)",
        description="Start the Streamlit app: upload calls, read evidence-backed scorecards, edit and "
        "export SLED coaching agendas. Stop it with Ctrl-C.",
    )
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default: 8501)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default: {DEFAULT_HOST}, this machine only; "
                   "0.0.0.0 serves the whole network)")
    p.add_argument("--headless", action="store_true", help="do not open a browser window")
    p.set_defaults(handler=run)


def shipped_options() -> dict[str, object]:
    """The shipped Streamlit config as `{"section.key": value}`."""
    from ..resources import streamlit_config

    path = streamlit_config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the app's Streamlit config {path} is unreadable ({exc}); reinstall callreview") from None
    return {f"{section}.{key}": value for section, values in data.items() for key, value in values.items()}


def _flag_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def streamlit_command(port: int, host: str, headless: bool, max_upload_mb: int) -> list[str]:
    """The command line that serves the app.

    port, host: where to listen. headless: do not open a browser.
    max_upload_mb: largest upload Streamlit accepts (the pipeline checks the same limit).
    """
    from ..resources import app_script

    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a port number; use 1 to 65535")
    options = shipped_options()
    options.update({"server.port": port, "server.address": host, "server.headless": headless,
                    "server.maxUploadSize": max_upload_mb, "browser.gatherUsageStats": False})
    command = [sys.executable, "-m", "streamlit", "run", str(app_script())]
    for name, value in options.items():
        command += [f"--{name}", _flag_value(value)]
    return command


def run(args) -> int:
    from ..settings import load_settings

    settings = load_settings()
    command = streamlit_command(args.port, args.host, args.headless, settings.max_upload_mb)
    print(f"callreview app: serving on http://{args.host}:{args.port} (Ctrl-C stops it)", file=sys.stderr)
    sys.stderr.flush()
    if os.name == "posix":
        # Become the server, so a service manager's SIGTERM reaches Streamlit itself.
        os.execv(sys.executable, command)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 0
