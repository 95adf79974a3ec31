"""The whole review of one call: transcribe -> index -> retrieve -> score -> coach -> store.

The CLI and the app both call `review_file` (or `review_transcript`); neither holds logic of its own.
A re-review of an unchanged call with the same settings is served from the store (no LLM call).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import CallreviewError, InputError
from .hashing import sha256_file, sha256_json, transcript_sha256
from .settings import Settings
from .types import CoachingDraft, Scorecard, Transcript

# Bump when retrieval or rules scoring changes in a way that should invalidate cached reviews.
PIPELINE_VERSION = "1"

Progress = Callable[[str, float, str], None]  # (stage, fraction 0..1 of that stage, message)

STAGES = ("transcribe", "index", "score", "coach", "store")


@dataclass
class ReviewResult:
    call_id: int
    review_id: int
    transcript: Transcript
    scorecard: Scorecard
    draft: CoachingDraft
    cached: bool  # served from the store: nothing was recomputed


@dataclass
class Services:
    """The seams, built once and shared across calls (the app keeps one)."""

    settings: Settings
    store: object
    index: object
    engine: object | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        from .index import CallIndex
        from .llm import make_chat_engine
        from .store import Store

        return cls(
            settings=settings,
            store=Store.from_settings(settings),
            index=CallIndex(settings),
            engine=make_chat_engine(settings),
        )


def _noop(stage: str, fraction: float, message: str) -> None:
    return None


def _coaching_sha() -> str:
    """Hash of the coaching models (coaching/*.yaml) the draft is built from."""
    from .resources import coaching_dir

    return sha256_json([[path.name, sha256_file(path)] for path in sorted(coaching_dir().glob("*.yaml"))])


def cache_key(transcript: Transcript, methodology_sha: str, services: Services, history=()) -> str:
    """Everything that decides a review's content; equal keys give equal reviews.

    history: the rep's earlier scorecards the coaching pattern is drawn from (a new earlier call
    changes the pattern, so it changes the key).
    """
    from .prompts import load_prompt

    engine = services.engine
    parts = {
        "pipeline": PIPELINE_VERSION,
        "transcript": transcript_sha256(transcript),
        "methodology": methodology_sha,
        "coaching": _coaching_sha(),
        "engine": getattr(engine, "name", "rules") if engine else "rules",
        "model": getattr(engine, "model", None) if engine else None,
        "prompt": load_prompt("score_criterion").sha256 if engine else None,
        "coach_prompt": load_prompt("coach_agenda").sha256 if engine else None,
        "embedding": services.settings.embedding,
        "redact": services.settings.redact,
        "history": [(h.provenance.transcript_sha256, h.provenance.created_at) for h in history],
    }
    from .store.records import review_cache_key

    return review_cache_key(**parts)


def review_file(
    path: str | Path,
    services: Services,
    methodology: str,
    rep: str | None = None,
    call_date: str | None = None,
    call_type: str = "discovery",
    rep_speaker: str | None = None,
    channels: str = "auto",
    title: str | None = None,
    progress: Progress | None = None,
) -> ReviewResult:
    """Review one recording or transcript file end to end and store everything.

    path: audio (wav, mp3, m4a, ogg, webm, mp4, flac) or transcript (.vtt, .srt, .txt, .json).
    methodology: a methodology id or name from the library.
    rep: the rep's name (for history and trends); rep_speaker: which transcript speaker is the rep.
    call_date: ISO date of the call (default today); call_type: e.g. discovery, demo, negotiation.
    channels: auto | mono | split, for audio. progress: callback(stage, fraction, message).
    A file already in the store (same content hash) is not transcribed again.
    """
    from .methodology import MethodologyLibrary
    from .transcribe import transcript_from_file

    progress = progress or _noop
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    loaded = MethodologyLibrary(services.settings).get(methodology)  # fail fast on a bad name
    store = services.store
    sha = sha256_file(path)  # the one hash of this recording in this review
    call = store.find_call_by_sha(sha)
    transcript = store.get_transcript(call.id) if call else None
    if call is None:
        stored = store.keep_upload(path, sha, path.name)
        call_id = store.add_call(
            audio_sha256=sha,
            filename=path.name,
            stored_path=str(stored),
            rep=rep,
            call_date=call_date or date.today().isoformat(),
            call_type=call_type,
            methodology_id=loaded.methodology.id,
            title=title or path.stem,
        )
    else:
        call_id = call.id
        # the same recording again: what the manager says about it now wins (e.g. a rep named late)
        store.update_call_details(call_id, rep=rep, call_date=call_date, title=title)
    if transcript is None:
        progress("transcribe", 0.0, f"Transcribing {path.name}")
        try:
            transcript = transcript_from_file(
                path,
                services.settings,
                channels=channels,
                rep_speaker=rep_speaker,
                progress=lambda done, total: progress("transcribe", done / total if total else 1.0, ""),
                sha256=sha,
            )
        except CallreviewError as exc:
            store.update_call_status(call_id, "failed", str(exc))
            raise
        store.save_transcript(call_id, transcript)
        store.update_call_status(call_id, "transcribed")
    if call is not None:  # a stored call: a rep speaker named now re-computes roles (or is an error)
        from .rework import apply_rep_speaker

        transcript = apply_rep_speaker(store, call_id, transcript, rep_speaker)
    progress("transcribe", 1.0, "Transcript ready")
    return _review_transcript(call_id, transcript, loaded, services, progress)


def _review_transcript(call_id, transcript, loaded, services, progress) -> ReviewResult:
    from .coach import draft_coaching
    from .llm import UsageTally
    from .retrieve import retrieve_candidates
    from .score import score_call

    store = services.store
    call = store.get_call(call_id)
    history = store.rep_history(call.rep, loaded.methodology.id, before=call_id) if call.rep else []
    key = cache_key(transcript, loaded.sha256, services, history)
    cached = store.find_review_by_cache_key(key)
    if cached is not None and cached.call_id == call_id:
        progress("store", 1.0, "Served from the store (unchanged call and settings)")
        store.update_call_status(call_id, "reviewed")  # a call that failed before is reviewed now
        return ReviewResult(call_id, cached.id, transcript, cached.scorecard, cached.draft, True)

    try:
        progress("index", 0.0, "Indexing the methodology and the call")
        services.index.index_methodology(loaded)
        services.index.index_transcript(str(call_id), transcript)
        candidates = retrieve_candidates(services.index, str(call_id), transcript, loaded.methodology)
        progress("index", 1.0, "Evidence candidates found")

        progress("score", 0.0, f"Scoring against {loaded.methodology.name}")
        scorecard = score_call(transcript, loaded, candidates, services.engine, services.settings)
        progress("score", 1.0, "Scorecard ready")

        progress("coach", 0.0, "Drafting the SLED coaching agenda")
        polish = UsageTally()
        draft = draft_coaching(scorecard, loaded.methodology, history=history, rep=call.rep,
                               engine=services.engine, usage=polish)
    except CallreviewError as exc:  # the transcript stays stored; a retry starts from it
        store.update_call_status(call_id, "failed", str(exc))
        raise
    if polish.calls:  # the review's token usage covers the coaching call too, not only scoring
        usage = dict(scorecard.provenance.token_usage)
        for name, value in polish.as_dict().items():
            usage[name] = usage.get(name, 0) + value
        scorecard.provenance.token_usage = usage
    progress("coach", 1.0, "Coaching draft ready")

    review_id = store.save_review(call_id, scorecard, draft, key)
    store.update_call_status(call_id, "reviewed")
    progress("store", 1.0, "Saved")
    return ReviewResult(call_id, review_id, transcript, scorecard, draft, False)
