"""Clock times in transcripts, both ways: "[H:]MM:SS[.mmm]" text <-> seconds. One
implementation, used by every reader and writer of transcript files."""

from __future__ import annotations

from .transcript_json import MAX_CALL_SECONDS


def parse_clock(stamp: str) -> float:
    """Seconds of "[H:]MM:SS[.mmm]" (a comma works as the decimal mark, as in SRT).

    Raises ValueError saying what is wrong with a negative, impossible (minutes or seconds of
    60 or more) or over-a-day time; callers add the file and line.
    """
    if stamp.startswith("-"):
        raise ValueError(f"time {stamp!r} is negative")
    hms, _, fraction = stamp.replace(",", ".").partition(".")
    parts = [int(part) for part in hms.split(":")]
    if parts[-1] >= 60 or (len(parts) == 3 and parts[1] >= 60):
        raise ValueError(f"time {stamp!r} is not a time (minutes and seconds must be below 60)")
    total = 0
    for part in parts:
        total = total * 60 + part
    total += float("0." + fraction) if fraction else 0.0
    if total > MAX_CALL_SECONDS:
        raise ValueError(f"time {stamp!r} is over 24 hours")
    return total


def clock(seconds: float, millis: bool = False) -> str:
    """ "HH:MM:SS" (or "HH:MM:SS.mmm" with millis) of a time in seconds; negatives read as 0."""
    ms_total = int(round(max(0.0, seconds) * 1000))
    hours, rest = divmod(ms_total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}" + (f".{ms:03d}" if millis else "")
