"""Plain typed data passed between pipeline steps.

recording -> Transcript -> Candidate (evidence retrieval) -> Scorecard -> CoachingDraft

Everything here is serialised to JSON (files, the store, the app), so these are Pydantic
models; the JSON shapes are documented in README.md and other tools read them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["rep", "customer", "unknown"]
TRANSCRIPT_FORMAT_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- transcript


class Word(_Model):
    start: float
    end: float
    word: str
    probability: float = 1.0


class Segment(_Model):
    """One speaker turn: consecutive words of one speaker."""

    id: int
    start: float
    end: float
    speaker: str
    role: Role = "unknown"
    text: str
    words: list[Word] = Field(default_factory=list)


class SpeakerMetrics(_Model):
    talk_ratio: float
    longest_monologue_s: float
    question_count: int
    words_per_minute: float


class Metrics(_Model):
    speakers: dict[str, SpeakerMetrics] = Field(default_factory=dict)
    interactivity: float = 0.0
    patience_s: float | None = None
    rep_speaker: str | None = None  # the speaker whose role is "rep", None when roles are unknown


class TranscriptSource(_Model):
    """Where a transcript came from and what produced it (provenance travels with data)."""

    file: str
    format: str  # "audio", "vtt", "srt", "text", "json"
    model: str | None = None  # faster-whisper model name or path, None for imported text
    options: dict = Field(default_factory=dict)
    channels: str | None = None  # "split" or "mono" for audio


class SpeakerAttribution(_Model):
    """How the speakers of a transcript were found and how the rep was chosen (shown to users).

    method: "channels" (two-channel recording), "voices" (mono, clustered by voice), "one voice"
        (mono, one voice found: all speech under "unknown"), "external" (the `diarizer` setting),
        or "file" (speaker labels from a transcript file).
    rep_chosen_by: "rep speaker given", "voice profile", "left channel", "what was said", "first speaker",
        "given by hand" or "none".
    profile: the rep whose voice profile picked the rep's speaker, when one did.
    similarity: each speaker's cosine similarity to that profile (-1..1).
    note: one line saying all of that, for the transcript, the scorecard and the app.
    """

    method: str
    rep_chosen_by: str = "none"
    profile: str | None = None
    similarity: dict[str, float] = Field(default_factory=dict)
    note: str = ""


class Transcript(_Model):
    version: int = TRANSCRIPT_FORMAT_VERSION
    segments: list[Segment] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)
    duration: float = 0.0
    language: str = "en"
    audio_sha256: str | None = None
    source: TranscriptSource
    warnings: list[str] = Field(default_factory=list)
    # Speaker label -> name to show ("Alex Rivera (rep)", "Customer"); labels missing here show as is.
    speaker_names: dict[str, str] = Field(default_factory=dict)
    attribution: SpeakerAttribution | None = None

    def display_name(self, speaker: str) -> str:
        return self.speaker_names.get(speaker, speaker)

    def speakers(self) -> list[str]:
        seen: list[str] = []
        for s in self.segments:
            if s.speaker not in seen:
                seen.append(s.speaker)
        return seen

    def segment(self, segment_id: int) -> Segment | None:
        for s in self.segments:
            if s.id == segment_id:
                return s
        return None


# --------------------------------------------------------------------------- evidence


class Candidate(_Model):
    """A transcript window retrieved as possible evidence for one criterion."""

    criterion_id: str
    segment_ids: list[int]
    focal_segment_id: int | None = None  # the turn the window is centred on
    speaker: str
    role: Role
    start: float
    end: float
    text: str
    similarity: float  # 0..1, higher is closer
    keyword_hits: list[str] = Field(default_factory=list)


class EvidenceQuote(_Model):
    """A verbatim quote, cut from the transcript by code (never written by a model)."""

    segment_id: int
    quote: str
    start: float
    end: float
    speaker: str
    role: Role = "unknown"


# --------------------------------------------------------------------------- scorecard

Verdict = Literal["met", "partly_met", "not_met", "not_applicable"]


class CriterionScore(_Model):
    id: str
    name: str
    section: str = ""
    score: int
    max_score: int
    weight: float = 1.0
    verdict: Verdict
    evidence: list[EvidenceQuote] = Field(default_factory=list)
    rationale: str
    dropped_evidence: list[str] = Field(default_factory=list)  # refs the model gave that did not resolve
    # Where nothing counted (score 0), the moment the offline judge found closest to the criterion, not
    # counted: what a manager listens to first to check the miss (None from an LLM or older scorecards).
    nearest: EvidenceQuote | None = None
    target: int | None = None  # the level the team expects (None in scorecards made before it was kept)
    # Set only on a scorecard with the manager's overrides applied (review.overrides.apply_overrides):
    # `score` and `verdict` are then the manager's, and these keep what the AI gave.
    ai_score: int | None = None
    ai_verdict: Verdict | None = None
    manager_note: str | None = None


class SectionTotal(_Model):
    section: str
    score: float
    max_score: float
    percent: float


class Provenance(_Model):
    engine: str  # "rules", "openai", "local"
    engine_label: str  # shown to users, e.g. "Offline rules engine (no LLM)"
    model: str | None = None
    prompt_version: str | None = None
    prompt_sha256: str | None = None
    methodology_id: str
    methodology_version: str
    methodology_sha256: str
    transcript_sha256: str
    created_at: str
    token_usage: dict = Field(default_factory=dict)  # prompt_tokens, completion_tokens, calls
    # The discriminating judge's call-level signals per criterion (review.judge.FEATURES): what it
    # decided on, kept with the review (calibration refits from the stored transcript's sentences).
    judge_signals: dict[str, list[float]] = Field(default_factory=dict)
    # Criteria decided by the team's calibrated model: criterion id -> {"version", "examples"}.
    calibration: dict[str, dict] = Field(default_factory=dict)


class Scorecard(_Model):
    methodology_id: str
    methodology_name: str
    criteria: list[CriterionScore]
    sections: list[SectionTotal] = Field(default_factory=list)
    total_score: float = 0.0
    total_max: float = 0.0
    total_percent: float = 0.0
    metrics: Metrics = Field(default_factory=Metrics)
    strengths: list[str] = Field(default_factory=list)  # criterion ids, best first
    gaps: list[str] = Field(default_factory=list)  # criterion ids, largest weighted gap first
    engine: str
    provenance: Provenance
    flags: list[str] = Field(default_factory=list)  # e.g. dropped invented evidence
    duration_s: float | None = None  # the call's length (None in scorecards made before it was kept)


# --------------------------------------------------------------------------- coaching


class AgendaSection(_Model):
    key: Literal["set_the_stage", "lead_analysis", "explore_options", "develop_plan"]
    title: str
    minutes: int
    body_markdown: str


class ActionItem(_Model):
    action: str
    owner: str
    due: str  # ISO date
    watch_criterion: str | None = None


class CoachingDraft(_Model):
    rep: str | None = None
    focus_criterion_id: str
    focus_criterion_name: str
    pattern: str  # e.g. "missed in 4 of the last 5 calls" or "one-off: validate first"
    solution: Literal["training", "coaching", "feedback", "other"]
    solution_reason: str
    confirm_questions: list[str] = Field(default_factory=list)
    roam: dict[str, str] = Field(default_factory=dict)  # results, objectives, activities, methodology
    agenda: list[AgendaSection]
    actions: list[ActionItem] = Field(default_factory=list)
    prep_note_markdown: str
    engine_label: str
    warnings: list[str] = Field(default_factory=list)  # shown on the agenda and the prep note
