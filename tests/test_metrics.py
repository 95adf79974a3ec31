"""Conversation metrics against a hand-built call whose values are worked out below."""

from __future__ import annotations

import pytest

from review.metrics import compute_metrics, count_questions, count_words, metrics_to_text
from review.types import Metrics, Segment


def seg(i: int, start: float, end: float, speaker: str, role: str, text: str) -> Segment:
    return Segment(id=i, start=start, end=end, speaker=speaker, role=role, text=text)


# A 40-second call. Alex is the rep, Blair the customer. Turn 4 starts while turn 3 is still
# running (24.0 < 25.0) and turn 5 starts before turn 4 ends (29.0 < 30.0): overlaps.
HAND_BUILT = [
    seg(0, 0.0, 10.0, "Alex", "rep", "Hi there. How are you? What brings you here today?"),
    seg(1, 11.0, 16.0, "Blair", "customer", "Good thanks. We need faster shipping, see acme.com/faq?id=1 today."),
    seg(2, 17.5, 20.0, "Alex", "rep", "Why now?"),
    seg(3, 20.5, 25.0, "Alex", "rep", "Tell me about the current process."),
    seg(4, 24.0, 30.0, "Blair", "customer", "It is slow - honestly slow and manual."),
    seg(5, 29.0, 33.0, "Alex", "rep", "Does that cost you deals?"),
]


def test_hand_built_call():
    m = compute_metrics(HAND_BUILT, duration=40.0)
    alex, blair = m.speakers["Alex"], m.speakers["Blair"]

    # talk time: Alex 10.0 + 2.5 + 4.5 + 4.0 = 21.0 s; Blair 5.0 + 6.0 = 11.0 s; total 32.0 s
    # talk ratio: 21 / 32 = 0.65625 -> 0.656;  11 / 32 = 0.34375 -> 0.344
    assert alex.talk_ratio == 0.656
    assert blair.talk_ratio == 0.344

    # monologues (runs of consecutive turns by start time): Alex [0, 10] = 10.0,
    # [17.5, 25.0] (turns 2 and 3 merged) = 7.5, [29, 33] = 4.0 -> 10.0; Blair 5.0, 6.0 -> 6.0
    assert alex.longest_monologue_s == 10.0
    assert blair.longest_monologue_s == 6.0

    # questions: "How are you?" "...today?" (2) + "Why now?" (1) + "...deals?" (1) = 4;
    # Blair's "?" inside the URL acme.com/faq?id=1 does not end a sentence -> 0
    assert alex.question_count == 4
    assert blair.question_count == 0

    # words: Alex 10 + 2 + 6 + 5 = 23 in 21 s -> 23 / (21/60) = 65.714... -> 65.71
    # Blair 9 ("acme.com/faq?id=1" is one word) + 7 (the lone "-" is not a word) = 16 in 11 s
    # -> 16 / (11/60) = 87.2727... -> 87.27
    assert alex.words_per_minute == 65.71
    assert blair.words_per_minute == 87.27

    # switches (by start): A->B, B->A, A->A (none), A->B, B->A = 4 in 40 s -> 4 / (40/60) = 6.0
    assert m.interactivity == 6.0

    # customer -> rep transitions: turn 1 -> 2: 17.5 - 16.0 = 1.5; turn 4 -> 5: 29.0 - 30.0 < 0
    # (overlap) -> 0.0. Mean (1.5 + 0.0) / 2 = 0.75
    assert m.patience_s == 0.75


def test_order_of_segments_does_not_matter():
    assert compute_metrics(list(reversed(HAND_BUILT)), 40.0) == compute_metrics(HAND_BUILT, 40.0)


def test_empty_transcript():
    m = compute_metrics([], duration=0.0)
    assert m == Metrics()
    assert m.speakers == {} and m.interactivity == 0.0 and m.patience_s is None


