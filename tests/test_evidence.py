"""Evidence is cut from the transcript by code; references that do not resolve are dropped."""

from review.evidence import resolve_evidence
from review.types import Segment, Transcript, TranscriptSource, Word


def _segment(sid, text, start, role="rep", speaker="Alex"):
    words = [Word(start=start + i * 0.5, end=start + i * 0.5 + 0.4, word=" " + w) for i, w in enumerate(text.split())]
    return Segment(id=sid, start=words[0].start, end=words[-1].end, speaker=speaker, role=role, text=text, words=words)


TRANSCRIPT = Transcript(
    segments=[
        _segment(0, "Before we dive in, here's what I hoped we'd cover today.", 0.0),
        _segment(1, "Sounds good, and I'd  like to add pricing.", 10.0, role="customer", speaker="Jordan"),
        _segment(2, "Who signs off on a purchase like this?", 20.0),
    ],
    source=TranscriptSource(file="t.json", format="json"),
)


def test_whole_turn_span_and_quote_resolve_with_timestamps_and_speaker():
    quotes, dropped = resolve_evidence(TRANSCRIPT, [
        {"segment_id": 1},
        {"segment_id": 2, "span": {"start_word": 0, "end_word": 2}},
        {"segment_id": 0, "quote": "HERE'S what I hoped"},
    ], {0, 1, 2})
    assert dropped == []
    assert [(q.segment_id, q.quote) for q in quotes] == [
        (1, "Sounds good, and I'd  like to add pricing."),
        (2, "Who signs off"),
        (0, "here's what I hoped"),
    ]
    assert quotes[0].speaker == "Jordan" and quotes[0].role == "customer"
    assert (quotes[0].start, quotes[0].end) == (10.0, 13.9)
    assert (quotes[1].start, quotes[1].end) == (20.0, 21.4)
    assert (quotes[2].start, quotes[2].end) == (2.0, 3.9)  # words 4..7 of segment 0


def test_quote_matching_ignores_whitespace_and_case_and_widens_to_whole_words():
    quotes, dropped = resolve_evidence(TRANSCRIPT, [{"segment_id": 1, "quote": '"i\'d like  TO add pric"'}], {1})
    assert dropped == [] and quotes[0].quote == "I'd  like to add pricing."
    assert quotes[0].quote in TRANSCRIPT.segment(1).text


def test_everything_that_does_not_resolve_is_dropped_with_a_reason():
    quotes, dropped = resolve_evidence(TRANSCRIPT, [
        {"segment_id": 99},
        {"segment_id": 2},  # exists, but was not shown for this criterion
        {"segment_id": 0, "span": {"start_word": 5, "end_word": 40}},
        {"segment_id": 0, "quote": "we agreed a budget of 50k"},
        {"segment_id": "0"},
        "segment 0",
    ], {0, 1})
    assert quotes == []
    assert dropped[0] == "segment 99: not in the transcript"
    assert dropped[1] == "segment 2: not among the turns shown for this criterion"
    assert "outside the turn's 11 words" in dropped[2]
    assert 'quote "we agreed a budget of 50k" is not in that turn verbatim' in dropped[3]
    assert "segment_id is not an integer" in dropped[4] and "not an object" in dropped[5]


def test_duplicate_references_give_one_quote():
    quotes, _ = resolve_evidence(TRANSCRIPT, [{"segment_id": 0}, {"segment_id": 0, "quote": None}], {0})
    assert len(quotes) == 1


def test_dropped_evidence_note_names_who_cited_it():
    from review.evidence import dropped_evidence_note

    dropped = ["segment 9: not among the turns shown for this criterion"]
    assert dropped_evidence_note(dropped, "openai").startswith("Evidence the model cited")
    rules = dropped_evidence_note(dropped, "rules")
    assert "model" not in rules and rules.startswith("The rules engine") and "segment 9" in rules
