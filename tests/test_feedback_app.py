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
