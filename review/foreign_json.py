"""Transcripts other tools write as JSON, read into turns with their word times:

- AssemblyAI: `utterances` (`speaker` "A", "B"; times in milliseconds), or its `words` alone where it
  ran without speaker labels (`utterances` null);
- Deepgram: `results.utterances` (`speaker` 0, 1; seconds), as written with `utterances=true`, else the
  words of its first channel (with their speakers where it diarized);
- Gong: `callTranscripts[0].transcript` (the calls/transcript API: a monologue per `speakerId`, its
  `sentences` timed in milliseconds), with the speakers' names and the seller's side where the file
  also holds the call's `parties` (the calls API);
- Rev.ai: `monologues` (`speaker`, `speaker_name`; `elements` of text and punctuation, seconds);
- Whisper's own JSON (OpenAI's `verbose_json`, whisper, faster-whisper and WhisperX dumps): `segments`
  of `start`, `end`, `text`, with a `speaker` where WhisperX diarized them, else nobody named; OpenAI's
  word timestamps (top-level `words`) go to the segment that holds them, or make the turns alone.

A speaker a tool names by a letter or a number ("A", 0, "SPEAKER_00") becomes speaker_1, speaker_2 ...
in the order they first speak (so the rep is found as for a recording: by name, else the first
speaker); a speaker with a name keeps it. Our own JSON (review.transcript_json) has a `source` and is
never read here. `read_foreign` says None for JSON of no known shape, and raises ForeignJsonError (a
one-line reason) for a known shape with a broken or impossible field.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Any

MAX_SECONDS = 24 * 3600.0  # as review.transcript_json: a call longer than a day is a misread time


class ForeignJsonError(ValueError):
    """A transcript of a known tool's shape with a field that cannot be read."""


@dataclass
class ForeignTurn:
    start: float
    end: float
    speaker: str  # the tool's label as given; None-like labels are "" (nobody named)
    text: str
    words: list[tuple[float, float, str, float]] = field(default_factory=list)  # start, end, word, probability


@dataclass
class ForeignTranscript:
    tool: str  # "AssemblyAI", "Deepgram", "Gong", "Rev.ai", "Whisper"
    turns: list[ForeignTurn]
    seller: str | None = None  # the speaker the tool knows to be on the selling side (Gong's one "Internal" party)


