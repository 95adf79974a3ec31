"""Speakers: labels found in transcript files, and roles (which speaker is the rep).

A speaker is a label from the recording or the transcript file ("speaker_1", "Alex Rivera");
a role is what that speaker is in the sales call ("rep", "customer", "unknown"). Scoring and
coaching care about the rep, so every transcript gets roles before anything else reads it.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ConfigError
from .types import Segment, Transcript

UNKNOWN_SPEAKER = "unknown"
# what every warning about a recording where one voice was found says (a speaker given by hand ends them)
ALL_UNKNOWN = "all speech is under 'unknown'"
MONO_WARNING = (
    f"one-channel recording: speakers could not be told apart, so {ALL_UNKNOWN} and per-speaker metrics "
    "are not available; say who said each turn (the call page's Manage this call -> Who said a turn, or "
    "`callreview turn`), and record rep and customer on separate channels (two-channel/stereo) for exact speakers"
)
# the same for a transcript file whose lines name nobody (a caption file without speaker tags)
UNNAMED_WARNING = (
    f"the transcript file names no speakers, so {ALL_UNKNOWN} and per-speaker metrics are not available; say "
    "who said each turn (the call page's Manage this call -> Who said a turn, or `callreview turn`), or export "
    "the transcript with speaker names"
)
# what a count of the turns no one was named for says (an imported file naming some, a call named by hand in part)
STILL_UNKNOWN = "turns are still under 'unknown'"


def unknown_turns_warning(unknown: int, total: int) -> str:
    """The transcript warning for `unknown` of `total` turns with no speaker named."""
    return (f"{unknown} of {total} {STILL_UNKNOWN}: say who said them (the call page's Manage this call -> "
            "Who said a turn, or `callreview turn`)")


# what every warning that doubts the rep says (only guessed, or speech says another speaker); naming the rep ends it
REP_DOUBTED = "the rep is taken to be"
# what the warning of a transcript file whose rep is only the first to talk says (rep_guessed_warning)
REP_GUESSED = f"so {REP_DOUBTED}"


def rep_guessed_warning(rep: str, rep_name: str | None = None) -> str:
    """The warning for a transcript file whose rep was only guessed (`RepChoice.guessed`): `rep`, the first
    to talk, with why nothing better was found (numbered speakers, or no speaker with the call's rep's name)."""
    if is_numbered_label(rep):
        why = "the speakers are only numbered"
    elif rep_name and rep_name.strip():
        why = f"no speaker is named {' '.join(rep_name.split())}"
    else:
        why = "the call's rep is not named"
    return (f"{why}, {REP_GUESSED} {rep}, the first to talk; if that is the customer, say who the rep is "
            "(the call page's Manage this call -> Who is the rep, or --rep-speaker)")


# labels a tool or a captioner gives speakers it cannot name: "speaker_1", "Speaker 2", "SPEAKER_00", "spk_0",
# "Speaker A", "Participant 3"
_NUMBERED = re.compile(r"(?:speaker|spk|spkr|participant|person|voice|guest)[\s_-]*(?:\d{1,3}|[a-z])", re.IGNORECASE)


def is_numbered_label(label: str) -> bool:
    """Whether a speaker label only numbers the speaker ("Speaker 2", "spk_0") rather than naming them."""
    return bool(_NUMBERED.fullmatch(label.strip()))


# Two-channel recordings put the rep on the left channel, which transcription names speaker_1.
LEFT_CHANNEL_SPEAKER = "speaker_1"


def _normalise(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def find_speaker(wanted: str, speakers: list[str]) -> str | None:
    """The speaker called `wanted`: an exact match first, then ignoring case, spacing and
    underscores ("Speaker 2" is speaker_2), then the company or title in parentheses."""
    if wanted in speakers:
        return wanted
    matches = [s for s in speakers if _normalise(s) == _normalise(wanted)]
    if not matches:  # "Alex Rivera" is "Alex Rivera (Rautwise)"
        matches = [s for s in speakers if _normalise(without_affiliation(s)) == _normalise(wanted)]
    return matches[0] if len(matches) == 1 else None


# speaker labels that are a role, not a name ("Rep: ...", "Prospect: ..."), as transcripts written by hand have them
_SELLER_LABELS = {"rep", "sales rep", "sales", "salesperson", "sales person", "seller", "agent", "sales agent",
                  "ae", "account executive", "account manager", "sdr", "bdr", "sales development rep"}
_BUYER_LABELS = {"customer", "prospect", "buyer", "client", "lead"}


def label_role(speaker: str) -> str | None:
    """"rep" or "customer" for a label that names a role ("Sales Rep", "Prospect 2"), else None."""
    label = re.sub(r"[\s_]*\d+$", "", _normalise(speaker))
    return "rep" if label in _SELLER_LABELS else "customer" if label in _BUYER_LABELS else None


def speaker_named(rep_name: str | None, named: list[str]) -> str | None:
    """The speaker labelled with the call's rep's name: the whole name, or the first name alone where
    one speaker is labelled so ("Alex" for Alex Rivera, never "Alex Chen"); None otherwise."""
    if not rep_name or not rep_name.strip():
        return None
    found = find_speaker(rep_name, named)
    if found is not None:
        return found
    first = _normalise(rep_name).split()[0]
    by_first = [s for s in named if _normalise(without_affiliation(s)) == first]
    return by_first[0] if len(by_first) == 1 else None


_INTRO_TURNS = 3  # a rep introduces themselves in their first turns ("Hi Jordan, this is Alex from ...")


def rep_in_speech(segments: list[Segment], rep_name: str | None) -> tuple[str, str] | None:
    """The rep's speaker by what is said in each speaker's first turns, and why, for the note: the one
    speaker who introduces themselves by the rep's first name ("this is Alex", "I'm Alex", "Alex here"),
    else, on a two-person call, the one the other greets by it ("Hi Alex", "Thanks, Alex."). None when
    speech does not say (no one, or both, say it)."""
    words = (rep_name or "").split()
    if not words:
        return None
    first = re.escape(words[0])
    intro = re.compile(rf"\b(?:this is|i'm|i am|my name is|it's|it is|name's)\s+{first}\b|\b{first}\s+(?:here|speaking)\b",
                       re.IGNORECASE)
    greet = re.compile(rf"\b(?:hi|hey|hello|thanks|thank you|morning)\s*,?\s+{first}\b|,\s*{first}\s*[.!?]",
                       re.IGNORECASE)
    early: dict[str, list[str]] = {}
    for seg in sorted(segments, key=lambda s: (s.start, s.id)):
        said = early.setdefault(seg.speaker, []) if seg.speaker != UNKNOWN_SPEAKER else []
        if len(said) < _INTRO_TURNS:
            said.append(seg.text)
    introduced = [who for who, texts in early.items() if any(intro.search(t) for t in texts)]
    if introduced:
        return (introduced[0], f"introduced themselves as {words[0]}") if len(introduced) == 1 else None
    greeting = [who for who, texts in early.items() if any(greet.search(t) for t in texts)]
    if len(early) != 2 or len(greeting) != 1:
        return None
    return next(who for who in early if who != greeting[0]), f"greeted as {words[0]} by {greeting[0]}"


def left_channel_doubt(segments: list[Segment], rep_name: str | None) -> str | None:
    """On a two-channel recording the rep is the left channel (speaker_1) by convention; the warning to
    give when speech says the other channel is the rep (`rep_in_speech`: a recorder wired the other way
    round), else None."""
    found = rep_in_speech(segments, rep_name)
    if found is None or found[0] == LEFT_CHANNEL_SPEAKER:
        return None
    return (f"{found[0]} {found[1]}, but {REP_DOUBTED} {LEFT_CHANNEL_SPEAKER} (the left channel); if the "
            f"rep is on the other channel, say who the rep is (the call page's Manage this call -> Who is the "
            f"rep, or --rep-speaker {found[0]})")


@dataclass(frozen=True)
class RepChoice:
    """Which speaker is the rep, and how that was decided (for the transcript's note and warnings)."""

    speaker: str | None  # None: nobody is named (every turn is "unknown")
    how: str  # "given", "name", "label", "what was said", "speaker_1", "first to talk", "none"
    reason: str = ""  # what was said, for "what was said" ("greeted as Alex by speaker_1")

    @property
    def guessed(self) -> bool:
        """Nothing about the call says so: the rep is speaker_1 or the first to talk by default."""
        return self.how in ("speaker_1", "first to talk")


def rep_to_check(transcript: Transcript) -> str | None:
    """The speaker taken for the rep when the manager should check it, else None: the rep was only
    guessed (a mono recording's first voice, a tool's speaker_1) or speech says another speaker is
    the rep (`left_channel_doubt`). Naming the rep (`speaker_edits.with_rep_speaker`) ends it."""
    rep = transcript.metrics.rep_speaker or next((s.speaker for s in transcript.segments if s.role == "rep"), None)
    chosen_by = transcript.attribution.rep_chosen_by if transcript.attribution is not None else None
    return doubted_rep(chosen_by, transcript.warnings, rep)


def doubted_rep(rep_chosen_by: str | None, warnings: Iterable[str], rep_speaker: str | None) -> str | None:
    """`rep_to_check` from a transcript's parts (review.migrations reads them from stored JSON)."""
    if rep_chosen_by == "first speaker" or any(REP_DOUBTED in w for w in warnings):
        return rep_speaker
    return None


def choose_rep(segments: list[Segment], rep_speaker: str | None = None, rep_name: str | None = None) -> RepChoice:
    """The one place the rep is chosen.

    segments: the transcript's turns, in any order.
    rep_speaker: the speaker who is the rep, when someone said so; None (or "") picks the speaker
        the labels say (`speaker_named`: the call's rep by name, else the one speaker labelled as a
        seller: "Rep:", "Sales", "Agent", "AE"), else the one speech says (`rep_in_speech`: "this is
        Alex", "Hi Alex"), else "speaker_1" when present (the left channel of a two-channel
        recording, the first voice of a mono one), else the first named speaker to talk who is not
        labelled as the buyer ("Prospect:", "Customer:").
    rep_name: the call's rep, as the manager names them ("Alex Rivera").

    Raises ConfigError when `rep_speaker` is not one of the transcript's named speakers.
    """
    named: list[str] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.id)):
        if seg.speaker != UNKNOWN_SPEAKER and seg.speaker not in named:
            named.append(seg.speaker)
    if rep_speaker:
        found = find_speaker(rep_speaker, named)
        if found is None:
            listed = ", ".join(f"'{s}'" for s in named) or "none (every turn is 'unknown')"
            raise ConfigError(
                f"rep speaker '{rep_speaker}' is not a named speaker in this transcript; "
                f"speakers: {listed}; give one of those names"
            )
        return RepChoice(found, "given")
    if (by_name := speaker_named(rep_name, named)) is not None:
        return RepChoice(by_name, "name")
    sellers = [s for s in named if label_role(s) == "rep"]
    if len(sellers) == 1:
        return RepChoice(sellers[0], "label")
    if (said := rep_in_speech(segments, rep_name)) is not None:
        return RepChoice(said[0], "what was said", said[1])
    if LEFT_CHANNEL_SPEAKER in named:
        return RepChoice(LEFT_CHANNEL_SPEAKER, "speaker_1")
    if not named:
        return RepChoice(None, "none")
    return RepChoice(next((s for s in named if label_role(s) != "customer"), named[0]), "first to talk")


