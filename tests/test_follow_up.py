"""The agenda's progress check: the focus skill on the rep's calls after the coached one."""

from __future__ import annotations

from test_app import scorecard_for, transcript

from review.follow_up import follow_up


def _card(target: int | None = 2):
    card = scorecard_for(transcript(), rep_score=0)
    return card.model_copy(update={"criteria": [c.model_copy(update={"target": target}) for c in card.criteria]})


def _row(call_id: int, call_date: str, score: int | None) -> dict:
    row = {"call_id": call_id, "call_date": call_date, "title": f"call {call_id}"}
    if score is not None:
        row |= {"criterion:pain_quantified": score, "max:pain_quantified": 2}
    return row


ROWS = [_row(1, "2026-11-01", 0), _row(5, "2026-11-10", 0), _row(6, "2026-11-10", 2), _row(7, "2026-11-17", 1),
        _row(8, "2026-11-24", None)]


def test_later_calls_are_read_against_the_target():
    found = follow_up(_card(), 5, "2026-11-10", "pain_quantified", ROWS)
    # later: a later date, or the same date and a later call; the coached call and earlier ones are not
    assert [c.call_id for c in found.calls] == [6, 7, 8]
    assert [c.on_target for c in found.calls] == [True, False, None]  # 8 did not score the criterion
    assert (found.criterion_name, found.target, found.max_score) == ("Pain quantified", 2, 2)
    assert found.summary == "1 of 2 later call(s) at the target (2/2)"


def test_nothing_later_no_target_and_a_talk_metric_focus_each_say_so():
    assert follow_up(_card(), 8, "2026-11-24", "pain_quantified", ROWS).summary.startswith(
        "No reviewed call after this one yet")
    assert follow_up(_card(None), 5, "2026-11-10", "pain_quantified", ROWS).summary == (
        "3 later call(s); no target to compare with.")
    older = follow_up(_card(None), 5, "2026-11-10", "pain_quantified", ROWS, methodology_target=1)
    assert older.summary == "2 of 2 later call(s) at the target (1/2)"  # a scorecard kept before targets were
    capped = follow_up(_card(5), 5, "2026-11-10", "pain_quantified", ROWS)
    assert capped.target == 2  # a target above the scale is its top
    assert follow_up(_card(), 5, "2026-11-10", "activity:talk_ratio", ROWS) is None
