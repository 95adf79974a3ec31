# ruff: noqa: F811  (pytest fixtures imported from test_app are used as parameters)
"""The rep's self-review: the rep rates their own call before the session, only the rep writes it,
every save is kept, and the manager reads it beside the scorecard (overrides applied), where the
two differ first."""

from __future__ import annotations

import json

import pytest
from test_app import add_account, app, seams, store, store_review, texts, tiny_wav  # noqa: F401

from review import auth
from review.auth import AccessDenied
from review.errors import InputError
from review.self_review import SELF_REVIEW_KEY, SelfReview, compare, dump, parse
from review.store.scoped import ScopedStore


def _team(store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    add_account(store, "sam", "rep", "Sam Ortiz", team="east")
    add_account(store, "wes", "rep", "Wes Hall", team="east")
    store.assign_rep("Sam Ortiz", "east")
    store.assign_rep("Wes Hall", "east")
    return store_review(store, tiny_wav(tone=5), "sam-call.wav", rep="Sam Ortiz")


def test_levels_are_checked_against_the_scorecard_and_differences_come_first(store):
    card = _team(store).scorecard  # agenda_set 2/2, pain_quantified 0/2, next_step_dated 1/2
    mine = SelfReview(levels={"agenda_set": 2, "pain_quantified": 2}, notes={"next_step_dated": " I set a date ",
                                                                            "agenda_set": ""}, reflection="Ask cost.")
    stored = json.loads(dump(mine, card))
    assert stored == {"levels": {"agenda_set": 2, "pain_quantified": 2}, "notes": {"next_step_dated": "I set a date"},
                      "reflection": "Ask cost."}
    lines = compare(parse(dump(mine, card)), card)
    assert [(line.criterion_id, line.rep_level, line.score, line.gap) for line in lines] == [
        ("pain_quantified", 2, 0, "rates it higher"), ("agenda_set", 2, 2, ""), ("next_step_dated", None, 1, "")]
    for bad, message in ((SelfReview(levels={"pain_quantified": 3}), "level 3 is outside 0-2"),
                         (SelfReview(levels={"pain_quantified": -1}), "outside 0-2"),
                         (SelfReview(levels={"budget": 1}), "'budget' is not on this scorecard"),
                         (SelfReview(notes={"agenda_set": "x" * 2001}), "over 2000 characters"),
                         (SelfReview(reflection="x" * 5001), "over 5000 characters")):
        with pytest.raises(InputError, match=message):
            dump(bad, card)
    assert parse(None).is_empty()
    with pytest.raises(InputError, match="could not be read; write it again"):
        parse("{not json")


def test_only_the_rep_writes_their_self_review(store):
    call = _team(store)
    sam, wes, kim = (ScopedStore(store, auth.scope_for(store, name)) for name in ("sam", "wes", "kim"))
    first = sam.save_document(call.review_id, SELF_REVIEW_KEY, dump(SelfReview(levels={"agenda_set": 1}),
                                                                     call.scorecard), None)
    sam.save_document(call.review_id, SELF_REVIEW_KEY, dump(SelfReview(levels={"agenda_set": 2}), call.scorecard),
                      first)
    history = store.document_history(call.review_id, SELF_REVIEW_KEY)
    assert [(v.author, json.loads(v.content)["levels"]) for v in history] == [
        ("Sam Ortiz", {"agenda_set": 1}), ("Sam Ortiz", {"agenda_set": 2})]  # every save kept
    assert kim.get_document(call.review_id, SELF_REVIEW_KEY)[1] == 2  # the manager reads it
    with pytest.raises(AccessDenied, match="the self-review is the rep's own"):
        kim.save_document(call.review_id, SELF_REVIEW_KEY, "{}", 2)
    with pytest.raises(AccessDenied, match="not in your calls"):
        wes.save_document(call.review_id, SELF_REVIEW_KEY, "{}", 2)  # another rep's call, same team
    # writing the self-review opens nothing else of the review to the rep
    with pytest.raises(AccessDenied, match="may read this review but not change it"):
        sam.save_document(call.review_id, "agenda/set_stage", "my agenda", None)
    with pytest.raises(AccessDenied, match="may read this review but not change it"):
        sam.add_override(call.review_id, "pain_quantified", 2, "I did ask")


def test_the_rep_rates_the_call_and_the_manager_sees_where_they_differ(seams, store):
    call = _team(store)
    at = app("review", user="sam", call_id=call.call_id)
    assert "Self-review" in [t.label for t in at.tabs]
    level = at.selectbox(key=f"self_level_{call.review_id}_pain_quantified")
    assert level.options[0] == "Not rated" and level.options[-1].startswith("2 of 2 \u00b7 ")  # the level's label
    level.set_value("2")
    at.text_input(key=f"self_note_{call.review_id}_pain_quantified").input("I asked what the delays cost them")
    at.text_area(key=f"self_reflection_{call.review_id}").input("Confirm the cost in numbers before the demo.")
    next(b for b in at.button if b.label == "Save my self-review").click().run()
    assert not at.exception and not at.error
    assert any("Saved" in s.value for s in at.success)
    assert parse(store.get_document(call.review_id, SELF_REVIEW_KEY)[0]).levels == {"pain_quantified": 2}
    # the Calls list says so, to the manager and to the rep
    assert "The rep wrote a self-review" in texts(app(user="kim"))
    assert "Your self-review written" in texts(app(user="sam"))
    # the rep's page opens with what they saved
    again = app("review", user="sam", call_id=call.call_id)
    assert again.selectbox(key=f"self_level_{call.review_id}_pain_quantified").value == "2"
    # the manager: on the call page and in Coaching prep, no form, the difference named
    for page in ("review", "prep"):
        kim = app(page, user="kim", call_id=call.call_id)
        shown = texts(kim)
        assert "Self-review by Sam Ortiz on" in shown and "differs from the scorecard on 1 of 1" in shown, page
        assert "the rep 2/2, the scorecard 0/2" in shown and "rates it higher" in shown
        assert "I asked what the delays cost them" in shown and "Confirm the cost in numbers" in shown
        assert not [b for b in kim.button if b.label == "Save my self-review"]
    # an override that agrees with the rep: no difference left
    store.add_override(call.review_id, "pain_quantified", 2, "they did quantify it")
    assert "differs from the scorecard on 0 of 1" in texts(app("review", user="kim", call_id=call.call_id))


def test_the_manager_is_told_when_there_is_no_self_review(seams, store):
    call = _team(store)
    assert "has not written a self-review of this call yet" in texts(app("review", user="kim", call_id=call.call_id))
    assert "self-review" not in texts(app(user="kim"))  # nothing on the Calls list either


def test_the_prep_note_export_carries_the_self_review_for_the_manager_only(seams, store, monkeypatch):
    from review.ui import exports

    call = _team(store)
    sam = ScopedStore(store, auth.scope_for(store, "sam"))
    sam.save_document(call.review_id, SELF_REVIEW_KEY, dump(SelfReview(
        levels={"next_step_dated": 2}, notes={"next_step_dated": "We *booked* Tuesday"},
        reflection="Ask who else joins."), call.scorecard), None)
    review = store.get_review(call.review_id)
    note = exports._with_self_review(store, review, call.scorecard, "# Prep note\n\nBody.\n")
    assert note.startswith("# Prep note\n\nBody.\n\n**The rep's self-review** (Sam Ortiz, ")
    assert ("- Next step with a date: the rep 2/2, the scorecard 1/2 \u2014 **rates it higher**: "
            "\u201cWe \\*booked\\* Tuesday\u201d") in note  # the rep's words escaped, shown as written
    assert note.rstrip().endswith("- What they would do differently: \u201cAsk who else joins.\u201d")
    assert exports._with_self_review(store, store.get_review(store_review(
        store, tiny_wav(tone=6), "other.wav", rep="Sam Ortiz").review_id), call.scorecard, "n\n") == "n\n"
    # a damaged one (written by hand into the database) does not hold up the export
    store.save_document(call.review_id, SELF_REVIEW_KEY, "{damaged", 1, author="Sam Ortiz")
    assert exports._with_self_review(store, review, call.scorecard, "n\n").endswith(
        "**The rep's self-review** could not be read; ask the rep to save it again.\n")
    at = app("review", user="kim", call_id=call.call_id)
    assert not at.exception and any("could not be read; write it again" in e.value for e in at.error)
    # the rep is told, and writes it again over the damaged one
    add_account(store, "sam", "rep", "Sam Ortiz", team="east")
    at = app("review", user="sam", call_id=call.call_id)
    assert any("could not be read; write it again" in e.value for e in at.error)
    at.text_area(key=f"self_reflection_{call.review_id}").input("Ask who else joins.")
    next(b for b in at.button if b.label == "Save my self-review").click().run()
    assert not at.error and parse(store.get_document(call.review_id, SELF_REVIEW_KEY)[0]).reflection
    store.save_document(call.review_id, SELF_REVIEW_KEY, "{damaged", 3, author="Sam Ortiz")  # for what follows
    # the Export tab builds the manager's prep note with it, and the rep's export has no prep note at all
    built = []
    real = exports._with_self_review
    monkeypatch.setattr(exports, "_with_self_review", lambda *a: built.append(a[1].id) or real(*a))
    app("prep", user="kim", call_id=call.call_id)
    assert built == [call.review_id]
    store.save_document(call.review_id, "shared_with_rep", "on", None)
    app("prep", user="sam", call_id=call.call_id)
    assert built == [call.review_id]


def test_a_later_review_of_the_call_shows_the_reps_latest_self_review(seams, store):
    """A re-score or a new rep makes a new review; the rep's view of the call stays, and their next
    save goes on the review they read."""
    from test_app import scorecard_for, transcript

    call = _team(store)
    sam = ScopedStore(store, auth.scope_for(store, "sam"))
    sam.save_document(call.review_id, SELF_REVIEW_KEY, dump(SelfReview(levels={"pain_quantified": 2}),
                                                             call.scorecard), None)
    newer = store.save_review(call.call_id, scorecard_for(transcript(), 1), None, None)
    kim = texts(app("review", user="kim", call_id=call.call_id))
    assert "Self-review by Sam Ortiz on" in kim and "(on an earlier review of this call)" in kim
    assert "the rep 2/2, the scorecard 1/2" in kim  # against the review shown
    assert "The rep wrote a self-review" in texts(app(user="kim"))
    at = app("review", user="sam", call_id=call.call_id)
    assert at.selectbox(key=f"self_level_{newer}_pain_quantified").value == "2"  # opens with what they wrote
    at.selectbox(key=f"self_level_{newer}_pain_quantified").set_value("1")
    next(b for b in at.button if b.label == "Save my self-review").click().run()
    assert not at.error and parse(store.get_document(newer, SELF_REVIEW_KEY)[0]).levels == {"pain_quantified": 1}
    assert parse(store.get_document(call.review_id, SELF_REVIEW_KEY)[0]).levels == {"pain_quantified": 2}  # kept
    assert "(on an earlier review" not in texts(app("review", user="kim", call_id=call.call_id))
