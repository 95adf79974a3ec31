"""Transcript files <-> Transcript: WebVTT (Zoom, Teams, Meet), SRT, "Name: text" plain text and
our own JSON; plus atomic JSON writes and readable text / table / WebVTT renderings.

The accepted formats and the JSON shape are documented in README.md ("Transcripts").
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import InputError
from .files import write_atomic
from .metrics import compute_metrics, metrics_to_text  # noqa: F401  (part of this module's API)
from .speakers import (
    UNKNOWN_SPEAKER,
    assign_roles,
    choose_rep,
    is_sound_only,
    looks_like_speaker_name,
    rep_guessed_warning,
    speaker_label,
    split_role_suffix,
    split_speaker_prefixes,
    unknown_turns_warning,
)
from .textfile import decode_text
from .timefmt import clock, parse_clock
from .transcript_json import first_non_finite, parse_json, transcript_from_json
from .types import Segment, Transcript, TranscriptSource, Word

TRANSCRIPT_EXTENSIONS = {".vtt", ".srt", ".txt", ".json", ".docx"}
MAX_HEADER_WORDS = 25  # unnamed lines above the first named turn, up to this many words, are a header
MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024  # hours of talk are a few MB; more is not a transcript
ESTIMATED_WORDS_PER_MINUTE = 150.0

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_CUE_TIMING = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})")
# Any "a --> b" line is a cue timing; its times are then read strictly (see _cue_times).
_ARROW = re.compile(r"^\s*(\S*)\s*-->\s*(\S*)")
_STAMP_SHAPE = re.compile(r"-?\d+(?::\d+){1,2}(?:[.,]\d+)?")
_VOICE_TAG = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_ANY_TAG = re.compile(r"<[^>]*>")
_LINE_TIMESTAMP = re.compile(rf"^\s*[\[(]({_TIME})[\])]\s*(.*)$")
_NAME_THEN_TIME = re.compile(rf"^\s*(?P<name>.{{1,40}}?)\s+[\[(]?(?P<time>{_TIME})[\])]?\s*$")  # Otter: "Alex  0:05"
# Rev and others: "Speaker 1 (00:05):" on a line of its own, or "Alex Rivera (00:05): text"
_NAME_TIME_COLON = re.compile(rf"^\s*(?P<name>.{{1,40}}?)\s+[\[(](?P<time>{_TIME})[\])]\s*:\s*(?P<text>.*)$")
_TIME_BAR_NAME = re.compile(rf"^\s*[\[(]?(?P<time>{_TIME})[\])]?\s*\|\s*(?P<name>.{{1,40}}?)\s*$")  # Gong: "0:05 | Alex"
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*\s*$")  # a line that ends a sentence
_ONLY_TIME = re.compile(rf"^\s*[\[(]?({_TIME})[\])]?\s*$")  # a line holding only the next line's time
_TIME_LEAD = re.compile(rf"^\s*[\[(]?{_TIME}\b")
_TIME_THEN_NAME = re.compile(rf"^\s*[\[(]?(?P<time>{_TIME})[\])]?\s+(?P<name>[^:]{{1,40}}?)\s*$")  # "00:00:05 Alex Rivera"
_HEADER_SEPARATORS = " \t|-\u2013\u2014\u00b7,"  # "Alex Rivera - 00:01" (Fireflies), "Alex | 0:05"


@dataclass
class _Piece:
    """A stretch of text by one speaker before it becomes a segment (a cue, a line, a turn)."""

    start: float
    end: float
    speaker: str
    text: str
    words: list[tuple[float, float, str, float]] | None = None  # the tool's word times; None: spread evenly


def _fail(path: Path, problem: str) -> InputError:
    return InputError(f"{path}: {problem}")


# --------------------------------------------------------------------------- reading


def _decode(path: Path, data: bytes, allow_legacy: bool) -> str:
    decoded = decode_text(data, legacy=allow_legacy)
    if decoded is None:
        raise _fail(path, "is not a text file (binary content or an unknown encoding); "
                    "export the call as WebVTT or SRT")
    return decoded.text


def _is_clock(stamp: str) -> bool:
    """True for a possible time ("Ana 10:75" is text that ends in a number, not a header)."""
    try:
        parse_clock(stamp)
    except ValueError:
        return False
    return True


def _line_seconds(path: Path, number: int, stamp: str) -> float:
    try:
        return parse_clock(stamp)
    except ValueError as exc:
        raise _fail(path, f"line {number}: {exc}; fix the timestamp") from None


def _cue_times(path: Path, number: int, line: str, warnings: list[str]) -> tuple[float, float] | None:
    """The (start, end) of a "start --> end" line; None (with a warning) when it holds no times."""
    arrow = _ARROW.match(line)
    stamps = (arrow.group(1), arrow.group(2)) if arrow else ("", "")
    if not all(_STAMP_SHAPE.fullmatch(stamp) for stamp in stamps):
        warnings.append(f"line {number}: cue timing {line.strip()[:60]!r} is not readable, so that "
                        "cue was skipped; fix its timestamps to include it")
        return None
    start, end = (_line_seconds(path, number, stamp) for stamp in stamps)
    if end < start:
        raise _fail(path, f"line {number}: the cue ends ({stamps[1]}) before it starts ({stamps[0]}); "
                    "fix the cue timing")
    return start, end


def _parse_cues(path: Path, text: str) -> tuple[list[_Piece], list[str]]:
    """WebVTT and SRT cues: a "start --> end" line, then text lines up to a blank line."""
    cues: list[tuple[float, float, list[str]]] = []
    warnings: list[str] = []
    cue_lines: list[str] | None = None  # text lines of the cue being read
    for number, line in enumerate(text.split("\n"), start=1):
        if "-->" in line:
            if cue_lines and cue_lines[-1].strip().isdigit():
                cue_lines.pop()  # the next cue's number, in an SRT without blank lines between cues
            times = _cue_times(path, number, line, warnings)
            if times is None:
                cue_lines = None
            else:
                cue_lines = []
                cues.append((times[0], times[1], cue_lines))
        elif not line.strip():
            cue_lines = None  # a blank line ends a cue; ids, NOTE and STYLE blocks are not cues
        elif cue_lines is not None:
            cue_lines.append(line)

    raw: list[tuple[float, float, str | None, str]] = []
    for start, end, lines in cues:
        cue_text = " ".join(lines)
        voices = list(_VOICE_TAG.finditer(cue_text))
        # Teams: "<v Name>text</v>", sometimes without "</v>", sometimes two voices in one cue.
        parts: list[tuple[str | None, str]] = [(None, cue_text[: voices[0].start()] if voices else cue_text)]
        for i, voice in enumerate(voices):
            stop = voices[i + 1].start() if i + 1 < len(voices) else len(cue_text)
            parts.append((voice.group(1), cue_text[voice.end(): stop]))
        parts = [(who, " ".join(html.unescape(_ANY_TAG.sub(" ", words)).split())) for who, words in parts]
        parts = [(who, words) for who, words in parts if words]
        total_words = sum(len(words.split()) for _, words in parts)
        at = start
        for who, words in parts:  # share the cue's time among its voices by word count
            share = (end - start) * len(words.split()) / total_words
            raw.append((at, at + share, who, words))
            at += share
    if not raw:
        raise _fail(path, "has no cues with text (no 'start --> end' lines followed by text); "
                    "export the call as WebVTT or SRT with captions")
    prefixed = iter(split_speaker_prefixes([words for _, _, who, words in raw if who is None]))
    pieces: list[_Piece] = []
    for start, end, who, words in raw:
        if who is None:
            who, words = next(prefixed)
        if words and not is_sound_only(words):  # "Alex:" alone or "[Music]" says nothing
            pieces.append(_Piece(start, end, speaker_label(who or UNKNOWN_SPEAKER), words))
    if not pieces:
        raise _fail(path, "has no cues with text; export the call as WebVTT or SRT with captions")
    return pieces, warnings


def _turn_header(line: str) -> tuple[str, float, str] | None:
    """(speaker, seconds, text on the same line) when `line` heads a turn with a name and a time:
    "Alex  0:05" (Otter), "Speaker 1 (00:05):" (Rev, text may follow), "Alex - 00:05" (Fireflies),
    "0:05 | Alex" (Gong); else None."""
    for pattern in (_NAME_TIME_COLON, _NAME_THEN_TIME, _TIME_BAR_NAME):
        match = pattern.match(line)
        if match is None:
            continue
        name = match["name"].strip().rstrip(_HEADER_SEPARATORS).strip()
        if looks_like_speaker_name(name) and _is_clock(match["time"]):
            return name, parse_clock(match["time"]), (match.groupdict().get("text") or "").strip()
    return None


def _bare_name_headers(lines: list[tuple[int, str]]) -> dict[int, tuple[str, str, int]]:
    """Turn headers that are a name alone over a line holding only its time ("Alex Rivera" /
    "00:00:05", as Chorus and some meeting tools export), or a time then a name ("00:00:05 Alex
    Rivera"): {line index: (name, time, index of the time line to skip or -1)}. A one-word "name"
    ("Okay", "Great") counts only when it heads two turns or more, so a short reply stays speech."""
    def speech_at(i: int) -> bool:  # the turn's text follows: no time, no name of its own ("Jordan: ...")
        return i < len(lines) and not _TIME_LEAD.match(lines[i][1]) \
            and split_speaker_prefixes([lines[i][1]])[0][0] is None

    found: dict[int, tuple[str, str, int]] = {}
    for k, (_, line) in enumerate(lines):
        text = line.strip()
        after = _ONLY_TIME.match(lines[k + 1][1]) if k + 1 < len(lines) else None
        # (after a line holding only a time, a short line is that time's text: "0:05" / "Okay")
        if after and ":" not in text and not _TIME_LEAD.match(text) and looks_like_speaker_name(text) \
                and _is_clock(after.group(1)) and speech_at(k + 2) and not (k and _ONLY_TIME.match(lines[k - 1][1])):
            found[k] = (text, after.group(1), k + 1)
            continue
        timed = _TIME_THEN_NAME.match(text)
        if timed and speech_at(k + 1) and looks_like_speaker_name(timed["name"]) and _is_clock(timed["time"]):
            found[k] = (timed["name"].strip(), timed["time"], -1)
    heads = [name for name, _, _ in found.values()]
    return {k: v for k, v in found.items() if len(v[0].split()) >= 2 or heads.count(v[0]) >= 2}


def _parse_plain_text(path: Path, text: str) -> tuple[list[_Piece], list[str]]:
    """ "Name: text" lines; an unprefixed line continues the previous turn. Timings are estimated
    from word counts unless a line starts with "[HH:MM:SS]" or "(MM:SS)", a line holds only a time
    (for the line after it), or a turn is headed with a name and a time (review.formats._turn_header,
    _bare_name_headers). In a file that names nobody, each line is a turn (each paragraph, where
    blank lines part them; a line ending mid-sentence goes on), so turns can be given speakers."""
    stamps: list[float | None] = []
    numbers: list[int] = []  # the file line of each body
    bodies: list[str] = []
    # a line heading a turn ("Name  0:05", "Name (00:05):", "0:05 | Name"): (name, the text on its line)
    headers: list[tuple[str, str] | None] = []
    pending: float | None = None  # "00:00:05" alone on a line: the time of the line after it
    lines = [(number, line) for number, line in enumerate(text.split("\n"), start=1) if line.strip()]
    bare = _bare_name_headers(lines)
    skip = -1
    for k, (number, line) in enumerate(lines):
        if k == skip:
            continue
        if k in bare:  # "Alex Rivera" over its time, or "00:00:05 Alex Rivera": the turn's header
            head_name, stamp_text, skip = bare[k]
            stamps.append(_line_seconds(path, number, stamp_text))
            headers.append((head_name, ""))
            bodies.append("")
            numbers.append(number)
            pending = None
            continue
        alone = _ONLY_TIME.match(line)
        if alone and _is_clock(alone.group(1)):
            pending = _line_seconds(path, number, alone.group(1))
            continue
        stamp = _LINE_TIMESTAMP.match(line)
        heading = _turn_header(line) if not stamp else None
        if heading is not None:
            stamps.append(heading[1])
            headers.append((heading[0], heading[2]))
            bodies.append("")
            numbers.append(number)
            pending = None
            continue
        stamps.append(_line_seconds(path, number, stamp.group(1)) if stamp else pending)
        pending = None
        headers.append(None)
        bodies.append(stamp.group(2) if stamp else line)
        numbers.append(number)
    prefixed = split_speaker_prefixes(bodies)
    nobody_named = all(h is None for h in headers) and all(name is None for name, _ in prefixed)
    paragraphs = any(b - a > 1 for a, b in pairwise(numbers))  # blank lines part the text

    turns: list[list] = []  # [speaker, stamp, text]
    for k, (at, head, (name, rest)) in enumerate(zip(stamps, headers, prefixed, strict=True)):
        if head is not None:
            turns.append([speaker_label(head[0]), at, head[1]])
        elif name is not None:
            turns.append([speaker_label(name), at, rest])
        elif at is not None or not turns:  # a timed line without a name: same speaker, new time
            turns.append([turns[-1][0] if turns else UNKNOWN_SPEAKER, at, rest])
        elif nobody_named and (numbers[k] - numbers[k - 1] > 1 if paragraphs
                               else bool(_SENTENCE_END.search(bodies[k - 1]))):
            turns.append([UNKNOWN_SPEAKER, None, rest])  # nobody named: a line (paragraph) is a turn
        else:
            turns[-1][2] = f"{turns[-1][2]} {rest}".strip()
    turns = [t for t in turns if t[2] and not is_sound_only(t[2])]  # "[Music]" alone is no one's turn
    # A title or header over named turns ("Weekly sync - Transcript") is not speech: never a quote.
    lead = next((i for i, t in enumerate(turns) if t[0] != UNKNOWN_SPEAKER), 0)
    skipped = " / ".join(t[2] for t in turns[:lead])
    if lead and len(skipped.split()) <= MAX_HEADER_WORDS:
        turns = turns[lead:]
    else:
        skipped = ""

    seconds_per_word = 60.0 / ESTIMATED_WORDS_PER_MINUTE
    next_stamps: list[float | None] = []  # the next timestamp after each turn
    upcoming = None
    for turn in reversed(turns):
        next_stamps.append(upcoming)
        upcoming = turn[1] if turn[1] is not None else upcoming
    next_stamps.reverse()
    pieces: list[_Piece] = []
    cursor = 0.0
    for (speaker, stamp, body), next_stamp in zip(turns, next_stamps, strict=True):
        start = stamp if stamp is not None else cursor
        end = start + len(body.split()) * seconds_per_word
        if next_stamp is not None and start < next_stamp < end:
            end = next_stamp  # the next speaker started earlier than the estimate
        pieces.append(_Piece(start, end, speaker, body))
        cursor = end
    all_stamped = bool(turns) and all(t[1] is not None for t in turns)
    warning = (
        "turn end times are estimated from word counts (150 words per minute): words per "
        "minute and monologue lengths are approximate and patience is not measured"
        if all_stamped else
        "timings are estimated from word counts (150 words per minute) where the file has no "
        "timestamps, so words per minute, monologue lengths and patience are not measured"
    )
    notes = [f"skipped the lines above the first speaker's turn (\u201c{skipped[:80]}\u201d): a title "
             "or header, not speech"] if skipped else []
    return pieces, [*notes, warning]


def _foreign_json(path: Path, data: Any) -> tuple[list[_Piece], list[str], str | None] | None:
    """Another tool's JSON transcript (review.foreign_json), from its parsed JSON, as pieces with their
    word times, a note saying how it was read, and the speaker the tool says sells (Gong's one internal
    party; None when it does not say); None for JSON of no known shape."""
    from .foreign_json import ForeignJsonError, read_foreign, speaker_labels

    try:
        found = read_foreign(data)
    except ForeignJsonError as exc:
        raise _fail(path, f"{exc}; export the transcript again") from None
    if found is None:
        return None
    labels = speaker_labels(found.turns)
    pieces = []
    for turn in found.turns:
        if not turn.text or is_sound_only(turn.text):
            continue
        words = []
        for start, end, word, probability in turn.words:  # each word kept inside its turn
            start = min(max(start, turn.start), turn.end)
            words.append((start, min(max(end, start), turn.end), word, probability))
        speaker = speaker_label(labels.get(turn.speaker.strip(), "")) or UNKNOWN_SPEAKER
        pieces.append(_Piece(turn.start, turn.end, speaker, turn.text, words or None))
    if not pieces:
        raise _fail(path, f"is a transcript from {found.tool} with no text; export the transcript again")
    renamed = [f"{old} as {new}" for old, new in labels.items() if old != new]
    note = f"read as a transcript from {found.tool}" + (f" (speakers {', '.join(renamed)})" if renamed else "")
    seller = speaker_label(labels.get(found.seller, "")) if found.seller is not None else ""
    if seller:
        note += f"; the rep is {seller}, the one speaker {found.tool} lists as internal"
    return pieces, [note], seller or None


def _pieces_to_segments(pieces: list[_Piece]) -> list[Segment]:
    """Merge consecutive pieces of one named speaker into turns; spread words evenly over
    each piece where the file has no word times (text, captions). "unknown" pieces are not merged:
    they may be different people."""
    segments: list[Segment] = []
    for piece in sorted(pieces, key=lambda p: p.start):
        if piece.words:  # another tool's word times, checked and kept inside the piece (_foreign_json)
            words = [Word.model_construct(start=round(a, 3), end=round(b, 3), word=" " + w, probability=prob)
                     for a, b, w, prob in piece.words]
        else:
            tokens = piece.text.split()
            step = (piece.end - piece.start) / len(tokens)
            words = [  # built from our own floats: no validation needed (it dominated long files)
                Word.model_construct(start=round(piece.start + i * step, 3),
                                     end=round(piece.start + (i + 1) * step, 3), word=" " + token,
                                     probability=1.0)
                for i, token in enumerate(tokens)
            ]
        last = segments[-1] if segments else None
        if last and last.speaker == piece.speaker and piece.speaker != UNKNOWN_SPEAKER:
            last.text = f"{last.text} {piece.text}"
            last.end = round(max(last.end, piece.end), 3)
            last.words.extend(words)
            continue
        segments.append(Segment(id=len(segments), start=round(piece.start, 3),
                                end=round(piece.end, 3), speaker=piece.speaker, text=piece.text,
                                words=words))
    return segments


def _turn_count(pieces: list[_Piece]) -> int:
    """How many turns the pieces make (consecutive pieces of one named speaker are one)."""
    ordered = sorted(pieces, key=lambda p: p.start)
    return sum(1 for i, p in enumerate(ordered)
               if i == 0 or p.speaker != ordered[i - 1].speaker or p.speaker == UNKNOWN_SPEAKER)


def load_transcript(path: str | Path, rep_speaker: str | None = None,
                    max_turns: int | None = None, rep_name: str | None = None) -> Transcript:
    """Read a transcript file into a Transcript with roles and metrics.

    path: a .vtt, .srt, .txt, .json or .docx file; the content decides the parser, so a .txt that
        holds WebVTT is read as WebVTT (and a .docx is read as its text).
    rep_speaker: the speaker who is the rep (see review.speakers.assign_roles); for our own
        JSON, None keeps the roles stored in the file.
    rep_name: the call's rep ("Alex Rivera"): without rep_speaker, the speaker of that name is the rep.
    max_turns: refuse a file with more speaker turns than this (checked before turns are
        built, so a huge file is refused quickly); None = no limit.

    Raises InputError for a missing, empty, binary or unsupported file, a subtitle file with
    no cues, or an invalid JSON transcript.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TRANSCRIPT_EXTENSIONS:
        raise _fail(path, "is not a supported transcript (.vtt, .srt, .txt, .json, .docx); "
                    "export the call as WebVTT or SRT")
    if not path.is_file():
        raise _fail(path, "not found (or not a file); check the path")
    if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
        raise _fail(path, f"is larger than {MAX_TRANSCRIPT_BYTES // 2**20} MB, too large for a "
                    "transcript; export the call as WebVTT or SRT")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot be read ({exc.strerror}); check its permissions") from None
    if suffix == ".docx":  # a transcript saved as a Word file (Google Meet, Teams): its lines as text
        from .docx_text import docx_lines

        text = "\n".join(docx_lines(data, path.name))
    else:
        text = _decode(path, data, allow_legacy=suffix != ".json")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise _fail(path, "is empty; export the call again as WebVTT or SRT")

    head = text.lstrip()
    parsed: Any = None
    if suffix == ".json" or head.startswith("{"):  # parsed once, for another tool's shape and for ours
        try:
            parsed = parse_json(path, text)
        except InputError:
            if suffix == ".json":
                raise
    foreign = _foreign_json(path, parsed) if parsed is not None else None
    if foreign is None and parsed is not None:
        try:
            transcript = transcript_from_json(path, parsed, rep_speaker)
            if max_turns is not None and len(transcript.segments) > max_turns:
                raise turn_limit_error(path.name, len(transcript.segments), max_turns)
            return transcript
        except InputError:
            if suffix == ".json":
                raise
    warnings: list[str] = []
    seller: str | None = None  # the speaker the file's tool says sells
    has_cues = any(_CUE_TIMING.match(line) for line in text.split("\n"))
    if foreign is not None:
        kind = "json"
        pieces, warnings, seller = foreign
    elif head.startswith("WEBVTT") or suffix in {".vtt", ".srt"} or has_cues:
        kind = "vtt" if head.startswith("WEBVTT") or suffix == ".vtt" else "srt"
        pieces, warnings = _parse_cues(path, text)
    else:
        kind = "text"
        pieces, warnings = _parse_plain_text(path, text)
        if not pieces:
            raise _fail(path, "has no transcript text; export the call as WebVTT or SRT")

    if max_turns is not None and (turns := _turn_count(pieces)) > max_turns:
        raise turn_limit_error(path.name, turns, max_turns)
    # "Alex (rep): ..." (as transcript_to_text writes) says who the rep is, as does a tool that says who sells.
    rep_hint = seller
    for piece in pieces:
        piece.speaker, role = split_role_suffix(piece.speaker)
        if role == "rep" and rep_hint is None:
            rep_hint = piece.speaker
    rep_speaker = rep_speaker or rep_hint

    segments = _pieces_to_segments(pieces)
    rep = choose_rep(segments, rep_speaker, rep_name)
    segments = assign_roles(segments, rep.speaker)
    if rep.guessed and rep.speaker and len({s.speaker for s in segments} - {UNKNOWN_SPEAKER}) > 1:
        warnings.append(rep_guessed_warning(rep.speaker, rep_name))  # the first to talk: the rep is only a guess
    duration = round(max(s.end for s in segments), 3)
    if sum(len(s.words) for s in segments) >= 20 and not any(re.search(r"[.?!]", s.text) for s in segments):
        warnings.append("the transcript has no punctuation, so questions (sentences ending in '?') "
                        "cannot be counted")
    unknown = sum(1 for s in segments if s.speaker == UNKNOWN_SPEAKER)
    if 0 < unknown < len(segments):  # a file naming nobody is flagged as such (speakers.speaker_flags)
        warnings.append(unknown_turns_warning(unknown, len(segments)))
    metrics = compute_metrics(segments, duration)
    if kind == "text":
        metrics.patience_s = None  # pauses are invented by the estimate, not measured
    return Transcript(segments=segments, metrics=metrics, duration=duration,
                      source=TranscriptSource(file=path.name, format=kind), warnings=warnings)


def turn_limit_error(name: str, turns: int, max_turns: int) -> InputError:
    return InputError(f"{name}: has {turns} speaker turns, over the limit of {max_turns}; "
                      "split the call, or raise CALLREVIEW_MAX_TURNS")


# --------------------------------------------------------------------------- writing


def write_json_atomic(path: str | Path, model_or_dict: BaseModel | dict | list) -> None:
    """Write JSON so a reader never sees half a file: a temp file in the same folder, then
    os.replace.

    path: the file to write; its folder is created if missing.
    model_or_dict: a Pydantic model (written with model_dump(mode="json")) or plain JSON data.
    """
    path = Path(path)
    data = model_or_dict.model_dump(mode="json") if isinstance(model_or_dict, BaseModel) else model_or_dict
    try:  # NaN and Infinity are not JSON: refuse before anything is written
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise InputError(f"{path}: not written: field {first_non_finite(data)} is not a finite number") from None
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a file name to write the JSON to")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text + "\n")
    except OSError as exc:  # a full disk, a vanished folder: say so, the old file stays as it was
        raise InputError(f"{path}: cannot write there ({exc.strerror or exc}); nothing was changed; "
                         "free some space or choose another file") from None


def transcript_to_text(t: Transcript) -> str:
    """Readable transcript, one turn a line: "[00:01:05] Alex (rep): text".

    t: the transcript. The result (no trailing newline) reads back with load_transcript as
        plain text.
    """
    lines = []
    for seg in sorted(t.segments, key=lambda s: (s.start, s.id)):
        who = t.speaker_names.get(seg.speaker) or (
            seg.speaker if seg.role == "unknown" else f"{seg.speaker} ({seg.role})")
        lines.append(f"[{clock(seg.start, always_hours=True)}] {who}: {seg.text}")
    return "\n".join(lines)


def transcript_to_vtt(t: Transcript) -> str:
    """WebVTT export, one cue per turn with a Teams-style "<v Speaker>" voice tag.

    t: the transcript. The result reads back with load_transcript.
    """
    out = ["WEBVTT", ""]
    for n, seg in enumerate(sorted(t.segments, key=lambda s: (s.start, s.id)), start=1):
        text = html.escape(seg.text, quote=False)
        if seg.speaker != UNKNOWN_SPEAKER:
            text = f"<v {html.escape(t.speaker_names.get(seg.speaker, seg.speaker), quote=False)}>{text}</v>"
        out += [str(n), f"{clock(seg.start, always_hours=True, millis=True)} --> "
                        f"{clock(seg.end, always_hours=True, millis=True)}", text, ""]
    return "\n".join(out)
