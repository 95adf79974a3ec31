"""Our own JSON transcript format, read strictly: every number finite and in range, every time
inside the call, every word inside its turn. A bad file gives one line that names the field.

`check_finite` is the last guard before anything is written or stored: nothing non-finite
(NaN, Infinity) ever reaches a file or the store, because JSON has no spelling for it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import InputError
from .metrics import compute_metrics
from .speakers import assign_roles
from .types import TRANSCRIPT_FORMAT_VERSION, Transcript

MAX_CALL_SECONDS = 24 * 3600.0  # a call longer than a day is a misread timestamp
MAX_SEGMENT_ID = 2**31 - 1  # ids are stored and indexed as 32-bit integers
WORD_SLACK_S = 1.0  # transcribers put a word's edges a little outside its turn; more is wrong


class _NotFinite(ValueError):
    pass


def _reject_constant(name: str):
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to inf
        raise _NotFinite(text)
    return value


def _field_name(loc: tuple) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "top level"


def _fail(path: Path, problem: str) -> InputError:
    return InputError(f"{path}: {problem}")


def _bad_field(path: Path, field: str, problem: str) -> InputError:
    return _fail(path, f"field {field}: {problem}; fix that field or re-create the transcript")


def _check_time(path: Path, field: str, value: float) -> None:
    if value < 0:
        raise _bad_field(path, field, f"{value} is a negative time")
    if value > MAX_CALL_SECONDS:
        raise _bad_field(path, field, f"{value} s is over {MAX_CALL_SECONDS:.0f} s (24 hours)")


def _check_ranges(path: Path, transcript: Transcript) -> None:
    _check_time(path, "duration", transcript.duration)
    seen: set[int] = set()
    for i, seg in enumerate(transcript.segments):
        where = f"segments[{i}]"
        if not 0 <= seg.id <= MAX_SEGMENT_ID:
            raise _bad_field(path, f"{where}.id", f"{seg.id} is not an id from 0 to {MAX_SEGMENT_ID}")
        if seg.id in seen:
            raise _fail(path, f"field {where}.id: duplicate segment id {seg.id}; ids must be unique")
        seen.add(seg.id)
        _check_time(path, f"{where}.start", seg.start)
        _check_time(path, f"{where}.end", seg.end)
        if seg.end < seg.start:
            raise _fail(path, f"field {where}.end: {seg.end} is before start {seg.start}")
        for j, word in enumerate(seg.words):
            at = f"{where}.words[{j}]"
            _check_time(path, f"{at}.start", word.start)
            _check_time(path, f"{at}.end", word.end)
            if word.end < word.start:
                raise _bad_field(path, f"{at}.end", f"{word.end} is before start {word.start}")
            if word.start < seg.start - WORD_SLACK_S or word.end > seg.end + WORD_SLACK_S:
                raise _bad_field(path, at, f"the word {word.start}-{word.end} s lies outside its "
                                 f"segment {seg.start}-{seg.end} s")
            if not 0.0 <= word.probability <= 1.0:
                raise _bad_field(path, f"{at}.probability", f"{word.probability} is not between 0 and 1")


def parse_json(path: Path, text: str) -> Any:
    """`text` as JSON, strictly: InputError for invalid JSON, NaN / Infinity or overflowing numbers,
    or nesting too deep (`path` names the file in the message)."""
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise _fail(path, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                    "fix it or re-create the transcript") from None
    except _NotFinite as exc:
        raise _fail(path, f"holds the number {exc} (not finite); times and probabilities must be "
                    "ordinary numbers; fix it or re-create the transcript") from None
    except RecursionError:
        raise _fail(path, "is nested too deeply to be a transcript; re-create the transcript") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise _fail(path, f"is not a readable JSON transcript ({exc}); re-create the transcript") from None


def transcript_from_json(path: Path, data: Any, rep_speaker: str | None) -> Transcript:
    """Our JSON transcript (README "Transcripts"), parsed by `parse_json` from `path`.

    rep_speaker: a new rep re-assigns roles and recomputes metrics; None keeps the file's roles.
    Raises InputError naming the first bad field: negative or over-a-day times, an end before its
    start, a word outside its segment, a probability outside 0..1, an id out of range or repeated.
    """
    if not isinstance(data, dict):
        raise _fail(path, "is not a transcript: expected a JSON object with 'segments' and 'source'")
    if isinstance(data.get("version"), int) and data["version"] > TRANSCRIPT_FORMAT_VERSION:
        raise _fail(path, f"field version: transcript format {data['version']} is newer than this "
                    f"callreview reads ({TRANSCRIPT_FORMAT_VERSION}); upgrade callreview")
    try:
        transcript = Transcript.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = " ".join(str(first["msg"]).split())
        raise _fail(path, f"field {_field_name(first['loc'])}: {message}; fix that field or "
                    "re-create the transcript") from None
    except RecursionError:
        raise _fail(path, "is nested too deeply to be a transcript; re-create the transcript") from None
    _check_ranges(path, transcript)
    if rep_speaker:  # a new rep changes roles, and roles change patience
        transcript.segments = assign_roles(transcript.segments, rep_speaker)
        transcript.metrics = compute_metrics(transcript.segments, transcript.duration)
    return transcript


def first_non_finite(data: object, where: str = "") -> str | None:
    """The path of the first NaN or infinite number in plain JSON data, or None."""
    if isinstance(data, float):
        return None if math.isfinite(data) else (where or "top level")
    if isinstance(data, dict):
        items: Iterable[tuple[object, object]] = data.items()
    elif isinstance(data, list | tuple):
        items = enumerate(data)
    else:
        return None
    for key, value in items:
        found = first_non_finite(value, f"{where}[{key}]" if isinstance(key, int) else
                                 (f"{where}.{key}" if where else str(key)))
        if found:
            return found
    return None


def check_finite(model: BaseModel, what: str) -> None:
    """Raise InputError when `model` holds a NaN or infinite number (it could not be written
    as JSON and would come back as null). what: names the thing, e.g. "call 3's transcript"."""
    found = first_non_finite(model.model_dump(mode="python"))
    if found:
        raise InputError(f"{what}: field {found} is not a finite number (NaN or infinite), "
                         "so nothing was saved; check the input file it came from")
