"""The discriminating judge: is a criterion present in this call, and which sentence shows it?

A real conversation stays on one topic, so every turn is "close to" every criterion of a
methodology written for that topic. Similarity alone says "met" everywhere. The judge scores
each sentence the criterion's speaker said by how much MORE it looks like this criterion than
  - the call's own background: the mean similarity of the call's sentences to the criterion
    (the topic every sentence shares), and
  - the other criteria of the methodology (the margin to the closest other criterion),
and by whether it looks more like the criterion's poor examples than its good ones; the
keyword patterns and the question form (criteria that must be asked) stay. Before the margins, a
sentence's similarity to a criterion loses where its FORM differs from what the criterion's good
examples agree on (a question or not; about the speaker, "I will donate too", or the listener,
"will you donate?"; past tense, a story): sentence embeddings barely see pronouns, and two
behaviours on one topic often differ in little else. The call's verdict
is the best sentence's score against one threshold; the evidence is that sentence's turn.

Every number here is global (no per-criterion, per-methodology or per-dataset value); they were
set on the tuning half of the real labelled dialogues (benchmarks/agreement.py) only.

Measured (benchmarks/agreement.py, MiniLM): on the real set's reporting half (127 PersuasionForGood
dialogues, 11 strategies, a methodology written from the definitions) mean kappa 0.34 (pooled 0.44;
similarity with one threshold: about 0.2), evidence precision 50%; the form signal took the tuning
half from 0.37 to 0.40 and self-modeling on the reporting half from 0.04 to 0.21, the mean there
stayed 0.34. With the rules engine keeping the levels (review.score), the sales dev set 0.64 mean and
the held-out set 0.51 (0.48 before the form signal).

Sentence vectors come through the embedding seam (`embed(texts) -> array of unit vectors`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import snippets
from .rules import is_question, keyword_hits
from .schema import Criterion
from .types import Transcript

Embed = Callable[[list[str]], np.ndarray]
JUDGE_VERSION = "2"  # bump when a change here changes verdicts (reviews cached by it are redone)

# Weights of a sentence's signals in its score (set on the tuning half; see the module docstring).
# Tuning-half grid (mean kappa over the 11 strategies): the margin to the other criteria is the
# strongest signal (0 -> 2 took the tuning mean from about 0.25 to 0.37); background and poor
# examples change it by less than 0.01 either way and stay for what they guard against.
W_SIMILARITY = 0.5  # closeness to the criterion's question and good examples
W_BACKGROUND = 0.5  # ... above the call's own mean closeness to it
W_MARGIN = 2.0  # ... above the closest other criterion
W_KEYWORD = 0.5  # a keyword pattern of the criterion, weighed by how rare its hits are in the call
W_POOR = 1.0  # closer to a poor example than to the good ones counts against
W_FORM = 0.3  # a sentence whose form (question, who it is about, tense) differs from the examples' loses
THRESHOLD = 0.50  # a call's best sentence score at or above this: the criterion is present
MIN_WORDS = 3  # shorter sentences ("Hi!", "Sure.") carry no strategy

FEATURES = ("best_score", "best_similarity", "best_background", "best_margin", "keyword_sentences",
            "sentences_over_threshold", "background")

_PRONOUN = re.compile(r"\b(i|i'm|im|i've|i'll|i'd|my|me|myself|we|we're|we've|our|us|"
                      r"you|your|you're|you've|you'll|yourself)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(was|were|did|had|ago|used to|remember)\b|\b\w{3,}ed\b", re.IGNORECASE)


def _lead_pronoun(text: str) -> str:
    match = _PRONOUN.search(text)
    return "" if match is None else ("you" if match.group(1).lower().startswith("you") else "i")


def sentence_form(text: str) -> np.ndarray:
    """What an embedding barely sees and a behaviour often is: a question or not; whether the
    sentence is first about the speaker ("I", "we") or the listener ("you"); past tense (a story).
    Self-modelling ("I will donate too") and the ask ("will you donate?") differ in little else."""
    lead = _lead_pronoun(text)
    return np.array([is_question(text), lead == "i", lead == "you", bool(_PAST.search(text))], dtype=np.float32)


@dataclass
class Sentence:
    segment_id: int
    text: str
    role: str
    question: bool


@dataclass
class Judgement:
    """The judge's finding for one criterion in one call."""

    criterion_id: str
    present: bool
    score: float  # the best sentence's score (compare with THRESHOLD)
    evidence: list[int]  # segment ids, strongest first
    best_sentence: str
    features: list[float]  # call-level signals, in FEATURES order (for calibration)
    sentence_scores: list[tuple[int, float]] = field(default_factory=list)
    calibrated: int = 0  # calls corrected by a manager behind the calibration model that decided, 0 if none
    probability: float | None = None  # the calibration model's probability of presence
    calibration_version: int = 0  # the stored version of that model
    evidence_sentences: list[str] = field(default_factory=list)  # the sentence of each evidence turn


