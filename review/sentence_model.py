"""A criterion's sentence-level model, learned from the manager's corrections of reviewed calls.

A call-level correction says little about WHY a call shows a criterion; the sentence that shows it
does. So each correction becomes labelled sentences (`training_rows`):
  - an evidence mark "right" on a quote: the turn's sentence the model currently ranks highest is
    a positive;
  - a mark "wrong": every eligible sentence of that turn is a negative;
  - an override to absent (score 0): every eligible sentence of the call is a negative;
  - an override to present with no "right" mark: the call has at least one positive sentence
    (multiple instance); its best-ranked sentence outside the turns marked wrong is a weak positive
    (weight WEAK).
The model is a logistic regression on [the judge's sentence score, the sentence's embedding, 1].
Its prior is the uncalibrated judge (PRIOR_SLOPE * (score - THRESHOLD), embedding weights 0) and
an L2 penalty pulls the weights towards that prior, so a few corrections nudge the judge and many
can overrule it. A call's verdict is its best sentence's probability >= 0.5; the evidence is the
sentences the model ranks highest. Pure numpy; the fitted model is a JSON blob (review.store).

Hyperparameters were chosen on the tuning half of the real labelled dialogues only
(benchmarks/agreement.py --half tune --sets curve: fit on the first N tuning dialogues, score the
rest of the tuning half).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import judge

KIND = "sentence"  # the stored model's kind; older call-level models (no kind) are refitted
PRIOR_SLOPE = 10.0  # the prior's logit per unit of judge score (0.1 above the threshold: 73%)
L2_SCORE = 1.0  # pull of the score weight and bias towards the prior
L2_EMBEDDING = 0.3  # pull of the embedding weights towards 0 (the judge alone)
WEAK = 1.0  # weight of the best sentence of a call overridden to present without a marked quote
MIN_CALLS = 3  # corrected calls of a criterion before it is calibrated
STEPS = 30  # Newton steps (converges in a handful)


@dataclass
class CallLabels:
    """What the manager said about one criterion in one reviewed call."""

    present: bool | None = None  # the latest override (score > 0), None if not overridden
    right: list[int] = field(default_factory=list)  # turns (segment ids) of quotes marked right
    wrong: list[int] = field(default_factory=list)  # ... marked wrong


@dataclass
class Rows:
    """Labelled sentences: features (n, d + 2), answers and weights."""

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray

    @staticmethod
    def empty(dim: int) -> Rows:
        return Rows(np.zeros((0, dim + 2)), np.zeros(0), np.zeros(0))

    def __add__(self, other: Rows) -> Rows:
        return Rows(np.vstack([self.X, other.X]), np.concatenate([self.y, other.y]),
                    np.concatenate([self.weight, other.weight]))


def sentence_features(signals: judge.Signals, vectors: np.ndarray) -> np.ndarray:
    """[judge score, embedding..., 1] per sentence (ineligible sentences' score is 0; they are masked)."""
    score = np.where(signals.eligible, signals.score, 0.0)
    return np.hstack([score[:, None], np.asarray(vectors, dtype=float), np.ones((len(score), 1))])


@dataclass
class SentenceModel:
    """A fitted per-criterion sentence model (serialised to the store as JSON)."""

    weights: list[float]  # judge score, embedding dims, bias
    examples: int  # labelled calls
    positives: int  # calls with a positive sentence
    sentences: int = 0  # labelled sentences
    threshold: float = 0.0  # a call's best logit at or above this: present (fitted on the labelled calls)
    kind: str = KIND

    def logits(self, signals: judge.Signals, vectors: np.ndarray) -> np.ndarray:
        """Each sentence's logit of showing the criterion; -inf where it cannot show it."""
        if len(self.weights) != vectors.shape[1] + 2:
            raise ValueError(f"the model was fitted on {len(self.weights) - 2}-dimensional sentence vectors, "
                             f"not {vectors.shape[1]}")
        z = sentence_features(signals, vectors) @ np.asarray(self.weights)
        return np.where(signals.eligible, z, -np.inf)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "weights": self.weights, "examples": self.examples,
                "positives": self.positives, "sentences": self.sentences, "threshold": self.threshold}

    @classmethod
    def from_dict(cls, data: dict) -> SentenceModel | None:
        """The model, or None for a stored model of another kind (the old call-level ones)."""
        if data.get("kind") != KIND:
            return None
        return cls(weights=[float(w) for w in data["weights"]], examples=int(data["examples"]),
                   positives=int(data["positives"]), sentences=int(data.get("sentences", 0)),
                   threshold=float(data.get("threshold", 0.0)))


