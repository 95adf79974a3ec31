"""Learning from the manager: the calibration model, its round trip through the store, and the
CLI end to end (review real dialogues, mark evidence, a later review is calibrated, reset)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_judge import bag_of_words

from review import calibration, judge
from review.errors import StoreError
from review.sentence_model import CallLabels, SentenceModel
from review.store import Store

DATA = Path(__file__).resolve().parent / "data" / "persuasion"


def view(rows: list[tuple[int, list[float]]], judge_score: float = 0.7) -> judge.CallView:
    """A call as the judge sees it: one sentence per (segment id, vector), every one eligible and
    given the same judge score (a judge that cannot tell them apart)."""
    vectors = np.array([v for _, v in rows], dtype=float)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    n = len(rows)
    sentences = [judge.Sentence(seg, f"sentence {seg}", "rep", False) for seg, _ in rows]
    signals = judge.Signals(np.full(n, judge_score), np.full(n, 0.5), 0.5, np.zeros(n), np.zeros(n),
                            np.ones(n, dtype=bool))
    return judge.CallView(sentences, vectors, {"c": signals})


SHOWS, OTHER, TOPIC = [1.0, 0.1, 0.0], [0.0, 1.0, 0.1], [0.1, 0.0, 1.0]


def test_a_handful_of_marks_teaches_a_separable_criterion_and_its_evidence():
    # the judge calls every sentence present; the manager marks the sentence along SHOWS right, others wrong
    calls = [(view([(1, OTHER), (2, SHOWS), (3, TOPIC)]), CallLabels(right=[2], wrong=[1, 3])),
             (view([(1, TOPIC), (2, OTHER), (3, SHOWS)]), CallLabels(right=[3], wrong=[1, 2])),
             (view([(1, SHOWS), (2, TOPIC)]), CallLabels(right=[1], wrong=[2]))]
    model = calibration.fit_criterion("c", calls)
    assert model is not None and model.examples == 3 and model.sentences == 8
    shown = calibration.decide(view([(4, TOPIC), (5, SHOWS), (6, OTHER)]), "c", model, version=2)
    assert shown.present and shown.evidence[0] == 5 and shown.calibrated == 3 and shown.calibration_version == 2
    assert not calibration.decide(view([(4, TOPIC), (6, OTHER)]), "c", model).present
    assert judge.view_verdicts(view([(4, TOPIC), (6, OTHER)]), [_criterion()])["c"].present  # the judge alone
    again = SentenceModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again is not None and again.weights == model.weights


def test_overrides_to_absent_silence_a_criterion_the_judge_over_calls():
    calls = [(view([(1, OTHER), (2, TOPIC)]), CallLabels(present=False)) for _ in range(4)]
    assert calibration.fit_criterion("c", calls[:2]) is None  # too few calls: the judge decides
    model = calibration.fit_criterion("c", calls)
    assert model is not None and model.positives == 0
    assert not calibration.decide(view([(3, TOPIC), (4, OTHER)]), "c", model).present


def test_overrides_alone_find_the_sentence_that_shows_a_criterion_the_judge_under_calls():
    # no quote is marked: the calls overridden to present hold a sentence along SHOWS somewhere, the others don't
    present = [view([(1, TOPIC), (2, SHOWS), (3, OTHER)], 0.4), view([(1, SHOWS), (2, OTHER)], 0.4),
               view([(1, OTHER), (2, TOPIC), (3, SHOWS)], 0.4)]
    absent = [view([(1, TOPIC), (2, OTHER)], 0.4), view([(1, OTHER), (2, TOPIC), (3, OTHER)], 0.4),
              view([(1, TOPIC), (2, TOPIC)], 0.4)]
    model = calibration.fit_criterion("c", [(v, CallLabels(present=True)) for v in present] +
                                      [(v, CallLabels(present=False)) for v in absent])
    assert model is not None and model.examples == 6 and model.positives == 3 and model.sentences == 0
    new = view([(7, OTHER), (8, TOPIC), (9, SHOWS)], 0.4)
    assert not judge.view_verdicts(new, [_criterion()])["c"].present
    found = calibration.decide(new, "c", model)
    assert found.present and found.evidence[0] == 9
    assert not calibration.decide(view([(7, OTHER), (8, TOPIC)], 0.4), "c", model).present


def test_with_few_corrections_the_prior_keeps_the_judges_answer_on_clear_cases():
    calls = [(view([(1, OTHER), (2, SHOWS)]), CallLabels(present=True)),
             (view([(1, OTHER), (2, TOPIC)], judge_score=0.3), CallLabels(present=False)),
             (view([(1, SHOWS), (2, TOPIC)]), CallLabels(right=[1]))]
    model = calibration.fit_criterion("c", calls)
    assert model is not None
    assert calibration.decide(view([(3, SHOWS)], judge_score=0.95), "c", model).present
    assert not calibration.decide(view([(3, OTHER)], judge_score=0.1), "c", model).present


def test_an_old_call_level_model_is_not_a_sentence_model():
    assert SentenceModel.from_dict({"weights": [1.0] * 8, "examples": 5, "positives": 2}) is None


def _criterion():
    from types import SimpleNamespace

    return SimpleNamespace(id="c")  # view_verdicts reads only the id


# --------------------------------------------------------------------------- CLI, end to end


def test_marks_in_the_cli_calibrate_a_later_review_and_reset_undoes_it(cli, settings, tmp_path):
    dialogues = sorted((DATA / "dialogues").glob("*.txt"))[:8]
    folder = tmp_path / "calls"
    folder.mkdir()
    for path in dialogues[:7]:
        shutil.copy(path, folder / path.name)
    assert cli("methodology", "import", str(DATA / "persuasion.yaml"))[0] == 0
    code, _, err = cli("review", str(folder), "--methodology", "persuasion", "--rep-speaker", "Persuader")
    assert code == 0, err
    store = Store.from_settings(settings)
    every = [store.latest_review(c.id) for c in store.list_calls()]
    assert len(every) == 7 and all(r.scorecard.provenance.judge_signals for r in every)

    def cites(review, criterion_id):
        return bool(next(x for x in review.scorecard.criteria if x.id == criterion_id).evidence)

    # the criterion the judge cited evidence for in the most calls; five of those calls get marks
    cid = max((c.id for c in every[0].scorecard.criteria), key=lambda k: sum(cites(r, k) for r in every))
    reviews = [r for r in every if cites(r, cid)][:5]
    assert len(reviews) == 5, "the judge found no criterion in five of the seven calls"

    code, _, err = cli("feedback", "mark", str(reviews[0].id), cid, "999", "right")
    assert code == 2 and err.count("\n") == 1 and "is not a quote of" in err
    for i, review in enumerate(reviews):
        quote = next(x for x in review.scorecard.criteria if x.id == cid).evidence[0]
        code, out, err = cli("feedback", "mark", str(review.id), cid, str(quote.segment_id),
                             "right" if i % 2 == 0 else "wrong")
        assert code == 0, err
    assert f"{len(reviews)} corrected call(s)" in out
    assert len(store.evidence_marks(reviews[0].id)) == 1

    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(dialogues[7], later / dialogues[7].name)
    code, _, err = cli("review", str(later / dialogues[7].name), "--methodology", "persuasion",
                       "--rep-speaker", "Persuader")
    assert code == 0, err
    newest = store.latest_review(max(c.id for c in store.list_calls()))
    assert newest.scorecard.provenance.calibration[cid] == {"version": 1, "examples": 5}
    assert "calibrated model (5 calls corrected by a manager)" in next(
        x for x in newest.scorecard.criteria if x.id == cid).rationale
    code, out, _ = cli("calibration", "list")
    assert code == 0 and cid in out and "calibrated" in out

    code, out, _ = cli("calibration", "reset", "persuasion", cid)
    assert code == 0 and "reset (version 2)" in out
    code, _, err = cli("review", str(later / dialogues[7].name), "--methodology", "persuasion",
                       "--rep-speaker", "Persuader")
    assert code == 0, err
    after = store.latest_review(max(c.id for c in store.list_calls()))
    assert after.id != newest.id and cid not in after.scorecard.provenance.calibration
    assert store.marked_quotes("persuasion", calibration.last_resets(store, "persuasion")).get(cid) is None
    assert "reset" in cli("calibration", "list")[1]


def test_a_mark_names_what_is_wrong_in_one_line(settings):
    store = Store.from_settings(settings)
    with pytest.raises(StoreError, match="does not exist"):
        store.add_evidence_mark(42, "c", 1, "right")
    with pytest.raises(StoreError, match="right or wrong"):
        store.add_evidence_mark(42, "c", 1, "maybe")


def test_overrides_and_marks_label_calls_refit_when_they_change_and_reset(settings):
    from test_app import draft_for, scorecard_for, transcript

    store = Store.from_settings(settings)
    t = transcript()
    review_ids = []
    for i in range(6):
        call_id = store.add_call(filename=f"c{i}.json", audio_sha256=None, stored_path=None, rep="A",
                                 call_date="2026-11-20", call_type="discovery", methodology_id="discovery",
                                 title=f"c{i}")
        store.save_transcript(call_id, t)
        review_ids.append(store.save_review(call_id, scorecard_for(t), draft_for(), None))
    store.add_evidence_mark(review_ids[0], "agenda_set", 2, "right")
    store.add_evidence_mark(review_ids[1], "agenda_set", 2, "right")
    store.add_override(review_ids[1], "agenda_set", 0, "no agenda, only small talk")  # wins over the mark
    for rid, score in zip(review_ids[2:], (2, 0, 1, 0), strict=True):
        store.add_override(rid, "agenda_set", score, "manager's view")
    labelled = store.labelled_calls("discovery")["agenda_set"]
    assert [(c.review_id, c.present, c.right) for c in labelled] == [
        (review_ids[0], None, [2]), (review_ids[1], False, [2]), (review_ids[2], True, []),
        (review_ids[3], False, []), (review_ids[4], True, []), (review_ids[5], False, [])]
    criteria = _discovery().methodology.criteria
    vectors = judge.embed_criteria(criteria, bag_of_words)
    active = calibration.refresh(store, "discovery", criteria, bag_of_words, vectors)
    assert list(active) == ["agenda_set"]
    assert active["agenda_set"].version == 1 and active["agenda_set"].model.examples == 6
    again = calibration.refresh(store, "discovery", criteria, bag_of_words, vectors)
    assert again["agenda_set"].version == 1  # unchanged: no refit
    store.add_override(review_ids[0], "agenda_set", 0, "on second thoughts")
    refit = calibration.refresh(store, "discovery", criteria, bag_of_words, vectors)["agenda_set"]
    assert refit.version == 2 and refit.model.positives == 2
    assert calibration.reset(store, "discovery", "agenda_set") == 3
    assert calibration.refresh(store, "discovery", criteria, bag_of_words, vectors) == {}  # back to the judge
    assert store.marked_quotes("discovery") == {"agenda_set": ([q.quote for q in scorecard_for(t).criteria[0].evidence] * 2, [])}


def test_an_old_call_level_model_in_the_store_is_refitted_not_a_crash(settings):
    from test_app import draft_for, scorecard_for, transcript

    store = Store.from_settings(settings)
    store.save_calibration("discovery", "agenda_set", {"weights": [1.0] * 8, "examples": 5, "positives": 2}, 5, 2,
                           "old")
    criteria = _discovery().methodology.criteria
    vectors = judge.embed_criteria(criteria, bag_of_words)
    assert calibration.refresh(store, "discovery", criteria, bag_of_words, vectors) == {}
    review_ids = []
    for i in range(3):
        call_id = store.add_call(filename=f"c{i}.json", audio_sha256=None, stored_path=None, rep="A",
                                 call_date="2026-11-20", call_type="discovery", methodology_id="discovery",
                                 title=f"c{i}")
        store.save_transcript(call_id, transcript())
        review_ids.append(store.save_review(call_id, scorecard_for(transcript()), draft_for(), None))
        store.add_override(review_ids[-1], "agenda_set", 0, "not here")
    active = calibration.refresh(store, "discovery", criteria, bag_of_words, vectors)
    assert active["agenda_set"].version == 2 and active["agenda_set"].model.kind == "sentence"


def _discovery():
    from review.methodology import MethodologyLibrary
    from review.settings import load_settings

    return MethodologyLibrary(load_settings()).get("discovery")