def split_sentences(transcript: Transcript) -> list[Sentence]:
    """Every sentence of every turn, with its turn's id and role."""
    out = []
    for seg in transcript.segments:
        for text in snippets.sentences(seg.text):
            out.append(Sentence(seg.id, text, seg.role, is_question(text)))
    return out


def criterion_probes(criterion: Criterion) -> list[str]:
    """The texts a sentence is compared with: the question and the good examples."""
    return [criterion.question.strip(), *[e.strip() for e in criterion.good_examples if e.strip()]]


def _speaker_ok(criterion: Criterion, role: str) -> bool:
    return criterion.shown_by == "either" or role in (criterion.shown_by, "unknown")


@dataclass
class CriterionVectors:
    good: np.ndarray  # (n probes, d)
    poor: np.ndarray  # (n poor examples, d), may be empty
    form: np.ndarray | None = None  # the good examples' mean sentence_form; None without examples


def form_profile(examples: Sequence[str]) -> np.ndarray | None:
    """The mean form of a criterion's good examples (None without any: no form to expect)."""
    examples = [e for e in examples if e.strip()]
    return np.mean([sentence_form(e) for e in examples], axis=0) if examples else None


def form_agreement(forms: np.ndarray, profile: np.ndarray | None) -> np.ndarray:
    """Per sentence, 0..1: how well its form matches the profile, counting the forms on which the
    examples agree (all questions, none in the past ...) and ignoring those on which they differ."""
    if profile is None:
        return np.ones(len(forms), dtype=np.float32)
    decisive = np.abs(profile - 0.5) * 2
    if decisive.sum() == 0:
        return np.ones(len(forms), dtype=np.float32)
    return ((1 - np.abs(forms - profile)) * decisive).sum(axis=1) / decisive.sum()


def embed_criteria(criteria: Sequence[Criterion], embed: Embed,
                   team_examples: dict[str, tuple[list[str], list[str]]] | None = None) -> dict[str, CriterionVectors]:
    """Vectors of each criterion's probes (question, good examples) and poor examples.

    team_examples: criterion id -> (sentences the manager marked right, marked wrong): the team's
        own examples, added to the methodology's good and poor examples.
    """
    texts: list[str] = []
    spans = {}
    team_examples = team_examples or {}
    for c in criteria:
        right, wrong = team_examples.get(c.id, ([], []))
        good = criterion_probes(c) + list(right)
        poor = [p.strip() for p in c.poor_examples if p.strip()] + list(wrong)
        spans[c.id] = (len(texts), len(good), len(poor))
        texts += good + poor
    vectors = np.asarray(embed(texts), dtype=np.float32)
    out = {}
    for c in criteria:
        start, n_good, n_poor = spans[c.id]
        out[c.id] = CriterionVectors(vectors[start:start + n_good], vectors[start + n_good:start + n_good + n_poor],
                                     form_profile([*c.good_examples, *team_examples.get(c.id, ([], []))[0]]))
    return out


