"""`callreview app [--port N] [--host ADDRESS] [--headless]`: start the manager's Streamlit app.

Runs `python -m streamlit run <repo>/app.py` with the upload limit taken from the settings, so
`streamlit run app.py` and `callreview app` give the same app.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ..errors import ConfigError
from ..settings import REPO_ROOT


def register(sub) -> None:
    p = sub.add_parser(
        "app",
        help="start the manager's app in the browser (upload calls, review scorecards, edit agendas)",
        description="Start the Streamlit app: upload calls, read evidence-backed scorecards, edit and "
        "export SLED coaching agendas. Stop it with Ctrl-C.",
    )
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default: 8501)")
    p.add_argument("--host", default="localhost",
                   help="address to listen on (default: localhost; 0.0.0.0 serves the whole network)")
    p.add_argument("--headless", action="store_true", help="do not open a browser window")
    p.set_defaults(handler=run)


def streamlit_command(port: int, host: str, headless: bool, max_upload_mb: int) -> list[str]:
    """The command line that serves the app.

    port, host: where to listen. headless: do not open a browser.
    max_upload_mb: largest upload Streamlit accepts (the pipeline checks the same limit).
    """
    app = REPO_ROOT / "app.py"
    if not app.is_file():
        raise ConfigError(f"{app} not found; run callreview app from a source checkout "
                          "(pip install -e .) or run streamlit run path/to/app.py")
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a port number; use 1 to 65535")
    return [sys.executable, "-m", "streamlit", "run", str(app),
            "--server.port", str(port), "--server.address", host,
            "--server.headless", "true" if headless else "false",
            "--server.maxUploadSize", str(max_upload_mb),
            "--browser.gatherUsageStats", "false"]


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
