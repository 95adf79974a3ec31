"""Speaker turns of a one-channel call, their edges moved to where Whisper's sentence ends.

A diarizer cuts turns by voice, in windows of a second or so, so a speaker change it finds can fall
a word or two away from the real one: the real sample's "Oh I'm | originally from Chicago also." gives
"Oh I'm" to the speaker before. Whisper decodes the call as one text, so when a turn ends without a
sentence end and the next starts in lower case, the two are one sentence across the cut. That
sentence goes to the side that holds most of it, moving at most a few words, and never emptying a
turn. Two-channel calls never come here (each channel is its speaker).
"""

from __future__ import annotations

from .types import Segment, Word

# At most this many words, spoken within this many seconds, move across a turn edge.
MAX_WORDS = 3
MAX_SECONDS = 1.5
_CLOSERS = "\"')]}\u201d\u2019"


def ends_sentence(word: Word) -> bool:
    """True when the word closes a sentence ("there.", "it?\"", "wow!")."""
    return word.word.strip().rstrip(_CLOSERS).endswith((".", "?", "!"))


def continues_sentence(word: Word) -> bool:
    """True when the word starts in lower case, as Whisper writes a word inside a sentence."""
    text = word.word.strip().lstrip("\"'([{\u201c\u2018")
    return bool(text) and text[0].islower()


def sentences(words: list[Word]) -> list[list[Word]]:
    """The words of a turn grouped into sentences, as Whisper punctuated them (the last may be open)."""
    out: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        current.append(word)
        if ends_sentence(word):
            out.append(current)
            current = []
    return out + [current] if current else out


def _movable(words: list[Word]) -> bool:
    return 0 < len(words) <= MAX_WORDS and words[-1].end - words[0].start <= MAX_SECONDS


def text(words: list[Word]) -> str:
    """The words as the transcript writes them (Whisper's words carry their own leading space)."""
    return "".join(w.word for w in words).strip()


def with_words(turn: Segment, words: list[Word]) -> Segment:
    """The turn holding these words instead (its times and text follow them)."""
    return turn.model_copy(update={"start": words[0].start, "end": words[-1].end, "words": words,
                                   "text": text(words)})


def snap(turns: list[Segment]) -> list[Segment]:
    """The turns (in time order) with each sentence cut by a speaker change given to one side.

    Args:
        turns: speaker turns from one channel's diarized words, in time order.

    Returns:
        New segments, as many as given and in the same order; ids are left to the caller.
    """
    out = list(turns)
    for i in range(len(out) - 1):
        before, after = out[i], out[i + 1]
        if before.speaker == after.speaker or not before.words or not after.words:
            continue
        if ends_sentence(before.words[-1]) or not continues_sentence(after.words[0]):
            continue
        cut = max((k + 1 for k, w in enumerate(before.words[:-1]) if ends_sentence(w)), default=0)
        tail = before.words[cut:]
        ends = [k + 1 for k, w in enumerate(after.words) if ends_sentence(w)]
        head = after.words[: ends[0]] if ends else after.words
        if len(tail) < len(head) and cut > 0 and _movable(tail):
            out[i], out[i + 1] = with_words(before, before.words[:cut]), with_words(after, tail + after.words)
        elif len(head) < len(tail) and len(head) < len(after.words) and _movable(head):
            out[i], out[i + 1] = with_words(before, before.words + head), with_words(after, after.words[len(head):])
    return out