def assign_roles(segments: list[Segment], rep_speaker: str | None = None,
                 rep_name: str | None = None) -> list[Segment]:
    """Return copies of `segments` with `role` set: the rep as `choose_rep` decides (the same
    arguments), every other named speaker "customer", the speaker "unknown" stays "unknown".

    Raises ConfigError when `rep_speaker` is not one of the transcript's named speakers.
    """
    if not segments:
        return []
    rep = choose_rep(segments, rep_speaker, rep_name).speaker

    def role_of(speaker: str) -> str:
        if speaker == UNKNOWN_SPEAKER:
            return "unknown"
        return "rep" if speaker == rep else "customer"

    return [seg.model_copy(update={"role": role_of(seg.speaker)}) for seg in segments]


def display_name(speaker: str, role: str, rep_name: str | None = None) -> str:
    """How a speaker is shown: a machine label ("speaker_1") becomes "Alex Rivera (rep)" (or
    "speaker_1 (rep)" without a rep name) or "Customer"; a label that is the role ("Rep", "Prospect") shows
    the rep's name or itself; a real name keeps the name and adds the role.

    speaker: the transcript's label. role: rep, customer or unknown. rep_name: the call's rep.
    """
    if re.fullmatch(r"speaker_?\d+", speaker):
        if role == "rep" and rep_name:
            return f"{rep_name} (rep)"
        if role == "customer":
            return "Customer"
    if role != "unknown" and label_role(speaker) == role:  # "Rep:", "Prospect:": the label is the role
        return f"{rep_name} (rep)" if role == "rep" and rep_name else speaker
    return f"{speaker} ({role})" if role != "unknown" else speaker


