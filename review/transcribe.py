"""Recording -> speaker-attributed `Transcript` with faster-whisper.

Two-channel calls are transcribed one channel at a time and merged by word start time, so the
speaker of every word is exact (left = "speaker_1", right = "speaker_2"). One-channel calls get
their speakers by voice (review.diarize), and a sentence a speaker change cuts goes to one side
(review.turn_edges); where only one voice is found, all speech stays under one honest "unknown"
speaker. Decoding is set up against text invented on silence: VAD removes non-speech first, the
previous window's text never primes the next, and segments that look like silence or a repetition
loop, or are only a note of a sound ("[Music]"), are dropped.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import audio as audio_io
from . import diarize, turn_edges, whisper_models, windowed
from .errors import ConfigError
from .settings import Settings, load_settings
from .speakers import ALL_UNKNOWN, MONO_WARNING, is_sound_only, left_channel_doubt
from .types import Segment, SpeakerAttribution, Transcript, TranscriptSource, Word
from .voices import VoiceProfile

Progress = Callable[[float, float], None]

EMBEDDED_MODEL = whisper_models.EMBEDDED
# Whisper's own thresholds for "this window was silence" (OpenAI whisper transcribe()).
_NO_SPEECH_PROB = 0.6
_LOW_AVG_LOGPROB = -1.0
# Text that compresses this well is a repetition loop, the usual shape of invented text.
_MAX_COMPRESSION_RATIO = 2.4
# A window's first word within this of the window start, and this soon after the same word ended the
# window before, is that word heard twice over the cut (review.windowed cuts in a pause).
_CARRY_S = 0.15
_CARRY_GAP_S = 1.5

RepVoiceSink = Callable[[str, audio_io.Samples], None]


def resolve_model(name: str, models_dir: str | os.PathLike | None = None) -> tuple[str, str]:
    """Where a Whisper model lives on disk, and the label recorded in provenance.

    Args:
        name: "embedded" (the shipped model chosen by measurement, see review.whisper_models),
            "embedded-tiny.en" or "embedded-base", a local folder holding a CTranslate2 Whisper
            model, or a faster-whisper model name already in the local cache.
        models_dir: the folder the embedded base model is assembled into (default: the settings').
    """
    if whisper_models.is_embedded(name):
        if models_dir is None:
            models_dir = whisper_models.models_folder(load_settings())
        found = whisper_models.embedded_model(name, Path(models_dir))
        return found.path, found.label
    expanded = os.path.expanduser(name)
    if os.path.isdir(expanded):
        if not os.path.isfile(os.path.join(expanded, "model.bin")):
            raise ConfigError(
                f"whisper model folder {name} has no model.bin; give a CTranslate2 Whisper model folder"
            )
        return expanded, name
    if os.path.exists(expanded):
        raise ConfigError(f"whisper model {name} is a file, not a model folder; give a CTranslate2 Whisper model folder")
    # "Systran/faster-whisper-small" is a hub id; "./models/x" or "/opt/x" is a folder that is missing.
    if name.startswith(("/", ".", "~")) or name.count("/") > 1:
        raise ConfigError(f"whisper model folder {name} not found; check the path")
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True), name
    except Exception:  # noqa: BLE001 - huggingface_hub raises several kinds for "not cached"
        raise ConfigError(
            f"whisper model {name!r} is not available offline; pass a local model folder with --model "
            "(or CALLREVIEW_WHISPER_MODEL), use 'embedded', 'embedded-base' or 'embedded-tiny.en', "
            "or download it once when online"
        ) from None


@functools.lru_cache(maxsize=4)
def load_model(model_path: str, device: str, compute_type: str, threads: int):
    """A faster-whisper `WhisperModel`, loaded once per process for each configuration.

    Args:
        model_path: model folder from `resolve_model`.
        device: "cpu", "cuda" or "auto".
        compute_type: CTranslate2 compute type, e.g. "int8".
        threads: CPU threads; 0 lets CTranslate2 pick.
    """
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(model_path, device=device, compute_type=compute_type, cpu_threads=threads)
    except (RuntimeError, ValueError, OSError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"cannot load whisper model {model_path} on {device}/{compute_type} ({first_line}); "
            "check CALLREVIEW_WHISPER_MODEL, _DEVICE and _COMPUTE_TYPE"
        ) from None


def hotwords(settings: Settings) -> str | None:
    """The names transcription should favour: company, products, then the hot words setting, each once.

    Args:
        settings: callreview settings (company_name, product_names, hotwords).
    """
    names: list[str] = []
    for raw in (settings.company_name, settings.product_names, settings.hotwords):
        for name in raw.split(","):
            if name.strip() and name.strip().casefold() not in {n.casefold() for n in names}:
                names.append(name.strip())
    return ", ".join(names) or None


def decoding_options(settings: Settings, multilingual: bool = True) -> dict:
    """The faster-whisper `transcribe` options derived from settings (recorded in provenance).

    Args:
        settings: callreview settings (language, beam size, company and product names, hotwords).
        multilingual: whether the model can detect and transcribe other languages than English;
            with an English-only model, language "auto" means English.
    """
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    language: str | None = settings.whisper_language.strip().lower()
    if language != "auto" and language not in _LANGUAGE_CODES:
        raise ConfigError(f"CALLREVIEW_WHISPER_LANGUAGE={settings.whisper_language!r} is not a Whisper language "
                          "code; use a code such as en, es, de, fr, or 'auto' to detect it")
    if not multilingual:
        language = "en"
    elif language == "auto":
        language = None  # Whisper detects it
    return {
        "language": language,
        "beam_size": settings.whisper_beam_size,
        "word_timestamps": True,
        "vad_filter": True,
        "condition_on_previous_text": False,
        "hotwords": hotwords(settings),
    }


def model_is_multilingual(model) -> bool:
    """Whether a loaded `WhisperModel` knows other languages than English (tiny.en, base.en do not)."""
    return bool(getattr(getattr(model, "model", None), "is_multilingual", True))


def _kept(segment) -> bool:
    """False for a segment that is most likely invented (silence-like or a repetition loop) or is
    only a note of a sound ("[Music]", "(upbeat music)", "♪", written over hold music)."""
    silent = segment.no_speech_prob > _NO_SPEECH_PROB and segment.avg_logprob < _LOW_AVG_LOGPROB
    return (not silent and segment.compression_ratio <= _MAX_COMPRESSION_RATIO
            and not is_sound_only(segment.text))


def transcribe_samples(
    model, samples: audio_io.Samples, options: dict, progress: Progress | None = None, offset: float = 0.0,
    total: float = 0.0, window_s: float | None = None,
) -> tuple[list[list[Word]], str, int]:
    """Transcribe one channel, a window at a time when it is long (review.windowed).

    Args:
        model: a `WhisperModel`.
        samples: 16 kHz audio (float32 array or `review.audio.Pcm16`).
        options: keyword arguments for `WhisperModel.transcribe`, the same for every window
            (a language detected in the first window is kept for the rest).
        progress: called with (done seconds, total seconds) after each segment.
        offset: seconds already done before this channel (for progress).
        total: total seconds of all channels (for progress).
        window_s: seconds per window (default `review.windowed.WINDOW_S`; 0 = the whole channel).

    Returns:
        The words of each kept segment (times in the channel), the language, and how many
        segments were dropped.
    """
    cuts = windowed.cut_points(samples, windowed.WINDOW_S if window_s is None else window_s)
    options = dict(options)
    length = len(samples) / audio_io.SAMPLE_RATE
    kept: list[list[Word]] = []
    dropped = 0
    language = options.get("language") or "en"
    for first, last in zip(cuts[:-1], cuts[1:], strict=True):
        start = first / audio_io.SAMPLE_RATE
        segments, info = model.transcribe(samples[first:last], **options)
        for seg in segments:
            if progress:
                progress(offset + min(start + seg.end, length), total)
            if not _kept(seg):
                dropped += 1
                continue
            words = [
                Word(start=round(start + w.start, 3), end=round(start + w.end, 3), word=w.word,
                     probability=round(w.probability, 4))
                for w in seg.words or []
                if w.word.strip()
            ]
            if words and first and kept and carried_over(kept[-1][-1], words[0], start):
                words = words[1:]
            if words:
                kept.append(words)
        language = info.language
        options["language"] = options.get("language") or language  # one call, one language
        if len(cuts) > 2:
            windowed.release_freed_memory()
    return kept, language, dropped


def _bare(word: str) -> str:
    return "".join(c for c in word.lower() if c.isalnum() or c == "'")


def carried_over(last: Word, word: Word, window_start: float) -> bool:
    """True for a window's first word that repeats the last word of the window before it, heard
    again at the very start of the window (Whisper hears a word's tail over the cut and puts the
    word at time 0: "Hello. | Hello. Oh, hello." on the real sample, 8 s windows)."""
    return (_bare(word.word) == _bare(last.word) != "" and word.start - window_start <= _CARRY_S
            and word.start - last.end <= _CARRY_GAP_S)


def _segment(words: list[Word], speaker: str) -> Segment:
    return Segment(
        id=0,
        start=words[0].start,
        end=words[-1].end,
        speaker=speaker,
        text="".join(w.word for w in words).strip(),
        words=words,
    )


def words_to_turns(labelled: list[tuple[str, Word]]) -> list[Segment]:
    """Speaker turns: maximal runs of consecutive words (by start time) of one speaker.

    Args:
        labelled: (speaker, word) pairs from any number of channels, in any order.
    """
    ordered = sorted(labelled, key=lambda pair: (pair[1].start, pair[1].end))
    turns: list[Segment] = []
    run: list[Word] = []
    speaker = ""  # set from the first word before a turn is closed
    for who, word in ordered:
        if who != speaker and run:
            turns.append(_segment(run, speaker))
            run = []
        speaker = who
        run.append(word)
    if run:
        turns.append(_segment(run, speaker))
    return turns


def _numbered(segments: list[Segment]) -> list[Segment]:
    ordered = sorted(segments, key=lambda s: (s.start, s.end))
    return [s.model_copy(update={"id": i}) for i, s in enumerate(ordered)]


@dataclass
class _Attribution:
    model: SpeakerAttribution
    rep_speaker: str | None  # the rep chosen here (by voice profile), None to use the default

    @property
    def note(self) -> str:
        return self.model.note


def _attribution(method: str, segments: list[Segment], rep_speaker: str | None,
                 rep_voice: VoiceProfile | None, voices: dict[str, np.ndarray],
                 rep_name: str | None = None) -> _Attribution:
    """How the rep is chosen: --rep-speaker, else the voice profile (mono with voices found),
    else the left channel, else as review.speakers.choose_rep decides from the turns (what was said,
    "this is Alex", "Hi Alex"; else speaker_1, the first voice found); and the line that says so."""
    from .speakers import choose_rep
    from .voices import match_note, similarities

    if method == "one voice":
        return _Attribution(SpeakerAttribution(method=method, note="one voice found: no rep or customer"), None)
    if rep_speaker:
        return _Attribution(SpeakerAttribution(method=method, rep_chosen_by="rep speaker given",
                                               note=f"rep is {rep_speaker} (given)"), None)
    if method == "voices" and rep_voice is not None and voices:
        scores = similarities(rep_voice, voices)
        best = max(scores, key=lambda k: scores[k])
        note = match_note(rep_voice, scores, {})
        return _Attribution(SpeakerAttribution(method=method, rep_chosen_by="voice profile", profile=rep_voice.rep,
                                               similarity=scores, note=note), best)
    if method == "channels":
        return _Attribution(SpeakerAttribution(method=method, rep_chosen_by="left channel",
                                               note="rep is speaker_1 (the left channel)"), None)
    chosen = choose_rep(segments, None, rep_name)
    if chosen.speaker is None:
        return _Attribution(SpeakerAttribution(method=method, rep_chosen_by="none"), None)
    if chosen.how == "what was said":
        return _Attribution(SpeakerAttribution(method=method, rep_chosen_by="what was said",
                                               note=f"rep is {chosen.speaker} ({chosen.reason})"), chosen.speaker)
    hint = {"voices": "; no voice profile for this rep: check who is the rep (--rep-speaker)",
            "external": "; check who is the rep (--rep-speaker)"}.get(method, "")
    return _Attribution(SpeakerAttribution(method=method, rep_chosen_by="first speaker",
                                           note=f"rep is {chosen.speaker} (the first to speak){hint}"), chosen.speaker)


def transcribe_audio(
    path: str | os.PathLike,
    settings: Settings,
    channels: str = "auto",
    rep_speaker: str | None = None,
    progress: Progress | None = None,
    sha256: str | None = None,
    rep_name: str | None = None,
    rep_voice: VoiceProfile | None = None,
    rep_voice_sink: RepVoiceSink | None = None,
) -> Transcript:
    """Transcribe a recording into a speaker-attributed transcript with metrics.

    Args:
        path: a wav, mp3, m4a, ogg/opus, webm, mp4 or flac recording.
        settings: model, device, compute type, threads, language, beam size, hotwords, size limit,
            speakers (how many voices to look for in a mono recording), diarizer.
        channels: "auto" (split a two-channel file whose channels differ), "mono" or "split".
        rep_speaker: the speaker who is the rep ("speaker_1" = left channel by default).
        progress: optional callable(done_seconds, total_seconds), called as decoding advances.
        sha256: the recording's sha256 when the caller has it already (it is hashed once).
        rep_name: the rep's name, for display names ("Alex Rivera (rep)").
        rep_voice: the rep's voice profile; on a mono call without `rep_speaker` it picks the rep.
        rep_voice_sink: called with (speaker, samples) of the rep's channel of a two-channel call,
            to build the rep's voice profile.
    """
    from .metrics import compute_metrics
    from .speakers import assign_roles, display_names

    decoded = audio_io.decode(path, channels=channels, max_mb=settings.max_upload_mb, sha256=sha256)
    model_path, model_label = resolve_model(settings.whisper_model, whisper_models.models_folder(settings))
    model = load_model(model_path, settings.whisper_device, settings.whisper_compute_type, settings.whisper_threads)
    multilingual = model_is_multilingual(model)
    options = decoding_options(settings, multilingual)
    total = decoded.duration * len(decoded.channels)
    warnings: list[str] = []
    if settings.whisper_language.strip().lower() != "en" and not multilingual:
        warnings.append(f"{model_label} knows English only, so language '{settings.whisper_language}' was "
                        "transcribed as English; set CALLREVIEW_WHISPER_MODEL=embedded-base for other languages")
    language = options["language"] or "en"
    dropped = 0
    segments: list[Segment] = []
    labelled: list[tuple[str, Word]] = []
    voices: dict[str, np.ndarray] = {}
    method = "channels" if decoded.split else "voices"
    for index, samples in enumerate(decoded.channels):
        runs, language, n_dropped = transcribe_samples(
            model, samples, options, progress, offset=index * decoded.duration, total=total
        )
        dropped += n_dropped
        if decoded.split:
            labelled += [(f"speaker_{index + 1}", w) for words in runs for w in words]
            continue
        if settings.diarizer:
            method = "external"
            turns = diarize.diarize_external(samples, settings.diarizer)
        else:
            found = diarize.diarize(samples, settings.speakers)
            if found.one_voice or len(found.speakers) < 2:
                method = "one voice"
                if found.one_voice:
                    warnings.append(f"{found.one_voice}; {ALL_UNKNOWN}")
                # No speaker information: keep Whisper's own segments as the units to quote.
                segments += [_segment(words, "unknown") for words in runs]
                continue
            turns, voices = found.turns, found.voices
            windowed.release_freed_memory()
        for words in runs:
            for w in words:
                labelled.append((diarize.speaker_at(turns, w.start, w.end) or "unknown", w))
    turns_found = words_to_turns(labelled)
    if method in ("voices", "external"):  # turns cut by voice: give each sentence across a cut to one side
        turns_found = turn_edges.snap(turns_found)
    segments = _numbered(segments + turns_found)
    if progress:
        progress(total, total)
    if decoded.channels_identical and channels != "split":
        warnings.append("both channels carry the same audio, so it was transcribed as one channel")
    attribution = _attribution(method, segments, rep_speaker, rep_voice, voices, rep_name)
    if method == "channels" and not rep_speaker and (doubt := left_channel_doubt(segments, rep_name)):
        warnings.append(doubt)
    if decoded.split and rep_voice_sink is not None:
        rep = rep_speaker or "speaker_1"
        if rep in ("speaker_1", "speaker_2"):
            rep_voice_sink(rep, decoded.channels[int(rep[-1]) - 1])
    if not decoded.split and segments:
        if method == "external":  # with how the rep was chosen, as for voices (the page says it once)
            warnings.append(f"speakers of this mono recording were estimated by {settings.diarizer.split(':')[0]}; "
                            + (attribution.note or "check who is the rep (--rep-speaker SPEAKER)"))
        elif method == "voices":
            warnings.append(f"speakers of this mono recording were found by voice; {attribution.note}")
        else:
            warnings.append(MONO_WARNING)
    if dropped:
        warnings.append(f"{dropped} segment(s) dropped as likely invented text (silence or repetition)")
    if not segments:
        warnings.append(f"no speech found in {decoded.path.name}; check that the recording has audible speech")
    segments = assign_roles(segments, rep_speaker=rep_speaker or attribution.rep_speaker)
    return Transcript(
        segments=segments,
        metrics=compute_metrics(segments, decoded.duration),
        duration=round(decoded.duration, 3),
        language=language,
        audio_sha256=decoded.sha256,
        source=TranscriptSource(
            file=decoded.path.name,
            format="audio",
            model=model_label,
            options={
                **options,
                "device": settings.whisper_device,
                "compute_type": settings.whisper_compute_type,
                "threads": settings.whisper_threads,
                "drop_if_no_speech_prob_over": _NO_SPEECH_PROB,
                "and_avg_logprob_under": _LOW_AVG_LOGPROB,
                "drop_if_compression_ratio_over": _MAX_COMPRESSION_RATIO,
            },
            channels="split" if decoded.split else "mono",
        ),
        warnings=warnings,
        speaker_names=display_names(segments, rep_name),
        attribution=attribution.model,
    )


def transcript_from_file(
    path: str | os.PathLike,
    settings: Settings,
    channels: str = "auto",
    rep_speaker: str | None = None,
    progress: Progress | None = None,
    sha256: str | None = None,
    rep_name: str | None = None,
    rep_voice: VoiceProfile | None = None,
    rep_voice_sink: RepVoiceSink | None = None,
) -> Transcript:
    """A transcript from any supported file: a transcript file is read, a recording transcribed.

    Args:
        path: .vtt, .srt, .txt or .json transcript, or an audio/video recording.
        settings: callreview settings.
        channels: for recordings: "auto", "mono" or "split".
        rep_speaker: the speaker who is the rep; default as in `review.speakers.assign_roles`.
        progress: for recordings: optional callable(done_seconds, total_seconds).
        sha256: for recordings: the file's sha256 when the caller has it already.
        rep_name, rep_voice, rep_voice_sink: for recordings, as in `transcribe_audio`
            (rep_name also names the rep of a transcript file).
    """
    from .formats import TRANSCRIPT_EXTENSIONS, load_transcript
    from .speakers import display_names

    p = audio_io.check_input_file(path, settings.max_upload_mb)
    if p.suffix.lower() in TRANSCRIPT_EXTENSIONS:
        transcript = load_transcript(p, rep_speaker=rep_speaker, rep_name=rep_name)
        if not transcript.speaker_names:
            transcript.speaker_names = display_names(transcript.segments, rep_name)
        return transcript
    return transcribe_audio(p, settings, channels=channels, rep_speaker=rep_speaker, progress=progress,
                            rep_name=rep_name, rep_voice=rep_voice, rep_voice_sink=rep_voice_sink, sha256=sha256)
