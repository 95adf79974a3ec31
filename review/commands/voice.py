"""`callreview voice enroll NAME SAMPLE | list | delete NAME`: rep voice profiles from the shell."""

from __future__ import annotations

import argparse

from ..settings import load_settings


def register(subparsers) -> None:
    """Add the `voice` command and its actions to the `callreview` parser."""
    parser = subparsers.add_parser(
        "voice",
        help="rep voice profiles: pick the rep's speaker on one-channel calls by voice",
        description="A rep's voice profile is built from their two-channel calls (their channel) and from "
                    "samples enrolled here; on a mono call it picks which speaker is the rep.",
    )
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    p = actions.add_parser("enroll", help="add a recording of the rep alone (10-30 s of speech) to their profile")
    p.add_argument("rep", metavar="NAME", help='the rep\'s name, as given to --rep, e.g. "Alex Rivera"')
    p.add_argument("sample", metavar="SAMPLE", help="audio of the rep speaking alone (wav, mp3, m4a, flac, ...)")
    p.set_defaults(handler=run_enroll)

    p = actions.add_parser("list", help="the stored voice profiles")
    p.set_defaults(handler=run_list)

    p = actions.add_parser("delete", help="remove a rep's voice profile")
    p.add_argument("rep", metavar="NAME")
    p.set_defaults(handler=run_delete)


def enroll_sample(store, rep: str, path, max_mb: int, name: str | None = None):
    """Add one voice sample file to the rep's profile and return the saved profile.

    Args:
        store: the store. rep: the rep's name. path: an audio file of the rep alone.
        max_mb: the upload size limit. name: the sample's name to record (default: the file name).
    """
    from .. import audio as audio_io
    from ..errors import InputError
    from ..voices import merged, voice_of

    rep = " ".join(rep.split())
    if not rep:
        raise InputError("voice enroll: give the rep's name, e.g. \"Alex Rivera\"")
    checked = audio_io.check_input_file(path, max_mb)
    decoded = _decode_sample(checked, max_mb, name or str(checked))
    embedding, seconds = voice_of(decoded.channels[0], name or checked.name)
    source = {"kind": "sample", "name": name or checked.name, "seconds": round(seconds, 1)}
    profile = merged(store.voice_profile(rep), rep, embedding, source)
    store.save_voice_profile(profile)
    return profile


def _decode_sample(path, max_mb: int, shown: str):
    """The sample decoded to one channel; a transcript, or a file that is no recording, is refused with what a
    voice sample is (a transcript can be reviewed, never enrolled as a voice)."""
    from pathlib import Path

    from .. import audio as audio_io
    from ..errors import InputError, NotAudioError
    from ..formats import TRANSCRIPT_EXTENSIONS

    wanted = (f"give a recording of the rep speaking alone, 10-30 s "
              f"({', '.join(e.lstrip('.') for e in audio_io.AUDIO_EXTENSIONS)})")
    if Path(path).suffix.lower() in TRANSCRIPT_EXTENSIONS:
        raise InputError(f"{shown}: a transcript cannot be enrolled as a voice; {wanted}")
    try:
        return audio_io.decode(path, channels="mono", max_mb=max_mb)
    except NotAudioError:  # its message offers transcripts too, as a review takes them
        raise InputError(f"{shown}: is not a readable audio file (corrupt, truncated, or another kind of "
                         f"file); {wanted}") from None


def _store():
    from ..store import Store

    return Store.from_settings(load_settings())


def run_enroll(args: argparse.Namespace) -> int:
    settings = load_settings()
    from ..store import Store

    profile = enroll_sample(Store.from_settings(settings), args.rep, args.sample, settings.max_upload_mb)
    print(f"{profile.rep}: voice profile from {profile.n_samples} sample(s)/call(s), "
          f"{profile.seconds:.0f} s of speech")
    return 0


def run_list(args: argparse.Namespace) -> int:
    profiles = _store().voice_profiles()
    if not profiles:
        print("no voice profiles yet: `callreview voice enroll NAME SAMPLE`, or review a two-channel call with --rep")
        return 0
    for p in profiles:
        kinds = ", ".join(sorted({s.get("kind", "?") for s in p.sources}))
        print(f"{p.rep}\t{p.n_samples} source(s) ({kinds})\t{p.seconds:.0f} s of speech\tupdated {p.updated_at[:10]}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from ..errors import InputError

    if not _store().delete_voice_profile(args.rep):
        raise InputError(f"no voice profile for '{args.rep}'; `callreview voice list` shows the profiles")
    print(f"deleted the voice profile of {args.rep}")
    return 0
