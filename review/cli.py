"""`callreview` command line: a thin dispatcher over the pipeline functions.

Each subcommand lives in `review/commands/<name>.py` with `register(subparsers)`; the
handler returns an exit code. Any `CallreviewError` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import CallreviewError

COMMANDS = ["transcribe", "methodology", "index", "review", "app", "jobs", "users", "feedback", "voice"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callreview",
        description="Turn sales-call recordings into evidence-backed scorecards and SLED coaching agendas.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"review.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except CallreviewError as exc:
        print(f"callreview: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("callreview: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