def judge_call(transcript: Transcript, criteria: Sequence[Criterion], embed: Embed,
               criterion_vectors: dict[str, CriterionVectors] | None = None,
               sentence_vectors: np.ndarray | None = None) -> dict[str, Judgement]:
    """Judge every criterion in one call.

    transcript: the call, with roles.
    criteria: all criteria of the methodology (each is judged against the others).
    embed: the embedding seam; texts -> unit vectors.
    criterion_vectors / sentence_vectors: precomputed vectors (benchmarks cache them); computed
        with `embed` when None.
    """
    sentences = [s for s in split_sentences(transcript) if len(s.text.split()) >= MIN_WORDS]
    if criterion_vectors is None:
        criterion_vectors = embed_criteria(criteria, embed)
    if sentence_vectors is None:
        sentence_vectors = np.asarray(embed([s.text for s in sentences]), dtype=np.float32)
    return judge_sentences(sentences, sentence_vectors, criteria, criterion_vectors)


def judge_sentences(sentences: list[Sentence], vectors: np.ndarray, criteria: Sequence[Criterion],
                    criterion_vectors: dict[str, CriterionVectors]) -> dict[str, Judgement]:
    """The judge on sentences already split and embedded (vectors row i is sentences[i])."""
    if not sentences:
        return {c.id: Judgement(c.id, False, 0.0, [], "", [0.0] * len(FEATURES)) for c in criteria}
    signals = sentence_signals(sentences, vectors, criteria, criterion_vectors)
    return {c.id: verdict(c.id, sentences, signals[c.id], signals[c.id].score) for c in criteria}


@dataclass
class Signals:
    """One criterion's signals for every sentence of a call (arrays of length n sentences)."""

    score: np.ndarray  # the judge's sentence score; -inf where the sentence cannot show it
    similarity: np.ndarray
    background: float  # the call's mean similarity to the criterion (its topic)
    margin: np.ndarray  # similarity above the closest other criterion
    keyword: np.ndarray  # 1.0 where a keyword pattern hits
    eligible: np.ndarray  # bool: the right speaker (and a question, where one is needed)


def sentence_signals(sentences: list[Sentence], vectors: np.ndarray, criteria: Sequence[Criterion],
                     criterion_vectors: dict[str, CriterionVectors]) -> dict[str, Signals]:
    """Every criterion's signals for every sentence: what the verdict, and calibration, work on."""
    n = len(sentences)
    # similarity of every sentence to every criterion: best over its probes, less where its form
    # differs from the criterion's examples (before the margins, so form decides between criteria too)
    forms = np.stack([sentence_form(s.text) for s in sentences])
    sim = np.stack([(vectors @ criterion_vectors[c.id].good.T).max(axis=1)
                    - W_FORM * (1 - form_agreement(forms, criterion_vectors[c.id].form)) for c in criteria], axis=1)
    out = {}
    for j, c in enumerate(criteria):
        cv = criterion_vectors[c.id]
        eligible = np.array([_speaker_ok(c, s.role) and (s.question or not c.needs_question) for s in sentences])
        speaker = np.array([_speaker_ok(c, s.role) for s in sentences])
        background = float(sim[speaker, j].mean()) if speaker.any() else 0.0
        others = np.delete(sim, j, axis=1)
        margin = sim[:, j] - (others.max(axis=1) if others.shape[1] else 0.0)
        poor = (vectors @ cv.poor.T).max(axis=1) if len(cv.poor) else np.full(n, -1.0)
        worse = np.maximum(0.0, poor - sim[:, j])
        keyword = np.array([bool(keyword_hits(c, s.text)) for s in sentences], dtype=np.float32)
        # a pattern that hits in most of the speaker's sentences is the call's topic, not evidence
        rarity = 1.0 - float(keyword[speaker].mean()) if speaker.any() else 1.0
        score = (W_SIMILARITY * sim[:, j] + W_BACKGROUND * (sim[:, j] - background) + W_MARGIN * margin
                 + W_KEYWORD * rarity * keyword - W_POOR * worse)
        out[c.id] = Signals(np.where(eligible, score, -np.inf), sim[:, j], background, margin, keyword, eligible)
    return out


