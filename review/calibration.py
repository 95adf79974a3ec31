"""Learning the team's own standard: per criterion, a sentence model fitted on the manager's corrections.

Every override of a criterion's score and every "right / wrong evidence" mark on a quote labels
that call or its sentences (review.sentence_model.training_bag). Once a criterion has corrections
on sentence_model.MIN_CALLS calls, `fit_criterion` fits its sentence model, and the model decides
the criterion from then on (`decide`): present when the call's pooled sentence score says so, the
evidence being the sentences it ranks highest. A refit re-splits and re-embeds the corrected
calls' stored transcripts through the embedding seam (`refresh`), so nothing but the corrections
needs storing. The store keeps the fitted models, versioned (review.store: a JSON blob per
version; a reset is a version without a model). A stored model of the former call-level kind, or
one fitted on vectors of another size (another embedding model), is refitted from the same
corrections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from . import judge
from .schema import Criterion
from .sentence_model import SIGNALS, CallLabels, SentenceModel, fit_bags, pool, training_bag

REFINE = 1  # refits that pick "the sentence that shows it" by the fitted model instead of the judge
# Marked quotes no longer join the criterion's good / poor examples (review.judge): the sentence
# model learns from them, and as examples they made the marked sentences' own judge scores
# near-perfect in the calls the model is fitted on, a signal no new call has (tuning half:
# learning curve 0.34 - 0.38 with them, 0.37 - 0.39 without).
PROBES_FROM_MARKS = False


def fit_criterion(criterion_id: str, labelled: Sequence[tuple[judge.CallView, CallLabels]]) -> SentenceModel | None:
    """The criterion's sentence model from its corrected calls, or None with fewer than MIN_CALLS.

    labelled: each corrected call as the judge sees it, with what the manager said of this criterion.
    """
    labelled = [(v, lab) for v, lab in labelled if v.sentences and criterion_id in v.signals]
    positives = sum(bool(lab.present or (lab.present is None and lab.right)) for _, lab in labelled)
    model = None
    for _ in range(1 + REFINE):
        bags = []
        for view, lab in labelled:
            signals = view.signals[criterion_id]
            rank = None if model is None else model.logits(signals, view.vectors)
            bag = training_bag(signals, view.vectors, view.sentences, lab, rank)
            if bag is not None:
                bags.append(bag)
        model = fit_bags(bags, positives)
        if model is None:
            return None
    return model


def decide(view: judge.CallView, criterion_id: str, model: SentenceModel, version: int = 0) -> judge.Judgement:
    """The criterion's judgement in a call as its sentence model decides it: present when the call's
    pooled score reaches 0; the evidence is the sentences the model ranks highest."""
    signals = view.signals[criterion_id]
    logits = model.logits(signals, view.vectors)
    call = pool(logits)
    cut = float(np.max(logits)) - call if np.isfinite(call) else 0.0  # the best sentence reaches it iff call >= 0
    found = judge.verdict(criterion_id, view.sentences, signals, logits, threshold=cut)
    probability = float(1.0 / (1.0 + np.exp(-np.clip(call, -30, 30)))) if signals.eligible.any() else 0.0
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

    dim = next(iter(criterion_vectors.values())).good.shape[1] if criterion_vectors else 0
    active: dict[str, ActiveCalibration] = {}
    for c in criteria:
        mine = labelled.get(c.id, [])
        sha = _labels_sha(mine)
        record = latest.get(c.id)
        if record is not None and record.examples_sha256 == sha:
            model = None if record.model is None else SentenceModel.from_dict(record.model)
            if model is not None and len(model.weights) != dim + SIGNALS + 1:
                model = None  # fitted on another embedding model's vectors
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
