"""`callreview index methodologies | search`: the evidence index from the shell."""

from __future__ import annotations

import argparse
import sys

from ..hashing import transcript_sha256
from ..settings import load_settings
from ..timefmt import clock
from .args import whole


def register(subparsers) -> None:
    """Add the `index` command and its actions to the `callreview` parser."""
    parser = subparsers.add_parser(
        "index",
        help="build the evidence index, or show the candidate moments of a call per criterion",
        description="The chromadb index of methodology criteria and call transcript windows.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    p = actions.add_parser("methodologies", help="index every methodology in the library")
    p.set_defaults(handler=run_methodologies)

    p = actions.add_parser(
        "search", help="candidate evidence moments of a transcript, per criterion"
    )
    p.add_argument(
        "transcript", metavar="CALL_TRANSCRIPT", help="transcript file (.json, .vtt, .srt, .txt)"
    )
    p.add_argument(
        "--methodology", "-m", required=True, help="methodology id or name, e.g. meddpicc"
    )
    p.add_argument("--k", type=whole, default=3, help="candidates per criterion (default: 3)")
    p.set_defaults(handler=run_search)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def run_methodologies(args: argparse.Namespace) -> int:
    from ..index import CallIndex
    from ..methodology import MethodologyLibrary

    settings = load_settings()
    library = MethodologyLibrary(settings)
    index = CallIndex(settings)
    every = library.list()
    for loaded in every:
        changed = index.index_methodology(loaded)
        state = f"indexed {changed} criteria" if changed else "unchanged"
        print(f"{loaded.methodology.id}: {len(loaded.methodology.criteria)} criteria, {state}")
    for problem in library.problems:
        print(f"callreview: warning: skipped {problem}", file=sys.stderr)
    counts = index.methodology_counts()
    print(f"{len(every)} methodologies, {sum(counts.values())} criteria in the index")
    return 0


def run_search(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..formats import load_transcript
    from ..index import CallIndex
    from ..methodology import MethodologyLibrary
    from ..retrieve import rank_windows

    if args.k < 1:
        raise InputError(f"--k {args.k}: give at least 1 candidate per criterion")
    settings = load_settings()
    loaded = MethodologyLibrary(settings).get(args.methodology)
    transcript = load_transcript(args.transcript)
    # keyed by content: searching the same transcript again reuses its indexed windows
    call_id = "file-" + transcript_sha256(transcript)[:16]
    # rank_windows is retrieve_candidates before the cut to k; it also names each focal turn
    ranked = rank_windows(CallIndex(settings), call_id, transcript, loaded)
    for criterion in loaded.methodology.criteria:
        print(f"{criterion.id} ({criterion.name}), shown by {criterion.shown_by}")
        top = ranked.get(criterion.id, [])[: args.k]
        if not top:
            print("  no candidate moments")
        for moment in top:
            hits = f", {len(moment.keyword_hits)} keyword(s)" if moment.keyword_hits else ""
            print(f"  similarity {max(0.0, moment.similarity):.2f}{hits}")
            for segment_id in moment.window.segment_ids:
                segment = transcript.segment(segment_id)
                assert segment is not None  # the index holds this transcript's segment ids
                mark = ">" if segment_id == moment.window.focal_segment_id else " "
                print(
                    f"   {mark}[{clock(segment.start)}] {segment.speaker}: {segment.text.strip()}"
                )
        print()
    return 0