def verdict(criterion_id: str, sentences: list[Sentence], signals: Signals, score: np.ndarray,
            threshold: float = THRESHOLD) -> Judgement:
    """The call's verdict from per-sentence scores: present when the best reaches the threshold;
    the evidence is the turns of the sentences over it (the best one when none is)."""
    if not signals.eligible.any():
        return Judgement(criterion_id, False, 0.0, [], "", [0.0] * 6 + [signals.background])
    order = np.argsort(-score)
    best = int(order[0])
    over = [int(i) for i in order if score[i] >= threshold]
    evidence: list[int] = []
    evidence_sentences: list[str] = []
    for i in over or [best]:
        if sentences[i].segment_id not in evidence:
            evidence.append(sentences[i].segment_id)
            evidence_sentences.append(sentences[i].text)
    features = [float(signals.score[best]), float(signals.similarity[best]),
                float(signals.similarity[best] - signals.background), float(signals.margin[best]),
                float(signals.keyword[signals.eligible].sum()), float(len(over)), signals.background]
    return Judgement(
        criterion_id=criterion_id, present=bool(score[best] >= threshold), score=float(score[best]),
        evidence=evidence[:3], best_sentence=sentences[best].text, features=features,
        sentence_scores=[(sentences[i].segment_id, float(score[i])) for i in order[:5]],
        evidence_sentences=evidence_sentences[:3],
    )


def judge_note(judgement: Judgement, corroborated: bool = False) -> str:
    """One sentence for the rationale: what the judge decided and on what. corroborated: the rules
    engine found the criterion anyway (a keyword rare in this call, with its level's own signals), so
    the note says the judge's doubt was overruled rather than that nothing is there."""
    if judgement.calibrated:
        how = (f"the team's calibrated model ({judgement.calibrated} calls corrected by a manager) gives "
               f"{judgement.probability:.0%}")
    else:
        how = f"sentence score {judgement.score:.2f} against threshold {THRESHOLD:.2f}"
    if judgement.present:
        return (f"Judge: “{snippets.shorten(judgement.best_sentence, 80)}” is closer to this criterion than to the call's "
                f"background and the other criteria ({how}).")
    if not judgement.best_sentence:
        return "Judge: no sentence by the right speaker (or no question, where one is needed) to weigh."
    if corroborated:
        return (f"Judge: no sentence stood out by itself (best: “{snippets.shorten(judgement.best_sentence, 80)}”, "
                f"{how}), but a keyword rare in this call and the level's own signals found it.")
    return (f"Judge: no sentence is specific to this criterion rather than the call's topic (best: "
            f"“{snippets.shorten(judgement.best_sentence, 80)}”, {how}).")


# --------------------------------------------------------------------------- for calibration


def judged_sentences(transcript: Transcript) -> list[Sentence]:
    """The sentences the judge weighs: every sentence of MIN_WORDS words or more."""
    return [s for s in split_sentences(transcript) if len(s.text.split()) >= MIN_WORDS]


@dataclass
class CallView:
    """One call as the judge sees it: its sentences, their vectors and every criterion's signals."""

    sentences: list[Sentence]
    vectors: np.ndarray  # row i is sentences[i]
    signals: dict[str, Signals]  # empty when the call has no sentence to weigh


def view_call(transcript: Transcript, criteria: Sequence[Criterion], embed: Embed,
              criterion_vectors: dict[str, CriterionVectors]) -> CallView:
    """Split, embed and score a call's sentences (what judge_call does before its verdicts)."""
    sentences = judged_sentences(transcript)
    vectors = np.asarray(embed([s.text for s in sentences]), dtype=np.float32) if sentences else np.zeros((0, 0))
    signals = sentence_signals(sentences, vectors, criteria, criterion_vectors) if sentences else {}
    return CallView(sentences, vectors, signals)


def view_verdicts(view: CallView, criteria: Sequence[Criterion]) -> dict[str, Judgement]:
    """judge_call's judgements from a CallView."""
    if not view.sentences:
        return {c.id: Judgement(c.id, False, 0.0, [], "", [0.0] * len(FEATURES)) for c in criteria}
    return {c.id: verdict(c.id, view.sentences, view.signals[c.id], view.signals[c.id].score) for c in criteria}
