"""Moments in a call as text, both ways: the one formatter (`mm:ss` under an hour, `h:mm:ss` from
an hour, `hh:mm:ss.mmm` for subtitle files) and the one strict parser of transcript clock times."""

from __future__ import annotations


def clock(seconds: float | None, always_hours: bool = False, millis: bool = False) -> str:
    """A moment of the call as text.

    seconds: from the start of the call; None and negatives count as 0.
    always_hours: `hh:mm:ss` even under an hour (WebVTT/SRT and timestamped text files).
    millis: append `.mmm` (rounded to the millisecond; otherwise seconds are truncated, so a
        moment is never shown later than it happened).
    """
    total_ms = round(max(0.0, seconds or 0.0) * 1000) if millis else int(max(0.0, seconds or 0.0)) * 1000
    whole, ms = divmod(total_ms, 1000)
    hours, minutes, secs = whole // 3600, whole % 3600 // 60, whole % 60
    if always_hours:
        text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    elif hours:
        text = f"{hours}:{minutes:02d}:{secs:02d}"
    else:
        text = f"{minutes:02d}:{secs:02d}"
    return text + (f".{ms:03d}" if millis else "")


def parse_clock(stamp: str) -> float:
    """Seconds of "[H:]MM:SS[.mmm]" (a comma works as the decimal mark, as in SRT).

    Raises ValueError saying what is wrong with a negative, impossible (minutes or seconds of
    60 or more) or over-a-day time; callers add the file and line.
    """
    from .transcript_json import MAX_CALL_SECONDS

    if stamp.startswith("-"):
        raise ValueError(f"time {stamp!r} is negative")
    hms, _, fraction = stamp.replace(",", ".").partition(".")
    parts = [int(part) for part in hms.split(":")]
    if parts[-1] >= 60 or (len(parts) == 3 and parts[1] >= 60):
        raise ValueError(f"time {stamp!r} is not a time (minutes and seconds must be below 60)")
    total: float = 0
    for part in parts:
        total = total * 60 + part
    total += float("0." + fraction) if fraction else 0.0
    if total > MAX_CALL_SECONDS:
        raise ValueError(f"time {stamp!r} is over 24 hours")
    return total
