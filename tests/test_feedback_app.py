"""The app's right / wrong evidence buttons reach the store, make a labelled example, and a later
review is calibrated on it (its provenance says so and the page shows it, with a reset)."""

from __future__ import annotations

from test_app import app, seams, store, store_review, texts, tiny_wav  # noqa: F401 (fixtures)

from review import calibration, judge
from review.score import score_call
from review.types import Candidate


def with_signals(db, result, best: float) -> int:
    """Store the review again with the judge's signals in its provenance (what the pipeline keeps)."""
    card = result.scorecard.model_copy(deep=True)
    card.provenance.judge_signals = {"agenda_set": [best, best, 0.1, 0.2, 1.0, 1.0, 0.3]}
    return db.save_review(result.call_id, card, result.draft, None)


def test_marks_in_the_app_calibrate_a_later_review(seams, store):  # noqa: F811
    review_ids = []
    for i, best in enumerate((0.9, 0.3, 0.8, 0.35, 0.85)):
        result = store_review(store, tiny_wav(tone=60 + i), f"mark{i}.wav")
        review_ids.append((result.call_id, with_signals(store, result, best)))
    for (_, rid), verdict in zip(review_ids[:4], ("right", "wrong", "right", "wrong"), strict=True):
        store.add_evidence_mark(rid, "agenda_set", 2, verdict)

    call_id, rid = review_ids[4]
    at = app("review", call_id=call_id)
    button = next(b for b in at.button if b.key == f"mark_{rid}_agenda_set_0_right")
    button.click().run()
    assert not at.exception
    marks = store.evidence_marks(rid)
    assert [(m.criterion_id, m.segment_id, m.verdict) for m in marks] == [("agenda_set", 2, "right")]
    assert next(b for b in at.button if b.key == f"mark_{rid}_agenda_set_0_right").proto.type == "primary"

    # the next review of a call: the engine refits from the five examples and says so
    vectors = judge.embed_criteria(_criteria(), _embed)
    active = calibration.refresh(store, "discovery", _criteria(), _embed, vectors)
    assert list(active) == ["agenda_set"] and active["agenda_set"].model.examples == 5
    from test_app import transcript

    t = transcript()
    found = calibration.judge_view(judge.view_call(t, _criteria(), _embed, vectors), _criteria(), active)
    assert found["agenda_set"].calibrated == 5 and found["pain_quantified"].calibrated == 0
    loaded = _loaded()
    cands = {c.id: [Candidate(criterion_id=c.id, segment_ids=[s.id], speaker=s.speaker, role=s.role,
                              start=s.start, end=s.end, text=s.text, similarity=0.0) for s in t.segments]
             for c in loaded.methodology.criteria}
    card = score_call(t, loaded, cands, None, None, judgements=found)
    assert card.provenance.calibration["agenda_set"] == {"version": 1, "examples": 5}

    later = store_review(store, tiny_wav(tone=70), "later.wav")
    card.methodology_id = "discovery"
    store.save_review(later.call_id, card, later.draft, None)
    at = app("review", call_id=later.call_id)
    assert "Calibrated for your team on 5 calls corrected by a manager (version 1)." in texts(at)
    next(b for b in at.button if b.key.startswith("reset_cal_")).click().run()
    assert not at.exception
    assert [r.model for r in store.calibrations("discovery")] == [None]
    assert calibration.refresh(store, "discovery", _criteria(), _embed, vectors) == {}


def _loaded():
    from review.methodology import MethodologyLibrary
    from review.settings import load_settings

    return MethodologyLibrary(load_settings()).get("discovery")


def _criteria():
    return _loaded().methodology.criteria


def _embed(texts):
    from test_judge import bag_of_words

    return bag_of_words(texts)


def test_a_moment_the_ai_missed_is_added_played_taken_back_and_learned(seams, store, cli):  # noqa: F811
    """Pain quantified has no quote: the manager picks the turn that shows it; it is listed under the
    criterion with its play button, becomes a labelled example, and can be taken back."""
    import pytest

    from review.errors import StoreError

    result = store_review(store, tiny_wav(tone=80), "missed.wav")
    rid, seg = result.review_id, result.transcript.segments[3]
    at = app("review", call_id=result.call_id)
    at.selectbox(key=f"missed_{rid}_pain_quantified").set_value(seg.id).run()
    next(b for b in at.button if b.key == f"missed_add_{rid}_pain_quantified").click().run()
    assert not at.exception
    assert [(m.criterion_id, m.segment_id, m.verdict) for m in store.evidence_marks(rid)] == [
        ("pain_quantified", seg.id, "right")]
    assert "(a moment you added)" in texts(at) and seg.text.split()[0] in texts(at)
    play = next(b for b in at.button if b.key == f"play_added_pain_quantified_{seg.id}")
    play.click().run()
    assert at.session_state[f"audio_start_{result.call_id}"] == seg.start
    [labelled] = store.labelled_calls("discovery")["pain_quantified"]
    assert (labelled.present, labelled.right, labelled.wrong) == (None, [seg.id], [])
    # taken back: it counts as not evidence and leaves the list
    next(b for b in at.button if b.key == f"unmark_{rid}_pain_quantified_{seg.id}").click().run()
    assert "(a moment you added)" not in texts(at)
    assert store.labelled_calls("discovery")["pain_quantified"][0].wrong == [seg.id]
    # the CLI marks any turn of the call too
    other = result.transcript.segments[4].id
    code, out, err = cli("feedback", "mark", str(rid), "pain_quantified", str(other), "right")
    assert code == 0, err
    assert store.labelled_calls("discovery")["pain_quantified"][0].right == [other]
    # the store refuses a turn that is not in the call, and "wrong" on a turn never cited nor added
    with pytest.raises(StoreError, match="must be a turn of the call"):
        store.add_evidence_mark(rid, "pain_quantified", 999, "right")
    with pytest.raises(StoreError, match="can only be marked right"):
        store.add_evidence_mark(rid, "pain_quantified", result.transcript.segments[1].id, "wrong")


def test_the_closest_moment_the_ai_found_is_played_and_marked_in_one_click(seams, store):  # noqa: F811
    """Pain quantified has no quote, but the judge's closest moment (not counted) is shown with its
    play button; "It shows it" makes it a labelled example, listed then as a moment the manager added."""
    from test_app import quote_of

    result = store_review(store, tiny_wav(tone=90), "nearest.wav")
    card = result.scorecard.model_copy(deep=True)
    seg = result.transcript.segments[3]
    card.criteria[1].nearest = quote_of(result.transcript, 3)
    rid = store.save_review(result.call_id, card, result.draft, None)
    at = app("review", call_id=result.call_id)
    assert "The closest moment the AI found (not counted)." in texts(at) and seg.text.split()[0] in texts(at)
    next(b for b in at.button if b.key == "play_nearest_pain_quantified").click().run()
    assert at.session_state[f"audio_start_{result.call_id}"] == seg.start
    next(b for b in at.button if b.key == f"nearest_right_{rid}_pain_quantified").click().run()
    assert not at.exception
    assert [(m.criterion_id, m.segment_id, m.verdict) for m in store.evidence_marks(rid)] == [
        ("pain_quantified", seg.id, "right")]
    assert "(a moment you added)" in texts(at) and "The closest moment the AI found" not in texts(at)
    assert not any(b.key == f"nearest_right_{rid}_pain_quantified" for b in at.button)
    # a criterion the AI quoted shows no closest moment
    assert not any(b.key.startswith("play_nearest_agenda_set") for b in at.button)