def _seconds(value: Any, where: str, scale: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ForeignJsonError(f"{where} is not a number of seconds")
    seconds = float(value) / scale
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        raise ForeignJsonError(f"{where} is {value!r}, not a time within a day")
    return seconds


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ForeignJsonError(f"{where} is not text")
    return " ".join(value.split())


def _probability(value: Any) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return min(max(float(value), 0.0), 1.0) if ok else 1.0


def _label(value: Any, where: str) -> str:
    """A speaker label as the tool gave it: a name or a number ("A", 0); "" for none. A list or an object
    is refused, naming the field (it would become a speaker called "['x']")."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        kind = {list: "a list", dict: "an object", bool: "true or false"}.get(type(value), type(value).__name__)
        raise ForeignJsonError(f"{where} is {kind}, not a speaker's name or number")
    return str(value)


def _timed_words(items: Any, where: str, scale: float, text_key: str) -> list[tuple[float, float, str, float, str]]:
    """(start, end, word, probability, speaker or "") of each timed word of the list `where`."""
    if not isinstance(items, list):
        return []
    out = []
    for k, w in enumerate(items):
        if not isinstance(w, dict):
            raise ForeignJsonError(f"{where}[{k}] is not an object")
        word = w.get(text_key, w.get("word", w.get("text")))
        if "start" not in w or "end" not in w or word is None:
            continue  # WhisperX leaves times off words it could not align: the turn's times stand
        start = _seconds(w["start"], f"{where}[{k}].start", scale)
        end = max(start, _seconds(w["end"], f"{where}[{k}].end", scale))
        token = _text(word, f"{where}[{k}]")
        speaker = _label(w.get("speaker"), f"{where}[{k}].speaker")
        if token:
            out.append((start, end, token, _probability(w.get("confidence", w.get("probability", w.get("score")))),
                        speaker))
    return out


def _words(items: Any, where: str, scale: float, text_key: str) -> list[tuple[float, float, str, float]]:
    return [w[:4] for w in _timed_words(items, where, scale, text_key)]


def _turns_of_words(words: list[tuple[float, float, str, float, str]]) -> list[ForeignTurn]:
    """Turns from a transcript's word list alone (a tool run without its utterances): a new turn where
    the speaker changes, and, where no speaker is given, at each sentence's end."""
    turns: list[ForeignTurn] = []
    for start, end, word, probability, speaker in words:
        last = turns[-1] if turns else None
        ended = last is not None and not speaker and last.text.endswith((".", "?", "!"))
        if last is None or last.speaker != speaker or ended:
            turns.append(ForeignTurn(start, end, speaker, word, [(start, end, word, probability)]))
        else:
            last.text, last.end = f"{last.text} {word}", max(last.end, end)
            last.words.append((start, end, word, probability))
    return turns


def _turn(item: Any, where: str, scale: float, speaker_key: str = "speaker", text_key: str = "text",
          word_text: str = "text") -> ForeignTurn:
    if not isinstance(item, dict):
        raise ForeignJsonError(f"{where} is not an object")
    for key in ("start", "end", text_key):
        if key not in item:
            raise ForeignJsonError(f"{where} has no '{key}'")
    start = _seconds(item["start"], f"{where}.start", scale)
    end = _seconds(item["end"], f"{where}.end", scale)
    if end < start:
        raise ForeignJsonError(f"{where} ends ({item['end']}) before it starts ({item['start']})")
    speaker = _label(item.get(speaker_key), f"{where}.{speaker_key}")
    return ForeignTurn(start, end, speaker, _text(item[text_key], f"{where}.{text_key}"),
                       _words(item.get("words"), f"{where}.words", scale, word_text))


def _rev_monologue(item: Any, where: str) -> ForeignTurn:
    """A Rev.ai monologue: its text and punctuation elements joined, times from the timed ones."""
    if not isinstance(item, dict) or not isinstance(item.get("elements"), list):
        raise ForeignJsonError(f"{where} has no 'elements'")
    text, words = "", []
    for k, e in enumerate(item["elements"]):
        if not isinstance(e, dict):
            raise ForeignJsonError(f"{where}.elements[{k}] is not an object")
        value = e.get("value")
        if not isinstance(value, str):
            continue
        text += value
        if e.get("type") == "text" and "ts" in e and "end_ts" in e:
            start = _seconds(e["ts"], f"{where}.elements[{k}].ts")
            words.append((start, max(start, _seconds(e["end_ts"], f"{where}.elements[{k}].end_ts")),
                          value.strip(), _probability(e.get("confidence"))))
    if not words:
        raise ForeignJsonError(f"{where} has no timed words ('ts', 'end_ts')")
    name = item.get("speaker_name")
    speaker = name if isinstance(name, str) and name.strip() else _label(item.get("speaker"), f"{where}.speaker")
    return ForeignTurn(words[0][0], max(w[1] for w in words), speaker, " ".join(text.split()), words)


def _deepgram_words(results: Any) -> list | None:
    """Deepgram's results.channels[0].alternatives[0].words, or None where the JSON has no such list."""
    try:
        words = results["channels"][0]["alternatives"][0]["words"]
    except (KeyError, IndexError, TypeError):
        return None
    return words if isinstance(words, list) else None


def _listed(items: Any, where: str) -> list:
    if not isinstance(items, list):
        raise ForeignJsonError(f"'{where}' is not a list")
    return items


def _assemblyai(data: dict) -> ForeignTranscript | None:
    if "utterances" not in data or "results" in data:
        return None
    if data["utterances"] is None and isinstance(data.get("words"), list):  # run without speaker labels
        return ForeignTranscript("AssemblyAI", _turns_of_words(_timed_words(data["words"], "words", 1000.0, "text")))
    items = _listed(data["utterances"], "utterances")
    return ForeignTranscript("AssemblyAI", [_turn(u, f"utterances[{i}]", 1000.0) for i, u in enumerate(items)])


def _deepgram(data: dict) -> ForeignTranscript | None:
    results = data.get("results")
    if isinstance(results, dict) and "utterances" in results:
        items = _listed(results["utterances"], "results.utterances")
        return ForeignTranscript("Deepgram", [_turn(u, f"results.utterances[{i}]", 1.0, text_key="transcript",
                                                    word_text="punctuated_word") for i, u in enumerate(items)])
    words = _deepgram_words(results)
    if words is None:
        return None
    # without utterances=true: its words (with speakers where it diarized)
    return ForeignTranscript("Deepgram", _turns_of_words(
        _timed_words(words, "results.channels[0].alternatives[0].words", 1.0, "punctuated_word")))


def _gong_parties(data: dict, call_id: Any) -> list[dict]:
    """The call's parties (name, speakerId, affiliation), where the file has them: Gong's calls API
    (`calls[].parties`, the call matched by its id) saved with the transcript, or a top-level `parties`."""
    parties = data.get("parties")
    if not isinstance(parties, list):
        calls: list = data["calls"] if isinstance(data.get("calls"), list) else []
        call = next((c for c in calls if isinstance(c, dict) and isinstance(c.get("metaData"), dict)
                     and c["metaData"].get("id") == call_id), calls[0] if len(calls) == 1 else None)
        parties = call.get("parties") if isinstance(call, dict) else None
    return [p for p in parties if isinstance(p, dict)] if isinstance(parties, list) else []


def _gong(data: dict) -> ForeignTranscript | None:
    """Each sentence keeps its own times; one speaker's run becomes one turn (review.formats merges).
    Where the file also holds the call's parties, a speaker id becomes the party's name, and the one
    "Internal" party who speaks (the seller's side) is the rep."""
    if "callTranscripts" not in data:
        return None
    calls = _listed(data["callTranscripts"], "callTranscripts")
    if not calls or not isinstance(calls[0], dict):
        raise ForeignJsonError("'callTranscripts' holds no call")
    names, internal = {}, set()
    parties = [p for p in _gong_parties(data, calls[0].get("callId")) if p.get("speakerId") is not None]
    for party in parties:
        speaker_id, name = str(party["speakerId"]), party.get("name")
        if isinstance(name, str) and name.strip():
            names[speaker_id] = " ".join(name.split())
    shared = {n for n in names.values() if list(names.values()).count(n) > 1}
    names = {k: n for k, n in names.items() if n not in shared}  # two people of one name keep their ids apart
    for party in parties:
        if party.get("affiliation") == "Internal":
            internal.add(names.get(str(party["speakerId"]), str(party["speakerId"])))
    turns = []
    for i, m in enumerate(_listed(calls[0].get("transcript"), "callTranscripts[0].transcript")):
        where = f"callTranscripts[0].transcript[{i}]"
        if not isinstance(m, dict):
            raise ForeignJsonError(f"{where} is not an object")
        speaker = _label(m.get("speakerId"), f"{where}.speakerId")
        for k, sentence in enumerate(_listed(m.get("sentences"), f"{where}.sentences")):
            turn = _turn(sentence, f"{where}.sentences[{k}]", 1000.0)
            turn.speaker = names.get(speaker, speaker)
            turns.append(turn)
    sellers = internal & {t.speaker for t in turns}
    return ForeignTranscript("Gong", turns, next(iter(sellers)) if len(sellers) == 1 else None)


def _revai(data: dict) -> ForeignTranscript | None:
    if "monologues" not in data:
        return None
    items = _listed(data["monologues"], "monologues")
    return ForeignTranscript("Rev.ai", [_rev_monologue(m, f"monologues[{i}]") for i, m in enumerate(items)])


def _with_text(words: list, text: str) -> list:
    """OpenAI's word timestamps carry no punctuation ("Hi", "Alex"): where the text has as many words,
    each timed word takes the text's own ("Alex,"), so sentences and quotes keep their ends."""
    tokens = text.split()
    if len(tokens) != len(words):
        return words
    return [(w[0], w[1], token, *w[3:]) for w, token in zip(words, tokens, strict=True)]


def _whisper(data: dict) -> ForeignTranscript | None:
    """Whisper's segments; OpenAI's `verbose_json` asked for word timestamps puts its words beside
    them (top-level `words`, each placed in the segment whose times hold it), or instead of them."""
    segments = data.get("segments")
    words = _timed_words(data.get("words"), "words", 1.0, "word")
    if (not isinstance(segments, list) or not segments) and words and isinstance(data.get("text"), str):
        return ForeignTranscript("Whisper", _turns_of_words(_with_text(words, data["text"])))
    if not isinstance(segments, list) or not segments or not all(
            isinstance(s, dict) and "role" not in s for s in segments):  # our segments have roles
        return None
    turns = [_turn(s, f"segments[{i}]", 1.0, word_text="word") for i, s in enumerate(segments)]
    if words and not any(t.words for t in turns):
        by_middle = sorted(range(len(words)), key=lambda k: words[k][0] + words[k][1])
        middles = [(words[k][0] + words[k][1]) / 2 for k in by_middle]
        placed: set[int] = set()
        for turn in turns:  # the words whose middle falls in the turn's times, each word once
            span = by_middle[bisect_left(middles, turn.start - 0.05):bisect_right(middles, turn.end + 0.05)]
            inside = sorted(k for k in span if k not in placed)
            placed.update(inside)
            if len(inside) == len(turn.text.split()):  # else spread over the segment's times, as without words
                turn.words = _with_text([words[k][:4] for k in inside], turn.text)
    return ForeignTranscript("Whisper", turns)


_READERS = (_assemblyai, _deepgram, _gong, _revai, _whisper)


def read_foreign(data: Any) -> ForeignTranscript | None:
    """The turns of another tool's JSON transcript, or None when `data` is none of the known shapes."""
    if not isinstance(data, dict) or "source" in data:  # ours, or not a transcript object at all
        return None
    return next((found for read in _READERS if (found := read(data)) is not None), None)


_MACHINE_LABEL = re.compile(r"(?:speaker[ _-]?)?(?:[a-z]|\d+)", re.IGNORECASE)  # "A", 0, SPEAKER_00, Gong's ids


def speaker_labels(turns: list[ForeignTurn]) -> dict[str, str]:
    """The tool's speaker label -> ours: "A", 0, "SPEAKER_00" -> speaker_1, speaker_2 ... in the order
    they first speak; a name stays as it is; no label -> "" (nobody named)."""
    out: dict[str, str] = {}
    for turn in turns:
        label = turn.speaker.strip()
        if label in out or not label:
            continue
        if _MACHINE_LABEL.fullmatch(label):
            out[label] = f"speaker_{sum(1 for v in out.values() if v.startswith('speaker_')) + 1}"
        else:
            out[label] = label
    return out
