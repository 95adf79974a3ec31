"""Argument types the subcommands share."""

from __future__ import annotations

import argparse

# the largest id or count a store holds (a signed 64-bit integer; SQLite and PostgreSQL alike)
LARGEST = 2**63 - 1


def whole(text: str) -> int:
    """An id or a count given on the command line: a whole number a store can hold (argparse then says
    "argument CALL_ID: ... too large" in one line, not an OverflowError from the database)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if abs(value) > LARGEST:
        raise argparse.ArgumentTypeError(f"{text} is too large; give a number as listed (`callreview calls`)")
    return value