def display_names(segments: list[Segment], rep_name: str | None = None) -> dict[str, str]:
    """`display_name` of every speaker of the transcript, by label.

    segments: turns with roles set (`assign_roles`). rep_name: the rep's name, when known.
    """
    return names_of(((seg.speaker, seg.role) for seg in sorted(segments, key=lambda s: (s.start, s.id))), rep_name)


def names_of(pairs: Iterable[tuple[str, str]], rep_name: str | None = None) -> dict[str, str]:
    """label -> `display_name` for (label, role) pairs, the first role of a label winning. Two
    speakers who would show alike (two customers) keep their labels apart ("Customer (speaker_2)")
    so quotes stay attributable.
    """
    roles: dict[str, str] = {}
    for label, role in pairs:
        roles.setdefault(label, role)
    names = {label: display_name(label, role, rep_name) for label, role in roles.items()}
    shown = list(names.values())
    return {label: (f"{name} ({label})" if shown.count(name) > 1 else name) for label, name in names.items()}


def speaker_flags(transcript: Transcript) -> list[str]:
    """What a scorecard must say about the transcript's speakers: that they could not be told
    apart (every turn "unknown"), or how they were found by voice and who was taken for the rep."""
    if transcript.segments and all(s.speaker == UNKNOWN_SPEAKER for s in transcript.segments):
        if transcript.source.format != "audio":
            return [UNNAMED_WARNING]
        reason = next((w for w in transcript.warnings if w.startswith("one voice")), None)
        return [MONO_WARNING + (f" ({reason})" if reason else "")]
    info = transcript.attribution
    if info is not None and info.method in ("voices", "external") and info.note:
        return [f"{_BY_VOICE} {info.note}; a turn given to the "
                "wrong speaker can be corrected (Manage this call -> Who said a turn, or `callreview turn`)"]
    return []


