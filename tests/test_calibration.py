"""Learning from the manager: the calibration model, its round trip through the store, and the
CLI end to end (review real dialogues, mark evidence, a later review is calibrated, reset)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from review import calibration, judge
from review.errors import StoreError
from review.store import Store

DATA = Path(__file__).resolve().parent / "data" / "persuasion"


def features(best: float) -> list[float]:
    return [best, best, 0.1, 0.1, 1.0, 1.0, 0.3]


def judgement(best: float) -> judge.Judgement:
    return judge.Judgement("c", best >= judge.THRESHOLD, best, [1], "a sentence", features(best))


def test_too_few_examples_or_one_answer_gives_no_model():
    four = [calibration.Example(features(0.9), True)] * 3 + [calibration.Example(features(0.1), False)]
    assert calibration.fit(four) is None
    assert calibration.fit(four + [calibration.Example(features(0.2), False)]) is not None
    assert calibration.fit([calibration.Example(features(0.9), True)] * 8) is None


def test_the_model_learns_a_team_threshold_other_than_the_judges():
    # The team counts it present only from a best score of 0.8: the judge's 0.52 says yes to 0.6-0.7.
    examples = [calibration.Example(features(s), s >= 0.8) for s in (0.55, 0.6, 0.65, 0.7, 0.85, 0.9, 0.95, 1.0)] * 3
    model = calibration.fit(examples)
    assert model is not None and model.examples == 24 and model.positives == 12
    assert judgement(0.65).present and not calibration.apply(judgement(0.65), model).present
    assert calibration.apply(judgement(0.95), model).present
    decided = calibration.apply(judgement(0.65), model, version=3)
    assert decided.calibrated == 24 and decided.calibration_version == 3 and decided.probability < 0.5
    again = calibration.CalibrationModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.probability(features(0.65)) == pytest.approx(model.probability(features(0.65)))


def test_with_few_examples_the_prior_keeps_the_judges_answer_on_clear_cases():
    model = calibration.fit([calibration.Example(features(s), s > 0.5) for s in (0.3, 0.4, 0.6, 0.7, 0.8)])
    assert model is not None
    assert calibration.apply(judgement(0.9), model).present
    assert not calibration.apply(judgement(0.2), model).present


# --------------------------------------------------------------------------- CLI, end to end


@pytest.fixture(scope="module")
def embed():
    from review.embeddings import make_embedding_function
    from review.settings import load_settings

    return make_embedding_function(load_settings(env={}))


@pytest.fixture
def cli(settings, embed, monkeypatch, capsys):
    from review.cli import main

    monkeypatch.setattr("review.embeddings.make_embedding_function", lambda settings: embed)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


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
    assert f"{len(reviews)} labelled example(s)" in out
    assert len(store.evidence_marks(reviews[0].id)) == 1

    later = tmp_path / "later"
    later.mkdir()
    shutil.copy(dialogues[7], later / dialogues[7].name)
    code, _, err = cli("review", str(later / dialogues[7].name), "--methodology", "persuasion",
                       "--rep-speaker", "Persuader")
    assert code == 0, err
    newest = store.latest_review(max(c.id for c in store.list_calls()))
    assert newest.scorecard.provenance.calibration[cid] == {"version": 1, "examples": 5,
                                                             "marked_right": 3, "marked_wrong": 2}
    assert "calibrated model (5 manager-labelled examples)" in next(
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


def test_overrides_and_marks_are_examples_the_latest_override_winning(settings):
    from test_app import draft_for, scorecard_for, transcript

    store = Store.from_settings(settings)
    t = transcript()
    review_ids = []
    for i, best in enumerate((0.9, 0.2, 0.8, 0.3, 0.7, 0.25)):
        call_id = store.add_call(filename=f"c{i}.json", audio_sha256=None, stored_path=None, rep="A",
                                 call_date="2026-11-20", call_type="discovery", methodology_id="discovery",
                                 title=f"c{i}")
        card = scorecard_for(t)
        card.provenance.judge_signals = {"agenda_set": features(best)}
        review_ids.append(store.save_review(call_id, card, draft_for(), None))
    store.add_evidence_mark(review_ids[0], "agenda_set", 2, "right")
    store.add_evidence_mark(review_ids[1], "agenda_set", 2, "right")
    store.add_override(review_ids[1], "agenda_set", 0, "no agenda, only small talk")  # wins over the mark
    for rid, score in zip(review_ids[2:], (2, 0, 1, 0), strict=True):
        store.add_override(rid, "agenda_set", score, "manager's view")
    examples = store.labelled_examples("discovery")["agenda_set"]
    assert [(e.review_id, e.present, e.source) for e in examples] == [
        (review_ids[0], True, "mark"), (review_ids[1], False, "override"), (review_ids[2], True, "override"),
        (review_ids[3], False, "override"), (review_ids[4], True, "override"), (review_ids[5], False, "override")]
    active = calibration.refresh(store, "discovery", ["agenda_set"])
    assert active["agenda_set"].version == 1 and active["agenda_set"].model.examples == 6
    assert calibration.refresh(store, "discovery", ["agenda_set"])["agenda_set"].version == 1  # unchanged: no refit
    assert store.marked_quotes("discovery") == {"agenda_set": ([q.quote for q in scorecard_for(t).criteria[0].evidence] * 2, [])}
