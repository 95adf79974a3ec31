"""The whole review of one call: transcribe -> index -> retrieve -> score -> coach -> store.

The CLI and the app both call `review_file` (or `review_transcript`); neither holds logic of its own.
A re-review of an unchanged call with the same settings is served from the store (no LLM call).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import CallreviewError, InputError, StoreError
from .hashing import sha256_file, sha256_json, transcript_sha256
from .settings import Settings
from .types import CoachingDraft, Scorecard, Transcript

if TYPE_CHECKING:  # the seams' classes import heavy libraries; keep them lazy at run time
    from .index import CallIndex
    from .llm import ChatEngine
    from .store import Store

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
    store: Store
    index: CallIndex
    engine: ChatEngine | None

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


def cache_key(transcript: Transcript, methodology_sha: str, services: Services, history=(),
              calibration: dict | None = None) -> str:
    """Everything that decides a review's content; equal keys give equal reviews.

    history: the rep's earlier scorecards the coaching pattern is drawn from (a new earlier call
    changes the pattern, so it changes the key).
    calibration: criterion id -> the version of its calibrated model (a new fit changes the key),
        and "marked": the quotes the manager marked right / wrong (the judge's own examples).
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
    if engine:  # the same model name at another endpoint is another model (rules keep their keys)
        parts["endpoint"] = getattr(engine, "base_url", None) or services.settings.llm_base_url
    else:  # the offline judge and the team's calibration decide presence
        from .judge import JUDGE_VERSION

        parts["judge"] = JUDGE_VERSION
        parts["calibration"] = calibration or {}
    from .store.records import review_cache_key

    return review_cache_key(**parts)


def check_call_date(value: str | None) -> str | None:
    """The call's date as given (None when blank), refused in one line when it is not a date
    (YYYY-MM-DD), is in the future or is before 1990 (a typo: it would sort the call wrongly)."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"call date {text!r} is not a date; use YYYY-MM-DD") from None
    if day > date.today() + timedelta(days=1):  # a day's grace for time zones
        raise InputError(f"call date {text} is in the future; give the day the call took place (YYYY-MM-DD)")
    if day.year < 1990:
        raise InputError(f"call date {text} is before 1990; give the day the call took place (YYYY-MM-DD)")
    return day.isoformat()


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

    path: audio (wav, mp3, m4a, ogg, webm, mp4, flac) or transcript (.vtt, .srt, .txt, .json, .docx).
    methodology: a methodology id or name from the library.
    rep: the rep's name (for history and trends); rep_speaker: which transcript speaker is the rep.
    call_date: ISO date of the call (default today); call_type: e.g. discovery, demo, negotiation.
    channels: auto | mono | split, for audio. progress: callback(stage, fraction, message).
    A file already in the store (same content hash) is not transcribed again.

    A file that cannot be read is refused before its upload is kept or a call recorded. Once
    the call exists, any failure marks it `failed` with a one-line reason (see review.rework.retry_call);
    an OSError (e.g. a full disk) is raised as a StoreError naming the retry command.
    """
    from .audio import check_input_file
    from .methodology import MethodologyLibrary

    progress = progress or _noop
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; check the path")
    # blank means "not given": a re-review with an empty --rep or --date keeps what the call has
    rep, title, rep_speaker = (" ".join(v.split()) or None if v else None for v in (rep, title, rep_speaker))
    call_date = check_call_date(call_date)
    settings = services.settings
    loaded = MethodologyLibrary(settings).get(methodology)  # fail fast on a bad name
    store = services.store
    store.mark_interrupted_reviews()
    check_input_file(path, settings.max_upload_mb)  # empty or too large: before anything is kept
    sha = sha256_file(path)  # the one hash of this recording in this review
    call = store.find_call_by_sha(sha)
    transcript = None
    if call is None:
        # a file that cannot be read leaves nothing behind: no upload kept, no call recorded
        transcript = preflight(path, settings, rep_speaker, rep)
        if transcript is not None and not transcript.speaker_names:  # "Alex Rivera (rep)", "Customer"
            from .speakers import display_names

            transcript.speaker_names = display_names(transcript.segments, rep)
        stored = store.keep_upload(path, sha, path.name)
        call_id, created = store.claim_call(
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
        call_id, created = call.id, False
    if not created:  # the same recording again: what the manager says about it now wins
        store.update_call_details(call_id, rep=rep, call_date=call_date, title=title)
    store.begin_review(call_id)
    try:
        stored_transcript = store.get_transcript(call_id)
        if stored_transcript is None:
            if transcript is None:
                transcript = _transcribe(path, settings, channels, rep_speaker, progress, sha, store, call_id)
                check_transcript_size(transcript, settings, path.name)
            store.save_transcript(call_id, transcript)
            store.update_call_status(call_id, "transcribed")
        else:
            transcript = check_transcript_size(stored_transcript, settings, path.name)
            from .rework import apply_rep_speaker

            if not rep_speaker:  # the rep named now may be a speaker of the file who is not the rep yet
                from .speakers import choose_rep

                chosen = choose_rep(transcript.segments, None, rep)
                by_name = chosen.speaker if chosen.how == "name" else None
                rep_speaker = by_name if by_name != transcript.metrics.rep_speaker else None
            if rep_speaker:  # a stored call: a rep speaker named now re-computes roles (or is an error)
                transcript = apply_rep_speaker(store, call_id, transcript, rep_speaker)
        progress("transcribe", 1.0, "Transcript ready")
        return _review_transcript(call_id, transcript, loaded, services, progress)
    except BaseException as exc:
        reason = failure_reason(exc)
        try:  # any failure leaves the call failed with its reason, never half-done
            store.update_call_status(call_id, "failed", reason)
        except Exception:  # noqa: BLE001  the store itself is the problem (a full disk): keep the first error
            pass
        if isinstance(exc, OSError):
            raise StoreError(f"{path.name}: the review stopped: {reason}; fix that, then run "
                             f"callreview review --retry {call_id}") from None
        raise


def failure_reason(exc: BaseException) -> str:
    """One line saying why a review stopped, for the call's error column."""
    if isinstance(exc, CallreviewError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C); retry the review"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({getattr(exc, 'filename', None) or 'disk'})"
    text = (str(exc).strip().splitlines() or [""])[0]
    return f"unexpected {type(exc).__name__}: {text}"[:500]


def preflight(path: Path, settings: Settings, rep_speaker: str | None = None,
              rep: str | None = None) -> Transcript | None:
    """Read a transcript file now (cheap) or check that a recording decodes at all. rep: the call's
    rep, whose speaker in the file is the rep when rep_speaker is not given."""
    from .audio import probe_recording
    from .formats import TRANSCRIPT_EXTENSIONS, load_transcript

    if path.suffix.lower() in TRANSCRIPT_EXTENSIONS:
        transcript = load_transcript(path, rep_speaker=rep_speaker, max_turns=settings.max_turns, rep_name=rep)
        return check_transcript_size(transcript, settings, path.name)
    probe_recording(path, settings.max_upload_mb)
    return None


def check_transcript_size(transcript: Transcript, settings: Settings, name: str) -> Transcript:
    """Refuse a transcript with no speech (nothing to score), more turns than settings.max_turns, or more words than
    settings.max_words (bounded indexing and scoring work: a book pasted as a call would take hours)."""
    from .formats import turn_limit_error

    if not any(s.text.strip() for s in transcript.segments):  # a review of nothing would coach on it
        raise InputError(f"{name}: no speech found, so there is nothing to score; check that the recording has "
                         "audible speech (or the transcript has text) and upload it again")
    if len(transcript.segments) > settings.max_turns:
        raise turn_limit_error(name, len(transcript.segments), settings.max_turns)
    words = sum(len(s.text.split()) for s in transcript.segments)
    if words > settings.max_words:
        hours = settings.max_words / 9000  # about 150 words a minute
        talk = f"about {hours:.0f} hours" if hours >= 1.5 else "about an hour" if hours >= 0.75 else "under an hour"
        raise InputError(f"{name}: has {words:,} words, over the limit of {settings.max_words:,} ({talk} of "
                         "talk); split the call, or raise CALLREVIEW_MAX_WORDS")
    return transcript


def _transcribe(path: Path, settings: Settings, channels: str, rep_speaker: str | None,
                progress: Progress, sha256: str, store, call_id: int) -> Transcript:
    """Transcribe a recording; the call's rep names the rep's speaker and their voice profile picks
    it on a mono call (a two-channel call adds to that profile)."""
    from .transcribe import transcript_from_file

    progress("transcribe", 0.0, f"Transcribing {path.name}")
    rep_name = store.get_call(call_id).rep
    return transcript_from_file(
        path, settings, channels=channels, rep_speaker=rep_speaker,
        progress=lambda done, total: progress("transcribe", done / total if total else 1.0, ""),
        sha256=sha256, rep_name=rep_name,
        rep_voice=store.voice_profile(rep_name) if rep_name else None,
        rep_voice_sink=_learn_rep_voice(store, rep_name, path.name) if rep_name else None,
    )


def _learn_rep_voice(store, rep: str, filename: str):
    """A sink for transcription: the rep's channel of a two-channel call, averaged into their
    voice profile (review.voices). A channel with too little speech is skipped, not an error."""
    from .errors import InputError
    from .voices import merged, voice_of

    def sink(speaker: str, samples) -> None:
        try:
            embedding, seconds = voice_of(samples, f"{filename} ({speaker})")
        except InputError:
            return
        source = {"kind": "call", "name": filename, "channel": speaker, "seconds": round(seconds, 1)}
        store.save_voice_profile(merged(store.voice_profile(rep), rep, embedding, source))

    return sink


def _review_transcript(call_id, transcript, loaded, services, progress) -> ReviewResult:
    from .coach import draft_coaching
    from .llm import UsageTally
    from .retrieve import retrieve_candidates
    from .score import score_call

    store = services.store
    call = store.get_call(call_id)
    history = store.rep_history(call.rep, loaded.methodology.id, before=call_id) if call.rep else []
    calibrated, marked, criterion_vectors = {}, {}, None
    if services.engine is None:
        from .calibration import PROBES_FROM_MARKS, last_resets, refresh
        from .judge import embed_criteria

        criteria = loaded.methodology.criteria
        if PROBES_FROM_MARKS:
            marked = store.marked_quotes(loaded.methodology.id, last_resets(store, loaded.methodology.id))
        criterion_vectors = embed_criteria(criteria, services.index.embed, marked)
        calibrated = refresh(store, loaded.methodology.id, criteria, services.index.embed, criterion_vectors)
    key = cache_key(transcript, loaded.sha256, services, history,
                    {cid: a.version for cid, a in calibrated.items()} | ({"marked": marked} if marked else {}))
    cached = store.find_review_by_cache_key(key)
    if cached is not None and cached.call_id == call_id:
        store.update_call_status(call_id, "reviewed")  # ends this run's claim on the call
        progress("store", 1.0, "Served from the store (unchanged call and settings)")
        store.update_call_status(call_id, "reviewed")  # a call that failed before is reviewed now
        return ReviewResult(call_id, cached.id, transcript, cached.scorecard, cached.draft, True)

    # a failure from here on is recorded by review_file; the stored transcript is where a retry starts
    progress("index", 0.0, "Indexing the methodology and the call")
    services.index.index_methodology(loaded)
    services.index.index_transcript(str(call_id), transcript)
    candidates = retrieve_candidates(services.index, str(call_id), transcript, loaded.methodology)
    progress("index", 1.0, "Evidence candidates found")

    progress("score", 0.0, f"Scoring against {loaded.methodology.name}")
    judgements = None
    if services.engine is None and criterion_vectors is not None:
        from .calibration import judge_view
        from .judge import view_call

        view = view_call(transcript, loaded.methodology.criteria, services.index.embed, criterion_vectors)
        judgements = judge_view(view, loaded.methodology.criteria, calibrated)
    scorecard = score_call(transcript, loaded, candidates, services.engine, services.settings,
                           judgements=judgements)
    for cid, (right, wrong) in marked.items():  # the judge compared sentences with these too
        if right or wrong:
            scorecard.provenance.calibration[cid] = scorecard.provenance.calibration.get(cid, {}) | {
                "marked_right": len(right), "marked_wrong": len(wrong)}
    progress("score", 1.0, "Scorecard ready")

    progress("coach", 0.0, "Drafting the SLED coaching agenda")
    polish = UsageTally()
    draft = draft_coaching(scorecard, loaded.methodology, history=history, rep=call.rep,
                           engine=services.engine, usage=polish, redact=services.settings.redact,
                           redact_names=services.settings.redact_names, transcript=transcript)
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