_BY_VOICE = "speakers found by voice in a one-channel recording:"


def is_speaker_flag(line: str) -> bool:
    """Whether a scorecard flag is one of `speaker_flags` (a page that shows those once skips it)."""
    return line.startswith((_BY_VOICE, MONO_WARNING)) or line == UNNAMED_WARNING


def said_in_speaker_flags(warning: str, transcript: Transcript) -> bool:
    """Whether a transcript warning only repeats what `speaker_flags` says of it: that all speech is
    'unknown', or the note of how the voices were found and who was taken for the rep."""
    flags = speaker_flags(transcript)
    if ALL_UNKNOWN in warning and any(ALL_UNKNOWN in f for f in flags):
        return True
    note = transcript.attribution.note if transcript.attribution is not None else ""
    return bool(note) and note in warning and any(note in f for f in flags)


# --------------------------------------------------------------------------- speaker labels in text

_NAME_PREFIX = re.compile(r"^\s*([^:\n]{1,40}?)\s*:(?:\s+(.*)|\s*)$")
_ROLE_SUFFIX = re.compile(r"\s*\((rep|customer|unknown)\)$", re.IGNORECASE)
_NAME_PARTICLES = {"de", "van", "von", "der", "den", "da", "del", "della", "di", "du", "la", "le", "bin", "al"}
# Words that open a "Word: text" line without being anyone's name.
_NOT_NAMES = {"note", "notes", "example", "step", "answer", "question", "update", "warning",
              "important", "reminder", "agenda", "summary", "action", "actions", "re", "subject",
              "date", "time", "tip", "ps", "nb", "fyi", "webvtt", "kind", "language", "attendees",
              "participants", "transcript", "meeting", "title", "recording", "duration", "location",
              "invited", "organizer", "organiser"}


def speaker_label(name: str) -> str:
    """`name` with entities decoded and spacing collapsed; "Unknown Speaker" (Zoom) -> "unknown".

    name: a speaker label as written in a transcript file.
    """
    name = " ".join(html.unescape(name).split())
    return UNKNOWN_SPEAKER if name.casefold() in {"unknown", "unknown speaker"} else name


def split_role_suffix(name: str) -> tuple[str, str | None]:
    """("Alex", "rep") from "Alex (rep)" (as review.formats.transcript_to_text writes names).

    name: a speaker label, possibly ending in "(rep)", "(customer)" or "(unknown)".
    """
    match = _ROLE_SUFFIX.search(name)
    if not match:
        return name, None
    return speaker_label(name[: match.start()]) or UNKNOWN_SPEAKER, match.group(1).lower()


