"""Learning the team's own standard: per criterion, a sentence model fitted on the manager's corrections.

Every override of a criterion's score and every "right / wrong evidence" mark on a quote labels
sentences of that call (review.sentence_model.training_rows). Once a criterion has corrections on
sentence_model.MIN_CALLS calls, `fit_criterion`
fits its sentence model; the call's verdict is then the model's best sentence, and its evidence
the sentences the model ranks highest (`decide`). The store keeps the fitted models, versioned
(review.store: a JSON blob per version; a reset is a version without a model). Stored models of
the former call-level kind are ignored and refitted from the same corrections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import judge
from .schema import Criterion
from .sentence_model import CallLabels, Rows, SentenceModel, call_threshold, fit, training_rows

REFINE = 1  # refits that pick "the sentence that shows it" by the fitted model instead of the judge
FIT_THRESHOLD = False  # the call threshold is fitted on the overridden calls (else the model's 50%)
PROBES_FROM_MARKS = True  # marked quotes also join the criterion's good / poor examples (review.judge)


def fit_criterion(criterion_id: str, labelled: Sequence[tuple[judge.CallView, CallLabels]]) -> SentenceModel | None:
    """The criterion's sentence model from its corrected calls, or None with too few or one answer only."""
    labelled = [(v, lab) for v, lab in labelled if v.sentences and criterion_id in v.signals]
    if not labelled:
        return None
    dim = labelled[0][0].vectors.shape[1]
    positives = sum(bool(lab.present or (lab.present is None and lab.right)) for _, lab in labelled)
    model = None
    for _ in range(1 + REFINE):
        rows = Rows.empty(dim)
        for view, lab in labelled:
            signals = view.signals[criterion_id]
            rank = None if model is None else model.logits(signals, view.vectors)
            rows = rows + training_rows(signals, view.vectors, view.sentences, lab, rank)
        model = fit(rows, len(labelled), positives)
        if model is None:
            return None
    if FIT_THRESHOLD:
        overridden = [(v, lab) for v, lab in labelled if lab.present is not None]
        best = [float(np.max(model.logits(v.signals[criterion_id], v.vectors))) for v, _ in overridden]
        keep = [np.isfinite(b) for b in best]
        model.threshold = call_threshold([b for b, k in zip(best, keep) if k],
                                         [bool(lab.present) for (_, lab), k in zip(overridden, keep) if k])
    return model


def decide(view: judge.CallView, criterion_id: str, model: SentenceModel, version: int = 0) -> judge.Judgement:
    """The criterion's judgement in a call as its sentence model decides it."""
    signals = view.signals[criterion_id]
    logits = model.logits(signals, view.vectors)
    found = judge.verdict(criterion_id, view.sentences, signals, logits - model.threshold, threshold=0.0)
    probability = float(1.0 / (1.0 + np.exp(-np.clip(found.score, -30, 30)))) if signals.eligible.any() else 0.0
    return replace(found, calibrated=model.examples, probability=probability, calibration_version=version)


def judge_view(view: judge.CallView, criteria: Sequence[Criterion],
               active: dict[str, ActiveCalibration]) -> dict[str, judge.Judgement]:
    """Every criterion's judgement: the calibrated ones by their model, the others by the judge."""
    plain = judge.view_verdicts(view, criteria)
    if not view.sentences:
        return plain
    return {cid: decide(view, cid, active[cid].model, active[cid].version) if cid in active else j
            for cid, j in plain.items()}


@dataclass
class ActiveCalibration:
    model: SentenceModel
    version: int


def _labels_sha(calls) -> str:
    from .hashing import sha256_json
    from .sentence_model import KIND

    return sha256_json([KIND] + [(c.review_id, c.present, c.right, c.wrong, c.updated_at) for c in calls])


def last_resets(store, methodology_id: str) -> dict[str, str]:
    """criterion id -> when its calibration was last reset (corrections before it no longer count)."""
    return {r.criterion_id: r.created_at for r in store.calibration_history(methodology_id) if r.model is None}


def refresh(store, methodology_id: str, criteria: Sequence[Criterion], embed: judge.Embed,
            criterion_vectors: dict[str, judge.CriterionVectors]) -> dict[str, ActiveCalibration]:
    """The calibration each criterion is scored with, refitted when its corrections changed.

    store: review.store.Store. embed / criterion_vectors: as the review judges with them (a refit
    re-splits and re-embeds the corrected calls' stored transcripts the same way). A new fit is
    stored as a new version; with too few corrections a criterion stays uncalibrated.
    Returns criterion id -> the active model and its version, for calibrated criteria only.
    """
    latest = {r.criterion_id: r for r in store.calibration_history(methodology_id)}
    labelled = store.labelled_calls(methodology_id, last_resets(store, methodology_id))
    views: dict[int, judge.CallView | None] = {}

    def view(call) -> judge.CallView | None:
        if call.review_id not in views:
            transcript = store.get_transcript(call.call_id, call.transcript_version)
            views[call.review_id] = None if transcript is None else judge.view_call(
                transcript, criteria, embed, criterion_vectors)
        return views[call.review_id]

    active: dict[str, ActiveCalibration] = {}
    for c in criteria:
        mine = labelled.get(c.id, [])
        sha = _labels_sha(mine)
        record = latest.get(c.id)
        if record is not None and record.examples_sha256 == sha:
            model = None if record.model is None else SentenceModel.from_dict(record.model)
            if model is not None:
                active[c.id] = ActiveCalibration(model, record.version)
            if model is not None or record.model is None:
                continue  # unchanged (or reset with no correction since); an old kind is refitted
        pairs = [(v, CallLabels(x.present, list(x.right), list(x.wrong))) for x in mine if (v := view(x)) is not None]
        model = fit_criterion(c.id, pairs) if pairs else None
        if model is not None:
            version = store.save_calibration(methodology_id, c.id, model.to_dict(), model.examples, model.positives,
                                             sha)
            active[c.id] = ActiveCalibration(model, version)
    return active


def reset(store, methodology_id: str, criterion_id: str, author: str = "manager") -> int:
    """Back to the uncalibrated judge; corrections made before now are not used again. The version."""
    return store.save_calibration(methodology_id, criterion_id, None, 0, 0, "reset", author=author)
