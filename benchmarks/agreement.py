"""Agreement of each available scoring engine with the dev-set labels.

    python benchmarks/agreement.py [--retrieval auto|real|all-turns|oracle] [--engines rules,openai,local]

Dev set: tests/data/calls/*.yaml, each with labels `<methodology>/<criterion>: verdict`. For every
labelled criterion we build the transcript (review.dialogue.dialogue_to_transcript), retrieve
candidates, score with each engine and compare verdicts (met / partly_met / not_met).

Retrieval:
- real: review.index + review.retrieve with an in-memory chromadb (EphemeralClient) and the
  configured embedding function (the pipeline's path);
- all-turns: every turn is a candidate with similarity 0 (keyword signals only; no embeddings);
- oracle: the turns the dialogue tags as evidence for the criterion (scoring given perfect
  retrieval; an upper bound, not a product figure);
- auto: real if review.retrieve and review.index exist, else all-turns (said in the output).

Engines: rules always; openai if CALLREVIEW_LLM_BASE_URL is set; local if CALLREVIEW_LLM_GGUF_PATH
names a file. Prints per-criterion agreement and Cohen's kappa, and pooled figures per engine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from review.dialogue import dialogue_to_transcript, load_dialogue  # noqa: E402
from review.methodology import load_methodology_file  # noqa: E402
from review.settings import load_settings  # noqa: E402
from review.types import Candidate  # noqa: E402

VERDICTS = ["met", "partly_met", "not_met"]


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's kappa of two raters over the same items; None when undefined (chance agreement 1)."""
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    cats = set(a) | set(b)
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in cats)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def _all_turns(transcript, methodology) -> dict[str, list[Candidate]]:
    out = {}
    for c in methodology.criteria:
        out[c.id] = [
            Candidate(criterion_id=c.id, segment_ids=[s.id], speaker=s.speaker, role=s.role, start=s.start,
                      end=s.end, text=s.text, similarity=0.0)
            for s in transcript.segments
        ]
    return out


def _oracle(dialogue, transcript, methodology) -> dict[str, list[Candidate]]:
    out = defaultdict(list)
    for i, turn in enumerate(dialogue.turns):
        for tag in turn.evidence:
            mid, _, cid = tag.partition("/")
            if mid == methodology.id:
                s = transcript.segments[i]
                out[cid].append(Candidate(criterion_id=cid, segment_ids=[s.id], speaker=s.speaker, role=s.role,
                                          start=s.start, end=s.end, text=s.text, similarity=1.0))
    return dict(out)


class _RealRetrieval:
    def __init__(self, settings):
        import chromadb

        from review.index import CallIndex

        self.index = CallIndex(settings, client=chromadb.EphemeralClient())

    def __call__(self, call_id, transcript, loaded):
        from review.retrieve import retrieve_candidates

        return retrieve_candidates(self.index, call_id, transcript, loaded)


def _engines(settings, wanted: set[str]):
    from review.llm import make_chat_engine

    engines = {"rules": None} if "rules" in wanted else {}
    if "openai" in wanted and os.environ.get("CALLREVIEW_LLM_BASE_URL"):
        engines["openai"] = make_chat_engine(load_settings(llm_engine="openai"))
    if "local" in wanted and settings.llm_gguf_path and Path(settings.llm_gguf_path).is_file():
        engines["local"] = make_chat_engine(load_settings(llm_engine="local"))
    return engines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrieval", default="auto", choices=["auto", "real", "all-turns", "oracle"])
    parser.add_argument("--engines", default="rules,openai,local")
    parser.add_argument("--calls", default=str(REPO / "tests" / "data" / "calls"))
    args = parser.parse_args(argv)

    from review.score import score_call

    settings = load_settings()
    retrieval = args.retrieval
    have_real = all(importlib.util.find_spec(m) for m in ("review.retrieve", "review.index", "review.embeddings"))
    if retrieval == "auto":
        retrieval = "real" if have_real else "all-turns"
        if not have_real:
            print("note: review.retrieve / review.index not there yet; using every turn as a candidate "
                  "(keyword signals only)")
    real = _RealRetrieval(settings) if retrieval == "real" else None

    methodologies = {}
    for path in sorted((REPO / "methodology").glob("*.yaml")):
        loaded = load_methodology_file(path, origin="shipped")
        methodologies[loaded.methodology.id] = loaded
    engines = _engines(settings, set(args.engines.split(",")))
    # engine -> criterion key -> [(label, predicted)]
    pairs: dict[str, dict[str, list[tuple[str, str]]]] = {e: defaultdict(list) for e in engines}
    tokens = {e: [0, 0] for e in engines}
    seconds = dict.fromkeys(engines, 0.0)
    dialogues = sorted(Path(args.calls).glob("*.yaml"))
    for path in dialogues:
        dialogue = load_dialogue(path)
        transcript = dialogue_to_transcript(dialogue)
        for mid, loaded in methodologies.items():
            wanted = {k.split("/", 1)[1]: v for k, v in dialogue.labels.items() if k.startswith(mid + "/")}
            if not wanted:
                continue
            if retrieval == "real":
                candidates = real(dialogue.id, transcript, loaded)
            elif retrieval == "oracle":
                candidates = _oracle(dialogue, transcript, loaded.methodology)
            else:
                candidates = _all_turns(transcript, loaded.methodology)
            for name, engine in engines.items():
                t0 = time.perf_counter()
                card = score_call(transcript, loaded, candidates, engine, settings)
                seconds[name] += time.perf_counter() - t0
                usage = card.provenance.token_usage
                tokens[name][0] += usage.get("prompt_tokens", 0)
                tokens[name][1] += usage.get("transcript_tokens", 0)
                for cs in card.criteria:
                    if cs.id in wanted and wanted[cs.id] in VERDICTS:
                        verdict = "not_met" if cs.verdict == "not_applicable" else cs.verdict
                        pairs[name][f"{mid}/{cs.id}"].append((wanted[cs.id], verdict))

    print(f"dev set: {len(dialogues)} calls, retrieval: {retrieval}")
    for name in engines:
        rows = pairs[name]
        print(f"\nengine: {name}")
        print(f"{'criterion':32} {'n':>3} {'agree':>6} {'kappa':>6}   confusions (label->predicted)")
        all_l, all_p = [], []
        for key in sorted(rows):
            labels, preds = zip(*rows[key], strict=True)
            all_l += labels
            all_p += preds
            agree = sum(a == b for a, b in rows[key]) / len(rows[key])
            k = cohen_kappa(list(labels), list(preds))
            wrong = ", ".join(f"{a}->{b}" for a, b in rows[key] if a != b)
            print(f"{key:32} {len(labels):>3} {agree:>6.0%} {'n/a' if k is None else f'{k:.2f}':>6}   {wrong}")
        k = cohen_kappa(all_l, all_p)
        agree = sum(a == b for a, b in zip(all_l, all_p, strict=True)) / max(len(all_l), 1)
        print(f"{'ALL (pooled)':32} {len(all_l):>3} {agree:>6.0%} {'n/a' if k is None else f'{k:.2f}':>6}")
        if tokens[name][0]:
            print(f"prompt tokens / transcript tokens: {tokens[name][0] / max(tokens[name][1], 1):.2f} "
                  "(rough tokenizer, per methodology review)")
        print(f"scoring time: {seconds[name]:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
