"""The moments behind a talk-metric focus: the agenda cites the call's own moments for "patience 0.3 s",
"talk ratio 72%", the longest monologue and the question count, each a verbatim quote a manager can play."""

from __future__ import annotations

from datetime import date

from review.coach import draft_coaching
from review.metric_moments import metric_moments
from review.metrics import compute_metrics
from review.render import quoted_moments
from review.types import Segment, Transcript, TranscriptSource

REP, BUYER = "Alex Rivera", "Jordan Lee"


def call(*turns: tuple[str, float, float, str]) -> Transcript:
    """(role, start, end, text) per turn; the rep is REP, the customer BUYER."""
    segments = [Segment(id=i, start=a, end=b, speaker=REP if role == "rep" else BUYER, role=role, text=text)
                for i, (role, a, b, text) in enumerate(turns)]
    t = Transcript(segments=segments, duration=turns[-1][2], source=TranscriptSource(file="c.txt", format="text"))
    t.metrics = compute_metrics(t.segments, t.duration)
    return t


HURRIED = call(
    ("rep", 0.0, 6.0, "Thanks for the time today. I'd like to hear how dispatch works."),
    ("customer", 6.5, 14.0, "We book carriers by phone and it takes most of the morning."),
    ("rep", 14.1, 40.0, "Right, so our platform books them for you. It reads your orders, picks the carrier, "
                        "and sends the booking. Most teams save a day a week. We also do tracking and invoices."),
    ("customer", 41.0, 46.0, "Okay, and what about our portal?"),
    ("rep", 47.5, 60.0, "Good question. Does your portal have an API? Who runs it? How often does it change?"),
    ("customer", 60.5, 63.0, "IT runs it."),
    ("rep", 63.0, 65.0, "Got it."),
    ("rep", 65.2, 80.0, "Then we connect to it in a week and you never copy an order again."),
)


def test_patience_cites_the_quickest_replies_in_time_order():
    moments = metric_moments(HURRIED, "patience", REP)
    assert [(label, q.quote, q.start) for label, q in moments] == [
        ("Answered 0.1 s after the customer finished", "Right, so our platform books them for you.", 14.1),
        ("Answered with no pause after the customer finished", "Got it.", 63.0),
    ]
    for _, q in moments:  # verbatim, cut from the turn by code
        assert q.quote in HURRIED.segment(q.segment_id).text and q.role == "rep"


def test_talk_ratio_and_monologue_cite_the_rep_s_longest_talk():
    talk = metric_moments(HURRIED, "talk_ratio", REP)
    assert [(label, q.start) for label, q in talk] == [("The rep talking for 26 s", 14.1), ("The rep talking for 15 s", 65.2)]
    assert talk[0][1].quote == "Right, so our platform books them for you."
    # the two rep turns 63-80 s are one monologue of 17 s; the 26 s turn is the longest
    assert [(label, q.start) for label, q in metric_moments(HURRIED, "longest_monologue", REP)] == [
        ("Longest monologue (26 s)", 14.1)]


def test_question_count_cites_turns_without_a_question_or_packed_with_them():
    few = metric_moments(HURRIED, "question_count", REP)
    assert [label for label, _ in few] == ["26 s without a question", "15 s without a question"]
    many = metric_moments(HURRIED, "question_count", REP, too_many_questions=True)
    assert [(label, q.quote) for label, q in many] == [("3 questions in one turn", "Good question. Does your portal have an API?")]


def test_talking_over_the_customer_comes_first_and_says_so():
    overlap = call(("customer", 0.0, 5.0, "We tried two vendors and neither could handle our volume."),
                   ("rep", 4.6, 9.0, "Right, and that is exactly why teams switch to us."),
                   ("customer", 9.5, 12.0, "Maybe."), ("rep", 13.5, 15.0, "What volume are we talking about?"))
    assert [(label, q.start) for label, q in metric_moments(overlap, "patience", REP)] == [
        ("Talked over the customer (0.4 s before they finished)", 4.6),
        ("Answered 1.5 s after the customer finished", 13.5)]


def test_pauses_estimated_from_word_counts_are_no_patience_moment(tmp_path):
    from review.formats import load_transcript

    pasted = tmp_path / "pasted.txt"
    pasted.write_text(f"{BUYER}: We book carriers by phone.\n{REP}: What happens when one cancels?\n"
                      f"{BUYER}: We start over.\n{REP}: How long does that take?\n", encoding="utf-8")
    t = load_transcript(pasted, rep_speaker=REP)
    assert t.metrics.patience_s is None  # the times are estimated: every reply would read "no pause"
    assert metric_moments(t, "patience", REP) == []
    assert metric_moments(t, "talk_ratio", REP)  # the talk is still cited
    measured = t.model_copy(update={"metrics": compute_metrics(t.segments, t.duration)})
    assert metric_moments(measured, "patience", REP)


def test_a_call_without_the_moment_cites_none():
    monologue = call(("rep", 0.0, 30.0, "Let me tell you about us."))
    assert metric_moments(monologue, "patience", REP) == []
    assert metric_moments(monologue, "question_count", REP, too_many_questions=True) == []
    assert metric_moments(monologue, "unknown_metric", REP) == []


def test_a_patience_focus_agenda_cites_its_moments_and_asks_about_the_first():
    """Every criterion met, patience is the weakest activity: the agenda's evidence and the prep note's
    key moments are the quick replies, each in the playable `[mm:ss] speaker: “quote”` form."""
    from test_coach import make_methodology, make_scorecard

    meth = make_methodology()
    card = make_scorecard({"agenda_set": 2, "open_questions": 2, "next_step": 1}, patience=0.05, talk_ratio=0.45)
    draft = draft_coaching(card, meth, [], rep=REP, today=date(2026, 3, 2), transcript=HURRIED)
    assert draft.focus_criterion_id == "activity:patience"
    lead = draft.agenda[1].body_markdown
    assert "**Answered 0.1 s after the customer finished:** [00:14]" in lead, lead
    played = [(m.seconds, m.quote) for m in quoted_moments(lead)]  # the app plays each from its second
    assert (14, "Right, so our platform books them for you.") in played and (63, "Got it.") in played
    assert "Answered with no pause after the customer finished: [01:03]" in draft.prep_note_markdown
    assert "Walk me through the moment at [00:14]" in draft.prep_note_markdown
    # without the transcript (a draft from the scorecard alone) there is nothing to cite, as before
    bare = draft_coaching(card, meth, [], rep=REP, today=date(2026, 3, 2))
    assert "Answered" not in bare.agenda[1].body_markdown
