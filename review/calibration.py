"""Learning the team's own standard: a per-criterion model fitted on the manager's corrections.

Every override of a criterion's score and every "right / wrong evidence" mark on a quote is a
labelled example (the judge's call-level signals, present or not). Once a criterion has
MIN_EXAMPLES of them with both answers among them, `fit` makes a logistic model on the judge's
signals (review.judge.FEATURES). Its prior is the uncalibrated judge itself (a logistic step at
the judge's threshold on the best sentence score), and the weights are pulled towards that prior
(an L2 penalty around it), so a few examples nudge the judge and many can overrule it.
Pure numpy; the store keeps the fitted models (review.store), versioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import judge

MIN_EXAMPLES = 5  # labelled examples of a criterion, with both answers, before it is calibrated
PRIOR_SLOPE = 10.0  # the prior's logit per unit of best sentence score (0.1 above threshold: 73%)
L2 = 1.0  # pull towards the prior, per example-equivalent
STEPS = 50  # Newton steps (converges in a handful)


@dataclass
class Example:
    """One labelled example: the judge's call-level signals and the manager's answer."""

    features: list[float]
    present: bool


@dataclass
class CalibrationModel:
    """A fitted per-criterion model (serialised to the store as JSON)."""

    weights: list[float]  # one per transformed feature, then the bias last
    examples: int
    positives: int
    features: list[str] = field(default_factory=lambda: list(judge.FEATURES))

    def probability(self, features: list[float]) -> float:
        x = np.append(_transform(features), 1.0)
        return float(_sigmoid(x @ np.asarray(self.weights)))

    def to_dict(self) -> dict:
        return {"weights": self.weights, "examples": self.examples, "positives": self.positives,
                "features": self.features}

    @classmethod
    def from_dict(cls, data: dict) -> CalibrationModel:
        return cls(weights=[float(w) for w in data["weights"]], examples=int(data["examples"]),
                   positives=int(data["positives"]), features=list(data.get("features", judge.FEATURES)))


def _transform(features: list[float]) -> np.ndarray:
    """Counts grow without bound; their logarithm keeps one call with many hits from dominating."""
    x = np.asarray(features, dtype=float).copy()
    for name in ("keyword_sentences", "sentences_over_threshold"):
        i = judge.FEATURES.index(name)
        x[i] = np.log1p(max(x[i], 0.0))
    return x


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def prior_weights() -> np.ndarray:
    """The uncalibrated judge as a logistic model: PRIOR_SLOPE * (best_score - THRESHOLD)."""
    w = np.zeros(len(judge.FEATURES) + 1)
    w[judge.FEATURES.index("best_score")] = PRIOR_SLOPE
    w[-1] = -PRIOR_SLOPE * judge.THRESHOLD
    return w


def fit(examples: list[Example]) -> CalibrationModel | None:
    """A model for one criterion, or None when there are too few examples or only one answer."""
    positives = sum(e.present for e in examples)
    if len(examples) < MIN_EXAMPLES or positives in (0, len(examples)):
        return None
    X = np.array([np.append(_transform(e.features), 1.0) for e in examples])
    y = np.array([float(e.present) for e in examples])
    w0 = prior_weights()
    w = w0.copy()
    penalty = L2 * np.eye(len(w))
    for _ in range(STEPS):  # Newton's method on the penalised log-likelihood
        p = _sigmoid(X @ w)
        grad = X.T @ (p - y) + penalty @ (w - w0)
        hess = (X.T * (p * (1 - p))) @ X + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return CalibrationModel(weights=[float(v) for v in w], examples=len(examples), positives=int(positives))


def apply(judgement: judge.Judgement, model: CalibrationModel | None, version: int = 0) -> judge.Judgement:
    """The judgement as the team's calibrated model decides it (unchanged without a model)."""
    if model is None or not judgement.best_sentence:
        return judgement
    p = model.probability(judgement.features)
    return replace(judgement, present=p >= 0.5, calibrated=model.examples, probability=p,
                   calibration_version=version)


@dataclass
class ActiveCalibration:
    model: CalibrationModel
    version: int


def _examples_sha(examples) -> str:
    from .hashing import sha256_json

    return sha256_json([(e.review_id, e.present, e.source, e.created_at) for e in examples])


def last_resets(store, methodology_id: str) -> dict[str, str]:
    """criterion id -> when its calibration was last reset (corrections before it no longer count)."""
    return {r.criterion_id: r.created_at for r in store.calibration_history(methodology_id) if r.model is None}


def refresh(store, methodology_id: str, criterion_ids: list[str]) -> dict[str, ActiveCalibration]:
    """The calibration each criterion is scored with, refitted when its examples changed.

    store: review.store.Store. A new fit is stored as a new version; with too few examples (or one
    answer only) a criterion keeps its last model, or stays uncalibrated.
    Returns criterion id -> the active model and its version, for calibrated criteria only.
    """
    history = store.calibration_history(methodology_id)
    latest = {r.criterion_id: r for r in history}
    examples = store.labelled_examples(methodology_id, last_resets(store, methodology_id))
    active: dict[str, ActiveCalibration] = {}
    for cid in criterion_ids:
        mine = examples.get(cid, [])
        sha = _examples_sha(mine)
        record = latest.get(cid)
        if record is not None and record.examples_sha256 == sha:
            if record.model is not None:
                active[cid] = ActiveCalibration(CalibrationModel.from_dict(record.model), record.version)
            continue
        model = fit([Example(e.features, e.present) for e in mine])
        if model is not None:
            version = store.save_calibration(methodology_id, cid, model.to_dict(), model.examples, model.positives,
                                             sha)
            active[cid] = ActiveCalibration(model, version)
        elif record is not None and record.model is not None:
            active[cid] = ActiveCalibration(CalibrationModel.from_dict(record.model), record.version)
    return active


def reset(store, methodology_id: str, criterion_id: str, author: str = "manager") -> int:
    """Back to the uncalibrated judge; corrections made before now are not used again. The version."""
    return store.save_calibration(methodology_id, criterion_id, None, 0, 0, "reset", author=author)
