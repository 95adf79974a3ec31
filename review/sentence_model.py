"""A criterion's sentence-level model, learned from the manager's corrections of reviewed calls.

A call-level correction says little about WHY a call shows a criterion; the sentences do. The
model scores every sentence: a logistic regression on [the judge's signals of the sentence (its
score, margin, similarity above the call's background, keyword), the sentence's embedding, 1].
A call's score is the soft maximum (log-sum-exp, `pool`) of its sentences' logits; the criterion
is present when it reaches 0, and the evidence is the sentences the model ranks highest.

What a manager does labels it (`training_bag`): an override says the call's pooled score should be
high (present) or low (absent: no sentence shows it), without saying which sentence (multiple
instance); a mark "right" on a quote says the quote's best-ranked sentence shows it; "wrong", that
none of the quote's sentences does. The prior is the uncalibrated judge (PRIOR_SLOPE * (score -
THRESHOLD), every other weight 0), and an L2 penalty pulls the weights towards it, so a few
corrections nudge the judge and many can overrule it. Pure numpy (Gauss-Newton); the fitted model
is a JSON blob (review.store).

Hyperparameters were chosen on the tuning half of the real labelled dialogues only
(benchmarks/agreement.py --half tune --sets curve: fit on the first N tuning dialogues, score the
rest of the tuning half). There, pooling the call (against the best sentence's logistic with
every sentence of an absent call as a negative, which under-called) and the judge's signals as
features (against the score alone) gave the higher kappa; a pull of 5 on the judge's signals (against
1: 0.37 -> 0.39 at 5 - 50 calls, no dip at 5; 20: the same as 5) kept 5 calls from making it worse
than the judge; the embedding penalty (0.03 - 3) moved kappa by noise only, but without embeddings
the evidence precision falls back towards the judge's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import judge

KIND = "sentence"  # the stored model's kind; older call-level models (no kind) are refitted
PRIOR_SLOPE = 10.0  # the prior's logit per unit of judge score (0.1 above the threshold: 73%)
L2_SCORE = 5.0  # pull of the judge's signals' weights and the bias towards the prior
L2_EMBEDDING = 0.3  # pull of the embedding weights towards 0
MIN_CALLS = 3  # corrected calls of a criterion before it is calibrated
STEPS = 30  # Gauss-Newton steps (converges in a handful)
SIGNALS = 4  # leading features from the judge: score, margin, similarity above background, keyword


@dataclass
class CallLabels:
    """What the manager said about one criterion in one reviewed call."""

    present: bool | None = None  # the latest override (score > 0), None if not overridden
    right: list[int] = field(default_factory=list)  # turns (segment ids) of quotes marked right
    wrong: list[int] = field(default_factory=list)  # ... marked wrong


@dataclass
class Rows:
    """Labelled sentences: features (n, SIGNALS + d + 1), answers and weights."""

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray

    @staticmethod
    def empty(dim: int) -> Rows:
        return Rows(np.zeros((0, dim + SIGNALS + 1)), np.zeros(0), np.zeros(0))

    def __add__(self, other: Rows) -> Rows:
        return Rows(np.vstack([self.X, other.X]), np.concatenate([self.y, other.y]),
                    np.concatenate([self.weight, other.weight]))


def sentence_features(signals: judge.Signals, vectors: np.ndarray) -> np.ndarray:
    """[judge score, margin, similarity above background, keyword, embedding..., 1] per sentence
    (an ineligible sentence's score is 0; its logit is masked)."""
    score = np.where(signals.eligible, signals.score, 0.0)
    judged = np.stack([score, signals.margin, signals.similarity - signals.background, signals.keyword], axis=1)
    return np.hstack([judged, np.asarray(vectors, dtype=float), np.ones((len(score), 1))])


@dataclass
class SentenceModel:
    """A fitted per-criterion sentence model (serialised to the store as JSON)."""

    weights: list[float]  # the judge's signals (SIGNALS), embedding dims, bias
    examples: int  # labelled calls
    positives: int  # calls with a positive sentence
    sentences: int = 0  # labelled sentences
    kind: str = KIND

    def logits(self, signals: judge.Signals, vectors: np.ndarray) -> np.ndarray:
        """Each sentence's logit of showing the criterion; -inf where it cannot show it."""
        if len(self.weights) != vectors.shape[1] + SIGNALS + 1:
            raise ValueError(f"the model was fitted on {len(self.weights) - SIGNALS - 1}-dimensional sentence vectors, "
                             f"not {vectors.shape[1]}")
        z = sentence_features(signals, vectors) @ np.asarray(self.weights)
        return np.where(signals.eligible, z, -np.inf)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "weights": self.weights, "examples": self.examples,
                "positives": self.positives, "sentences": self.sentences}

    @classmethod
    def from_dict(cls, data: dict) -> SentenceModel | None:
        """The model, or None for a stored model of another kind (the old call-level ones)."""
        if data.get("kind") != KIND:
            return None
        return cls(weights=[float(w) for w in data["weights"]], examples=int(data["examples"]),
                   positives=int(data["positives"]), sentences=int(data.get("sentences", 0)))


