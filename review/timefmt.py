"""The one formatter of moments in a call: `mm:ss` under an hour, `h:mm:ss` from an hour, and
`hh:mm:ss.mmm` for subtitle files."""

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