def prior_weights(dim: int) -> np.ndarray:
    w = np.zeros(dim + 2)
    w[0] = PRIOR_SLOPE
    w[-1] = -PRIOR_SLOPE * judge.THRESHOLD
    return w


def training_rows(signals: judge.Signals, vectors: np.ndarray, sentences: list[judge.Sentence],
                  labels: CallLabels, rank: np.ndarray | None = None) -> Rows:
    """The labelled sentences one call's corrections give for one criterion.

    signals / vectors / sentences: the call's sentences as the judge saw them (one row each).
    labels: the manager's override and marks. rank: the scores that pick "the sentence that shows
    it" within a turn or a call (the current model's logits; the judge's score when None).
    """
    rank = signals.score if rank is None else rank
    eligible = signals.eligible
    if not eligible.any():
        return Rows.empty(vectors.shape[1])
    segment = np.array([s.segment_id for s in sentences])
    y = np.full(len(sentences), np.nan)
    weight = np.zeros(len(sentences))
    if labels.present is False:  # absent: no sentence of the call shows it
        y[eligible], weight[eligible] = 0.0, 1.0
    else:
        for seg in labels.wrong:
            mask = eligible & (segment == seg)
            y[mask], weight[mask] = 0.0, 1.0
        for seg in labels.right:
            mask = eligible & (segment == seg)
            if mask.any():
                best = int(np.argmax(np.where(mask, rank, -np.inf)))
                y[best], weight[best] = 1.0, 1.0
        if labels.present and not labels.right:  # at least one sentence shows it: the best candidate
            mask = eligible & ~np.isin(segment, labels.wrong)
            if mask.any():
                best = int(np.argmax(np.where(mask, rank, -np.inf)))
                y[best], weight[best] = 1.0, WEAK
    keep = ~np.isnan(y)
    return Rows(sentence_features(signals, vectors)[keep], y[keep], weight[keep])


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fit(rows: Rows, calls: int, positive_calls: int) -> SentenceModel | None:
    """A model from labelled sentences, or None with fewer than MIN_CALLS calls or no sentence.

    One answer only is enough (a criterion the judge over-calls, overridden to absent in every
    call): the prior stands in for the other side."""
    if calls < MIN_CALLS or not len(rows.y):
        return None
    dim = rows.X.shape[1] - 2
    w0 = prior_weights(dim)
    w = w0.copy()
    penalty = np.full(dim + 2, L2_EMBEDDING)
    penalty[0] = penalty[-1] = L2_SCORE
    X, y, c = rows.X, rows.y, rows.weight
    for _ in range(STEPS):  # Newton's method on the weighted, penalised log-likelihood
        p = _sigmoid(X @ w)
        grad = X.T @ (c * (p - y)) + penalty * (w - w0)
        hess = (X.T * (c * p * (1 - p))) @ X + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return SentenceModel(weights=[float(v) for v in w], examples=calls, positives=positive_calls,
                         sentences=len(rows.y))


def call_threshold(best_logits: list[float], present: list[bool]) -> float:
    """The threshold on a call's best logit that agrees with most overridden calls (0 on ties:
    the model's own 50%); the midpoint between neighbouring calls."""
    if not best_logits:
        return 0.0
    z = np.asarray(best_logits, dtype=float)
    y = np.asarray(present, dtype=bool)
    cuts = np.unique(np.concatenate([[0.0], (np.sort(z)[1:] + np.sort(z)[:-1]) / 2, [z.min() - 1, z.max() + 1]]))
    agree = np.array([((z >= t) == y).sum() for t in cuts])
    best = cuts[agree == agree.max()]
    return float(best[np.argmin(np.abs(best))])