def prior_weights(dim: int) -> np.ndarray:
    """The uncalibrated judge: PRIOR_SLOPE * (score - THRESHOLD); every other weight 0."""
    w = np.zeros(dim + SIGNALS + 1)
    w[0] = PRIOR_SLOPE
    w[-1] = -PRIOR_SLOPE * judge.THRESHOLD
    return w


def penalties(dim: int) -> np.ndarray:
    """The L2 pull of each weight towards the prior: the judge's signals and the bias are held near
    the judge's own weighting (a few corrections must not undo it), the embedding weights are freer
    (they carry what the judge cannot see)."""
    penalty = np.full(dim + SIGNALS + 1, L2_EMBEDDING)
    penalty[:SIGNALS] = penalty[-1] = L2_SCORE
    return penalty


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


# --------------------------------------------------------------------------- multiple instance


@dataclass
class Bag:
    """One corrected call for one criterion: its eligible sentences, the override, the marked sentences."""

    X: np.ndarray  # (eligible sentences, SIGNALS + d + 1) features
    present: bool | None  # the override; None when the call was only marked
    marked: Rows  # sentences marked right (positives) or wrong (negatives)


def training_bag(signals: judge.Signals, vectors: np.ndarray, sentences: list[judge.Sentence],
                 labels: CallLabels, rank: np.ndarray | None = None) -> Bag | None:
    """What one call's corrections say about one criterion, for `fit_bags` (None: nothing to learn).

    An override says something of the call as a whole: its pooled score (a soft maximum over its
    sentences, `pool`) should be high (present) or low (absent). A mark says it of one turn: its
    best-ranked sentence shows the criterion (right), or none of its sentences does (wrong). An
    override to absent outweighs the marks (no sentence of the call shows it).
    """
    eligible = signals.eligible
    if not eligible.any():
        return None
    features = sentence_features(signals, vectors)
    rank = np.where(eligible, signals.score if rank is None else rank, -np.inf)
    segment = np.array([s.segment_id for s in sentences])
    marked = Rows.empty(vectors.shape[1])
    if labels.present is not False:
        for seg in labels.wrong:
            mask = eligible & (segment == seg)
            marked = marked + Rows(features[mask], np.zeros(mask.sum()), np.ones(mask.sum()))
        for seg in labels.right:
            mask = eligible & (segment == seg)
            if mask.any():
                best = int(np.argmax(np.where(mask, rank, -np.inf)))
                marked = marked + Rows(features[[best]], np.ones(1), np.ones(1))
    if labels.present is None and not len(marked.y):
        return None
    return Bag(features[eligible], labels.present, marked)


def pool(z: np.ndarray) -> float:
    """A call's score from its sentences' logits: log-sum-exp, a soft maximum (>= the maximum)."""
    z = z[np.isfinite(z)]
    if not len(z):
        return -np.inf
    top = z.max()
    return float(top + np.log(np.exp(z - top).sum()))


def _log1pexp(x):
    return np.logaddexp(0.0, x)


def fit_bags(bags: list[Bag], positives: int) -> SentenceModel | None:
    """The model from corrected calls: the call terms on the pooled score, the sentence terms on the
    marked sentences, an L2 pull towards the prior (the judge); Gauss-Newton with backtracking."""
    if len(bags) < MIN_CALLS:
        return None
    dim = bags[0].X.shape[1] - SIGNALS - 1
    w0 = prior_weights(dim)
    penalty = penalties(dim)
    calls = [b for b in bags if b.present is not None]
    marked = Rows.empty(dim)
    for b in bags:
        marked = marked + b.marked

    def objective(w):
        loss = 0.5 * float(penalty @ (w - w0) ** 2)
        for b in calls:
            s = pool(b.X @ w)
            loss += float(_log1pexp(-s) if b.present else _log1pexp(s))
        z = marked.X @ w
        loss += float(marked.weight @ np.where(marked.y == 1, _log1pexp(-z), _log1pexp(z)))
        return loss

    w = w0.copy()
    current = objective(w)
    for _ in range(STEPS):
        grad = penalty * (w - w0)
        hess = np.diag(penalty)
        for b in calls:
            z = b.X @ w
            soft = np.exp(z - z.max())
            soft /= soft.sum()
            g = b.X.T @ soft  # the pooled score's gradient
            p = float(_sigmoid(pool(z)))
            grad = grad + (p - (1.0 if b.present else 0.0)) * g
            hess = hess + p * (1 - p) * np.outer(g, g)
        if len(marked.y):
            p = _sigmoid(marked.X @ w)
            grad = grad + marked.X.T @ (marked.weight * (p - marked.y))
            hess = hess + (marked.X.T * (marked.weight * p * (1 - p))) @ marked.X
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size > 1e-4:
            candidate = objective(w - size * step)
            if candidate <= current:
                break
            size /= 2
        else:
            break
        w -= size * step
        done = current - candidate < 1e-7
        current = candidate
        if done:
            break
    return SentenceModel(weights=[float(v) for v in w], examples=len(bags), positives=positives,
                         sentences=len(marked.y))
