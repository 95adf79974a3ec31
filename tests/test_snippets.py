"""The shared sentence split and cut to length (review.snippets)."""
from review.snippets import sentences, shorten


def test_sentences_split_after_end_marks_and_drop_blanks():
    assert sentences("  Hi there.  How are you?Fine!  Great. ") == ["Hi there.", "How are you?Fine!", "Great."]
    assert sentences("") == [] and sentences("   ") == []
    assert sentences("no end mark") == ["no end mark"]


def test_shorten_keeps_what_fits_and_cuts_at_the_limit():
    assert shorten("short", 5) == "short"
    cut = shorten("one two three four", 9)
    assert cut == "one two\u2026" and len(cut) <= 9  # the space before the cut is dropped
    assert shorten("abcdefghij", 4) == "abc\u2026"
