"""`callreview` command line: a thin dispatcher over the pipeline functions.

Each subcommand lives in `review/commands/<name>.py` with `register(subparsers)`; the
handler returns an exit code. Any `CallreviewError` becomes one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import CallreviewError

COMMANDS = ["transcribe", "methodology", "index", "review", "calls", "app", "jobs", "users", "team", "feedback", "turn", "voice"]


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
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below, not at exit
        return code
    except CallreviewError as exc:
        print(f"callreview: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("callreview: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_gone()


def _reader_gone() -> int:
    """The reader of our output went away (`callreview methodology show X | head`): stop quietly,
    like other command-line tools, instead of a traceback. Standard output is pointed at devnull so
    the interpreter's final flush cannot fail again; the exit code is 128 + SIGPIPE."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141


if __name__ == "__main__":
    sys.exit(main())
