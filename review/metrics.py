"""Conversation metrics: talk ratio, longest monologue, questions, words per minute,
interactivity and patience. Definitions (for users) are in README.md ("Transcripts").

Pure functions over segments; they only read start, end, speaker, role and text, so they work
the same for transcribed audio and imported transcripts.
"""

from __future__ import annotations

import re
from itertools import pairwise

from .types import Metrics, Segment, SpeakerMetrics

# A question is a sentence ending in "?". The lookahead skips "?" inside URLs ("/page?id=1").
# We do not guess questions from a leading "what/how/can..." in unpunctuated text: "what we
# need is..." and "can I just say..." would be counted, and a wrong count misleads coaching.
_QUESTION_END = re.compile(r"\?+(?=[\s\"'\u201d\u2019)\]]|$)")
_HAS_WORD_CHAR = re.compile(r"\w")


def question_sentences(text: str) -> list[str]:
    """The sentences of `text` that end in "?" ("Really?? Why?" is 2): the one definition of a
    question, used by the conversation metrics and the rules engine's question counts."""
    found, start = [], 0
    for m in _QUESTION_END.finditer(text):
        chunk = text[start:m.end()].strip()
        found.append(re.split(r"(?<=[.!])\s+", chunk)[-1].strip())
        start = m.end()
    return found


def count_questions(text: str) -> int:
    """Number of sentences in `text` ending in "?" (see question_sentences)."""
    return len(question_sentences(text))


def count_words(text: str) -> int:
    """Number of words in `text`; a lone dash or punctuation mark is not a word."""
    return sum(1 for token in text.split() if _HAS_WORD_CHAR.search(token))


def compute_metrics(segments: list[Segment], duration: float) -> Metrics:
    """Conversation metrics of one call.

    segments: the call's turns (any order; overlapping turns allowed).
    duration: the call's length in seconds; when 0 or less, the end of the last turn is used.
    """
    turns = sorted(segments, key=lambda s: (s.start, s.id))
    if not turns:
        return Metrics()

    talk_s: dict[str, float] = {}
    words: dict[str, int] = {}
    questions: dict[str, int] = {}
    for seg in turns:
        talk_s[seg.speaker] = talk_s.get(seg.speaker, 0.0) + max(0.0, seg.end - seg.start)
        words[seg.speaker] = words.get(seg.speaker, 0) + count_words(seg.text)
        questions[seg.speaker] = questions.get(seg.speaker, 0) + count_questions(seg.text)

    # A monologue is a run of consecutive turns (by start time) of one speaker, measured from
    # the run's first start to its last end.
    longest: dict[str, float] = dict.fromkeys(talk_s, 0.0)
    run_speaker, run_start, run_end = turns[0].speaker, turns[0].start, turns[0].end
    for seg in turns[1:]:
        if seg.speaker == run_speaker:
            run_end = max(run_end, seg.end)
            continue
        longest[run_speaker] = max(longest[run_speaker], run_end - run_start)
        run_speaker, run_start, run_end = seg.speaker, seg.start, seg.end
    longest[run_speaker] = max(longest[run_speaker], run_end - run_start)

    total_talk = sum(talk_s.values())
    speakers = {
        name: SpeakerMetrics(
            talk_ratio=round(talk_s[name] / total_talk, 3) if total_talk > 0 else 0.0,
            longest_monologue_s=round(longest[name], 2),
            question_count=questions[name],
            words_per_minute=round(words[name] / (talk_s[name] / 60), 2) if talk_s[name] > 0 else 0.0,
        )
        for name in talk_s
    }

    call_s = duration if duration > 0 else max(seg.end for seg in turns)
    switches = sum(1 for a, b in pairwise(turns) if a.speaker != b.speaker)
    interactivity = round(switches / (call_s / 60), 2) if call_s > 0 else 0.0

    # Patience: how long the rep waits after the customer stops before answering.
    pauses = [max(0.0, b.start - a.end) for a, b in pairwise(turns) if a.role == "customer" and b.role == "rep"]
    patience = round(sum(pauses) / len(pauses), 2) if pauses else None

    rep = next((seg.speaker for seg in turns if seg.role == "rep"), None)
    return Metrics(speakers=speakers, interactivity=interactivity, patience_s=patience, rep_speaker=rep)


def metrics_to_text(m: Metrics) -> str:
    """A small aligned table of per-speaker metrics, then the call metrics, with units.

    m: the metrics.
    """
    header = ("speaker", "talk", "longest monologue", "questions", "words/min")
    rows = [header] + [
        (name, f"{s.talk_ratio * 100:.1f}%", f"{s.longest_monologue_s:.1f} s",
         str(s.question_count), f"{s.words_per_minute:.0f}")
        for name, s in m.speakers.items()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:  # names left-aligned, numbers right-aligned
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.append("")
    lines.append(f"interactivity: {m.interactivity:.2f} speaker switches per minute")
    patience = "not measured (needs a customer turn followed by a rep turn, with timings)"
    lines.append(f"patience:      {m.patience_s:.2f} s mean pause before the rep answers"
                 if m.patience_s is not None else f"patience:      {patience}")
    return "\n".join(lines)