def test_single_speaker():
    turns = [
        seg(0, 1.0, 4.0, "Alex", "rep", "Welcome to the webinar."),
        seg(1, 5.0, 11.0, "Alex", "rep", "Today we cover three things. Ready?"),
    ]
    m = compute_metrics(turns, duration=12.0)
    alex = m.speakers["Alex"]
    assert alex.talk_ratio == 1.0
    # one run from 1.0 to 11.0, the pause between the turns included
    assert alex.longest_monologue_s == 10.0
    assert alex.question_count == 1
    # 4 + 6 = 10 words in 3 + 6 = 9 s -> 10 / (9/60) = 66.666... -> 66.67
    assert alex.words_per_minute == 66.67
    assert m.interactivity == 0.0
    assert m.patience_s is None  # no customer turn, so no pause before the rep answers


def test_fully_overlapping_turns():
    # Blair's "mm-hm" sits inside Alex's turn; both count as talk time.
    turns = [
        seg(0, 0.0, 10.0, "Alex", "rep", "Let me walk you through the numbers."),
        seg(1, 4.0, 5.0, "Blair", "customer", "Mm-hm."),
        seg(2, 10.5, 12.0, "Blair", "customer", "Makes sense."),
    ]
    m = compute_metrics(turns, duration=12.0)
    # talk 10 + 1 + 1.5 = 12.5 s: Alex 10 / 12.5 = 0.8, Blair 2.5 / 12.5 = 0.2
    assert m.speakers["Alex"].talk_ratio == 0.8
    assert m.speakers["Blair"].talk_ratio == 0.2
    # Blair's run is turns 1 and 2: from 4.0 to 12.0 = 8.0 (Alex never starts in between)
    assert m.speakers["Blair"].longest_monologue_s == 8.0
    # one switch (A->B) in 12 s -> 1 / (12/60) = 5.0
    assert m.interactivity == 5.0
    assert m.patience_s is None  # the customer is never followed by the rep


def test_unknown_roles_give_no_patience_but_speaker_metrics():
    turns = [
        seg(0, 0.0, 2.0, "unknown", "unknown", "Hello?"),
        seg(1, 2.5, 4.0, "unknown", "unknown", "Yes, hi."),
    ]
    m = compute_metrics(turns, duration=4.0)
    assert list(m.speakers) == ["unknown"]
    assert m.speakers["unknown"].talk_ratio == 1.0
    assert m.speakers["unknown"].question_count == 1
    assert m.patience_s is None
    assert m.interactivity == 0.0


def test_zero_duration_falls_back_to_last_turn_end():
    turns = [seg(0, 0.0, 30.0, "A", "rep", "One."), seg(1, 30.0, 60.0, "B", "customer", "Two.")]
    # 1 switch; duration 0 -> the last end, 60 s -> 1 / 1 min = 1.0
    assert compute_metrics(turns, duration=0.0).interactivity == 1.0


def test_zero_length_turn_has_zero_words_per_minute():
    m = compute_metrics([seg(0, 3.0, 3.0, "A", "rep", "Hi.")], duration=3.0)
    assert m.speakers["A"].words_per_minute == 0.0
    assert m.speakers["A"].talk_ratio == 0.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is your budget?", 1),
        ("Really?? Why? OK.", 2),
        ('She asked "why now?" and left.', 1),
        ("see https://acme.com/page?id=3 for details", 0),
        ("what we need is a faster process", 0),  # no "?", so not counted (see the docs)
    ],
)
def test_count_questions(text, expected):
    assert count_questions(text) == expected


def test_count_words_ignores_lone_punctuation():
    assert count_words("Well - I think so ... yes.") == 5


def test_metrics_to_text_is_an_aligned_table_with_units():
    text = metrics_to_text(compute_metrics(HAND_BUILT, 40.0))
    lines = text.splitlines()
    assert lines[0].split() == ["speaker", "talk", "longest", "monologue", "questions", "words/min"]
    assert lines[1].split() == ["Alex", "65.6%", "10.0", "s", "4", "66"]
    assert lines[2].split() == ["Blair", "34.4%", "6.0", "s", "0", "87"]
    assert len({len(line) for line in lines[:3]}) == 1  # right-aligned columns end together
    assert "6.00 speaker switches per minute" in text
    assert "0.75 s mean pause before the rep answers" in text
    assert "patience:      not measured" in metrics_to_text(Metrics())