# "Alex Rivera (Rautwise)", "Jordan Lee (VP Operations)": a name with the company or title after it
_AFFILIATION = re.compile(r"\s*\([^()]{1,40}\)\s*$")


def without_affiliation(name: str) -> str:
    """The name of a label with its parenthesis ("Alex Rivera (Rautwise)" -> "Alex Rivera"); a label
    that is only a parenthesis stays as it is."""
    return _AFFILIATION.sub("", name).strip() or name


def looks_like_speaker_name(name: str) -> bool:
    """True for labels like "Alex Rivera", "Speaker 2", "speaker_1", "J. Lee", "Ana de Souza", and such a
    name with the company or title in parentheses ("Alex Rivera (Rautwise)").

    name: the text before the colon of a "Name: text" line.
    """
    name = without_affiliation(_ROLE_SUFFIX.sub("", name))
    words = name.split()
    if not 1 <= len(words) <= 4 or any(ch in name for ch in "?!,;\"\u201c\u201d"):
        return False

    def ok(word: str, first: bool) -> bool:
        if re.fullmatch(r"[a-z]+[_-]?\d+", word):
            return True
        return word[0].isupper() or word[0].isdigit() or (not first and word in _NAME_PARTICLES)

    return all(ok(w, i == 0) for i, w in enumerate(words))


# "[Alex Rivera] text", as captions tag speakers; "[Music]" and the like are sounds, not speakers.
_BRACKET_PREFIX = re.compile(r"^\s*\[([^\]\n]{1,40})\]\s*(\S.*)$")
_CAPTION_SOUNDS = {"music", "laughter", "laughs", "laughing", "applause", "inaudible", "crosstalk", "silence",
                   "noise", "background noise", "foreign", "cough", "coughs", "pause", "indistinct",
                   "unintelligible", "chuckles", "sighs", "no audio", "blank_audio", "sound", "beep", "static"}


# A text made only of bracketed notes, music signs and punctuation: "[Music]", "(upbeat music)",
# "♪♪", "[BLANK_AUDIO]", "[Alex Rivera]". Whisper writes such notes over hold music and noise, and
# captions carry them as cues; no one said them, so they are never a turn, a quote or talk time.
_SOUND_ONLY = re.compile(r"(?:\s|[-.,!?\u2026*\u266a\u266b\u266c]|\U0001F3B5|\U0001F3B6|\[[^\[\]]*\]|\([^()]*\))*")


def is_sound_only(text: str) -> bool:
    """True when `text` holds no speech: only notes in brackets, music signs and punctuation."""
    return _SOUND_ONLY.fullmatch(text) is not None


def split_speaker_prefixes(texts: list[str]) -> list[tuple[str | None, str]]:
    """Split each "Name: text" into (Name, text) when Name is a speaker label, else (None, text).

    texts: all the lines (or cue texts) of one file. A prefix counts when it looks like a name
        or when it opens two or more of them (then even "rep:" or "q:" is a label); "Note:",
        "Step 1:" and the like never do. "[Name] text" counts when the file tags two or more
        lines so and Name is not a sound ("[Music]", "[Laughter]").
    """
    found = [_NAME_PREFIX.match(t) for t in texts]
    counts = Counter(m.group(1).strip() for m in found if m)
    bracketed = [_BRACKET_PREFIX.match(t) for t in texts]
    tags = Counter(m.group(1).strip() for m in bracketed if m and _bracket_name(m.group(1)))
    out: list[tuple[str | None, str]] = []
    for text, match, bracket in zip(texts, found, bracketed, strict=True):
        name = match.group(1).strip() if match else ""
        label_like = not any(ch in name for ch in "?!,;\"") and len(without_affiliation(name).split()) <= 4
        is_unknown = speaker_label(name) == UNKNOWN_SPEAKER
        if (match and name and name.split()[0].casefold() not in _NOT_NAMES and label_like
                and (looks_like_speaker_name(name) or is_unknown or counts[name] >= 2)):
            out.append((name, (match.group(2) or "").strip()))
        elif bracket and _bracket_name(bracket.group(1)) and sum(tags.values()) >= 2:
            out.append((bracket.group(1).strip(), bracket.group(2).strip()))
        else:
            out.append((None, text.strip()))
    return out


def _bracket_name(name: str) -> bool:
    name = name.strip()
    return (looks_like_speaker_name(name) and any(ch.isalpha() for ch in name)
            and name.casefold() not in _CAPTION_SOUNDS)
