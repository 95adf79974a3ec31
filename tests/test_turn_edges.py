"""A sentence cut by a speaker change goes to the side that holds most of it (review.turn_edges)."""

from __future__ import annotations

from test_transcribe import AUDIO

from review import turn_edges
from review.transcribe import transcribe_audio
from review.types import Segment, Word


def turn(speaker: str, text: str, start: float, step: float = 0.3) -> Segment:
    words = [Word(start=start + i * step, end=start + i * step + step * 0.9, word=" " + w)
             for i, w in enumerate(text.split())]
    return Segment(id=0, start=words[0].start, end=words[-1].end, speaker=speaker, text=text, words=words)


def texts(turns: list[Segment]) -> list[tuple[str, str]]:
    return [(t.speaker, t.text) for t in turns]


def test_a_dangling_start_of_a_sentence_joins_the_turn_that_finishes_it():
    turns = [turn("a", "And I'm Sheila from Texas. Oh I'm", 0.0), turn("b", "originally from Chicago also.", 3.0)]
    snapped = turn_edges.snap(turns)
    assert texts(snapped) == [("a", "And I'm Sheila from Texas."), ("b", "Oh I'm originally from Chicago also.")]
    assert snapped[1].start == turns[0].words[5].start and snapped[0].end == turns[0].words[4].end
    assert [w.word for t in snapped for w in t.words] == [w.word for t in turns for w in t.words]


def test_the_end_of_a_sentence_joins_the_turn_that_started_it():
    turns = [turn("a", "Sure. We looked at three vendors last", 0.0), turn("b", "quarter. What did you pick?", 3.0)]
    assert texts(turn_edges.snap(turns)) == [
        ("a", "Sure. We looked at three vendors last quarter."), ("b", "What did you pick?")]


def test_edges_that_already_fall_between_sentences_stay():
    cases = [
        [turn("a", "We looked at three vendors.", 0.0), turn("b", "which ones did you pick?", 3.0)],  # a ends one
        [turn("a", "Sure. We looked at three", 0.0), turn("b", "What did you pick?", 3.0)],  # b starts one
        [turn("a", "Sure. Oh I'm", 0.0), turn("b", "from there.", 3.0)],  # two words each side: a tie
        [turn("a", "Right. Then we saw it", 0.0), turn("a", "twice over there. Thanks.", 3.0)],  # same speaker
    ]
    for turns in cases:
        assert texts(turn_edges.snap(turns)) == texts(turns)


def test_no_turn_is_emptied_and_no_long_fragment_moves():
    whole_turn = [turn("a", "Oh I'm", 0.0), turn("b", "originally from Chicago also.", 1.0)]
    assert texts(turn_edges.snap(whole_turn)) == texts(whole_turn)
    four_words = [turn("a", "Fine. But when we did", 0.0), turn("b", "the rollout in our region it broke.", 3.0)]
    assert texts(turn_edges.snap(four_words)) == texts(four_words)
    slow = [turn("a", "Fine. Oh I'm", 0.0, step=1.0), turn("b", "originally from Chicago also.", 4.0)]
    assert texts(turn_edges.snap(slow)) == texts(slow)


def test_sentence_ends_and_starts_are_read_through_quotes_and_brackets():
    assert turn_edges.ends_sentence(Word(start=0, end=1, word=' it?"'))
    assert turn_edges.ends_sentence(Word(start=0, end=1, word=" (fine.)"))
    assert not turn_edges.ends_sentence(Word(start=0, end=1, word=" well,"))
    assert turn_edges.continues_sentence(Word(start=0, end=1, word=' "originally'))
    assert not turn_edges.continues_sentence(Word(start=0, end=1, word=" I'm"))
    assert not turn_edges.continues_sentence(Word(start=0, end=1, word=" 20"))


def test_a_real_two_person_recording_keeps_each_sentence_with_one_speaker(settings):
    # The diarizer's cut falls inside "Oh I'm | originally from Chicago also." on this real sample.
    transcript = transcribe_audio(AUDIO / "two_speakers_mono.wav", settings)
    assert transcript.attribution is not None and transcript.attribution.method == "voices"
    for seg in transcript.segments:
        assert turn_edges.continues_sentence(seg.words[0]) is False, seg.text
    assert any(seg.text.startswith("Oh I'm originally from Chicago") for seg in transcript.segments)
