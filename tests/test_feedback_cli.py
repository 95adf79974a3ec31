"""`callreview feedback override | show | carry` and `callreview calls`: the manager's corrections from the
shell, carried to a review scored afresh (review.carry), each bad input answered in one line."""

from __future__ import annotations

import re

import pytest


def _review_id(out: str) -> int:
    return int(re.search(r"review (\d+) of call", out).group(1))


def test_override_show_and_carry_after_a_corrected_turn(settings, cli):
    from test_app import store_review, tiny_wav

    from review.store import Store

    store = Store.from_settings(settings)
    result = store_review(store, tiny_wav(tone=49), "cli-carry.wav")
    cid, first = result.call_id, result.review_id
    card = store.get_review(first).scorecard
    cited = next((c.id, q.segment_id) for c in card.criteria for q in c.evidence if q.segment_id > 1)
    ai_score = next(c.score for c in card.criteria if c.id == "pain_quantified")
    store.close()

    code, out, err = cli("feedback", "override", str(first), "pain_quantified", "1", "--comment", "asked about cost once")
    assert code == 0, err
    assert f"discovery/pain_quantified in review {first}: the manager's score is 1 of 2 (the AI's: {ai_score})" in out
    assert "1 corrected call(s) for it" in out
    assert cli("feedback", "mark", str(first), cited[0], str(cited[1]), "right")[0] == 0
    code, out, _ = cli("feedback", "show", str(first))
    assert code == 0 and out.startswith(f"review {first} of call {cid} (discovery, transcript version 1): "
                                        "1 override(s), 1 evidence mark(s)")
    assert "  override  pain_quantified: 1 of 2" in out and "by manager: asked about cost once" in out
    assert f"  mark      {cited[0]}: turn {cited[1]} right by manager" in out

    # the speaker of turn 1's second sentence is corrected: a new review, scored afresh
    code, out, err = cli("turn", str(cid), "1", "--said-by", "Alex Rivera", "--sentences", "2")
    assert code == 0, err
    second = _review_id(out)
    assert second != first and "(`callreview feedback show" in out
    assert cli("feedback", "show", str(second))[1].startswith(
        f"review {second} of call {cid} (discovery, transcript version 2): 0 override(s), 0 evidence mark(s)")
    code, out, err = cli("feedback", "carry", str(first), str(second), "--author", "kim")
    assert code == 0, err
    assert out.splitlines() == [f"carried 1 override(s) and 1 evidence mark(s) from review {first} to review {second}"]
    code, out, _ = cli("feedback", "show", str(second))
    assert "override  pain_quantified: 1 of 2" in out and "by kim: asked about cost once (carried from the review of" in out
    assert f"  mark      {cited[0]}: turn {cited[1] + 1} right by kim" in out  # turn 1 became two turns
    code, out, _ = cli("feedback", "carry", str(first), str(second))  # already there: nothing twice
    assert out.splitlines()[0] == f"carried 0 override(s) and 0 evidence mark(s) from review {first} to review {second}"
    assert "not carried: the overrides of pain_quantified" in out

    # `callreview calls` finds the ids all of this takes
    code, out, _ = cli("calls")
    [row] = [line for line in out.splitlines() if "cli-carry" in line]
    assert code == 0 and row.split()[:1] == [str(cid)] and f" {second} " in row
    code, out, _ = cli("calls", str(cid))
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith(f"call {cid}: cli-carry")
    assert lines[1].startswith("  Transcript version 2: sentence 2 of turn 1 (at 00:06) given to Alex Rivera, by manager")
    rows = {int(line.split()[0]): line.split() for line in lines[3:]}
    assert list(rows) == [first, second]
    assert rows[first][5:8] == ["v1", "1", "1"] and rows[second][5:8] == ["v2", "1", "1"]  # transcript, overrides, marks


def test_bad_feedback_commands_say_what_to_do_in_one_line(settings, cli):
    from test_app import store_review, tiny_wav

    from review.store import Store

    store = Store.from_settings(settings)
    review_id = store_review(store, tiny_wav(tone=50), "cli-bad.wav").review_id
    store.close()
    r = str(review_id)
    for argv, message in (
            (("feedback", "override", r, "pain_quantified", "3", "--comment", "x"), "must be a whole number from 0 to 2"),
            (("feedback", "override", r, "nope", "1", "--comment", "x"), "nope"),
            (("feedback", "override", r, "pain_quantified", "1", "--comment", "  "), "give --comment"),
            (("feedback", "override", r, "pain_quantified", "1"), "--comment"),
            (("feedback", "override", r, "pain_quantified", "one", "--comment", "x"), "score 'one' is not a whole number"),
            (("feedback", "override", r, "pain_quantified", "-1", "--comment", "x"), "must be a whole number from 0 to 2"),
            (("feedback", "override", "999", "pain_quantified", "1", "--comment", "x"), "999"),
            (("feedback", "show", "999"), "review 999 does not exist"),
            (("feedback", "carry", r, r), "not two reviews of one call against one methodology"),
            (("feedback", "carry", r, "999"), "not two reviews of one call against one methodology"),
            (("calls", "999"), "call 999 does not exist in the store; `callreview calls` lists them"),
            (("calls", "--limit", "0"), "--limit 0: give 1 or more")):
        code, out, err = cli(*argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_an_id_or_count_too_large_for_the_store_is_refused_in_one_line(settings, cli):
    """A number past a 64-bit integer reached the database: an OverflowError traceback."""
    for argv in (["calls", "99999999999999999999999"], ["feedback", "show", "9223372036854775808"],
                 ["turn", "99999999999999999999", ], ["review", "--retry", "99999999999999999999"],
                 ["calls", "--limit", "99999999999999999999"], ["jobs", "--limit", "99999999999999999999"]):
        with pytest.raises(SystemExit) as exit_:
            cli(*argv)
        assert exit_.value.code == 2, argv
    code, _, err = cli("calls", "9223372036854775807")  # the largest the store holds: simply not there
    assert code != 0 and "does not exist" in err and "Traceback" not in err
