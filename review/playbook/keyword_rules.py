"""Keyword patterns of an imported criterion: what a transcript can match word for word.

Two sources, both from the playbook as written:
- the check's own wording (name and description): one pattern per content word, without the
  methodology's topic (words most checks share, 'customer', 'charity'), the check's verb, or
  the example phrases quoted in it;
- the opening of each good example phrase, up to its first word that is neither a function word
  nor the topic ('have you donated', 'what do you think', 'when I was a kid'): how a move is
  said, which a transcript repeats where the example's topic words ('children') are in every call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .blocks import clean
from .wording import STOPWORDS, _base_verb, _without_quotes

OPENING_MAX_WORDS = 5  # an example's opening longer than this is no longer its form
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")


def keyword_text(name: str, description: str) -> str:
    """The wording keywords come from: the name and description without their quoted example
    phrases and "e.g. ..." tails (examples are matched as examples, not word by word)."""
    description = re.split(r",?\s+\b(?:e\.\s?g\b|for example\b|for instance\b)", clean(description), maxsplit=1,
                           flags=re.I)[0]
    return f"{_without_quotes(name)} {_without_quotes(description) if description.strip() else ''}".strip()


def topic_stem(pattern_or_word: str) -> str:
    """What a keyword is counted as when finding a methodology's topic words: the word without its
    ending ('donation', 'donate', 'donating' are one topic)."""
    word = re.sub(r"\\[bw]|\*", "", pattern_or_word)
    return re.sub(r"(ations?|ings?|ions?|ies|ed|es|e|y|s)$", "", word) if len(word) > 5 else word


def _content_word(word: str) -> bool:
    base = re.split(r"['’]", word.lower())[0]  # "I'm", "you're": a function word with its verb
    return len(base) > 2 and base not in STOPWORDS


def topic_of(texts: Iterable[str], count: int) -> frozenset[str]:
    """Stems of the words more than a quarter of `count` criteria (and at least three) use;
    texts: one per criterion (its wording and example phrases)."""
    counts: dict[str, int] = {}
    for text in texts:
        words = {topic_stem(_keyword_word(w)) for w in _WORD.findall(clean(text)) if _content_word(w)}
        for stem in words:
            counts[stem] = counts.get(stem, 0) + 1
    return frozenset(stem for stem, n in counts.items() if n >= 3 and n > count / 4)


_REFLEXIVE = {"themselves", "themself", "himself", "herself"}


def _keyword_word(word: str) -> str:
    """A word of the check's wording as a keyword stem: lower case, no possessive, plurals and
    '-ness' dropped ('priorities' -> 'priorit', 'sadness' -> 'sad'), so the pattern also matches
    the forms a speaker uses; a reflexive about the rep ('donate themselves') is how the rep
    says it ('myself')."""
    word = re.sub(r"['’]s$", "", word.lower()).strip("'’-")
    if word in _REFLEXIVE:
        return "myself"
    if word in STOPWORDS:
        return word
    if len(word) > 5 and word.endswith("ies"):  # "priorities" -> r"\bpriorit\w*" (priority too)
        return word[:-3]
    if len(word) > 6 and word.endswith("ness"):
        return word[:-4]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keywords(text: str, limit: int = 5, topic: frozenset[str] = frozenset()) -> list[str]:
    """Up to `limit` escaped regexes, one per content word of the criterion's wording, each
    matching the word and its endings ('budget' -> r'\\bbudget\\w*').

    topic: stems (topic_stem) of the words many criteria of the methodology share (the subject of
    every call it scores, e.g. 'customer' or 'charity'), never a keyword: they match everywhere.
    """
    words: list[str] = []
    verbs: set[str] = set()
    for raw in re.findall(r"[A-Za-z][A-Za-z'’-]+", clean(text)):
        verb = _base_verb(raw.lower()) is not None  # "tries", "says": the check's verb, not its subject
        word = _keyword_word(raw)
        if len(word) > 2 and word not in STOPWORDS and word not in words and topic_stem(word) not in topic:
            words.append(word)
            if verb or _base_verb(word) is not None:
                verbs.add(word)
    specific = [w for w in words if w not in verbs]
    return [rf"\b{re.escape(w)}\w*" for w in (specific or words)[:limit]]


def example_openings(examples: Iterable[str], topic: frozenset[str] = frozenset(), limit: int = 5) -> list[str]:
    """One pattern per example phrase: its opening words up to the first content word that is not
    the topic ('Have you budgeted for it?' -> r'\\bhave\\s+you\\s+budgeted\\b'; an apostrophe
    matches either kind); none when no such word comes within OPENING_MAX_WORDS; at most `limit`."""
    out: list[str] = []
    for example in examples:
        words = _WORD.findall(clean(example))[:OPENING_MAX_WORDS]
        for n, word in enumerate(words):
            if _content_word(word) and topic_stem(_keyword_word(word)) not in topic:
                pattern = r"\b" + r"\s+".join(re.sub(r"['’]", "['’]", re.escape(w.lower()))
                                                for w in words[:n + 1]) + r"\b"
                if pattern not in out:
                    out.append(pattern)
                break
    return out[:limit]

