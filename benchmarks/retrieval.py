"""Evidence-retrieval benchmark over the labelled dev set (tests/data/calls/*.yaml).

For every call and every criterion with labelled evidence turns in it, retrieval hits at k when
one of the top-k candidate windows has a labelled evidence turn as its focal turn or contains one
("contained", the definition tests/test_retrieval.py enforces). "focal" is the stricter figure:
an evidence turn must be the focal turn itself; it does not grow just because windows get wider,
so it is the fair one for comparing window sizes.

    python benchmarks/retrieval.py            # all variants, the offline MiniLM ONNX model
    python benchmarks/retrieval.py --quick    # the baseline and the default only

Prints one row per variant (recall@1 / recall@3, contained and focal), the per-criterion
recall@3 of the default, indexing throughput (windows/s) and query latency (ms per criterion).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from review.index import CallIndex  # noqa: E402
from review.retrieve import DEFAULT_CONFIG, RetrievalConfig, rank_windows  # noqa: E402
from review.settings import load_settings  # noqa: E402
from testkit.dialogue import Dialogue, dialogue_to_transcript, load_dialogue  # noqa: E402

DEV_SET = REPO / "tests" / "data" / "calls"
METHODOLOGY_IDS = ("discovery", "meddpicc", "bant")

BASELINE = RetrievalConfig(
    queries="question",
    aggregate="max",
    focal_weight=0.0,
    keyword_boost=0.0,
    question_boost=0.0,
    role_filter=False,
)
SEMANTIC = replace(BASELINE, queries="probes", aggregate="mean", role_filter=True)  # no keywords
NO_KEYWORDS = replace(DEFAULT_CONFIG, keyword_boost=0.0, question_boost=0.0)


@dataclass(frozen=True)
class Variant:
    label: str
    config: RetrievalConfig
    window: tuple[int, int] = (1, 1)  # turns before, after the focal turn


VARIANTS = [
    Variant("baseline: question only, single turn, no filter", BASELINE, (0, 0)),
    Variant("question only, window +-1, no filter", BASELINE),
    Variant("+ shown_by role filter", replace(BASELINE, role_filter=True)),
    Variant(
        "criterion document (one vector)", replace(BASELINE, queries="document", role_filter=True)
    ),
    Variant("probes, max", replace(SEMANTIC, aggregate="max")),
    Variant("probes, (max+mean)/2", replace(SEMANTIC, aggregate="max_mean")),
    Variant("probes, mean", SEMANTIC),
    Variant("probes mean, + focal turn vector 0.3", replace(SEMANTIC, focal_weight=0.3)),
    Variant("probes mean, + focal turn vector 0.5", NO_KEYWORDS),
    Variant("probes mean, + focal turn vector 0.7", replace(NO_KEYWORDS, focal_weight=0.7)),
    Variant("  + contrast to other criteria 1.0", replace(NO_KEYWORDS, contrast=1.0)),
    Variant("  + keywords 0.05", replace(NO_KEYWORDS, keyword_boost=0.05)),
    Variant("  + keywords 0.10", replace(NO_KEYWORDS, keyword_boost=0.10)),
    Variant("  + keywords 0.20", replace(NO_KEYWORDS, keyword_boost=0.20)),
    Variant(
        "  + keywords 0.10 on any turn of the window",
        replace(NO_KEYWORDS, keyword_boost=0.1, keyword_scope="window"),
    ),
    Variant("default: + keywords 0.10 + needs_question 0.05", DEFAULT_CONFIG),
    Variant("default, window 0/0 (turn only)", DEFAULT_CONFIG, (0, 0)),
    Variant("default, window 0/+1", DEFAULT_CONFIG, (0, 1)),
    Variant("default, window -1/0", DEFAULT_CONFIG, (1, 0)),
    Variant("default, window +-2", DEFAULT_CONFIG, (2, 2)),
]
QUICK = [VARIANTS[0], VARIANTS[6], next(v for v in VARIANTS if v.config == DEFAULT_CONFIG)]


def load_methodologies() -> dict:
    """The shipped discovery, MEDDPICC and BANT methodologies (through the library if present)."""
    settings = load_settings()
    try:
        from review.methodology import MethodologyLibrary

        library = MethodologyLibrary(settings)
        return {mid: library.get(mid) for mid in METHODOLOGY_IDS}
    except ImportError:
        import yaml

        from review.schema import Methodology

        return {
            mid: Methodology(
                **yaml.safe_load((settings.methodology_path / f"{mid}.yaml").read_text())
            )
            for mid in METHODOLOGY_IDS
        }


def load_dev_set(folder: Path = DEV_SET) -> list[Dialogue]:
    return [load_dialogue(p) for p in sorted(folder.glob("*.yaml"))]


def evidence_turns(dialogue: Dialogue) -> dict[str, set[int]]:
    """'<methodology>/<criterion>' -> the turn indexes (= segment ids) labelled as its evidence."""
    found: dict[str, set[int]] = defaultdict(set)
    for i, turn in enumerate(dialogue.turns):
        for ref in turn.evidence:
            found[ref].add(i)
    return found


def evaluate(
    index: CallIndex,
    dialogues: list[Dialogue],
    methodologies: dict,
    config: RetrievalConfig,
    k: int = 3,
) -> dict:
    """Hits per (call, criterion) with evidence: {'rows': [(ref, call, contained@1, contained@k,
    focal@1, focal@k)], 'query_s': seconds spent ranking, 'criteria': criteria ranked}."""
    rows = []
    query_s = 0.0
    queried = 0
    for dialogue in dialogues:
        transcript = dialogue_to_transcript(dialogue)
        evidence = evidence_turns(dialogue)
        for mid, methodology in methodologies.items():
            t0 = time.perf_counter()
            ranked = rank_windows(index, dialogue.id, transcript, methodology, config=config)
            query_s += time.perf_counter() - t0
            queried += len(ranked)
            for cid, windows in ranked.items():
                wanted = evidence.get(f"{mid}/{cid}")
                if not wanted:
                    continue
                contained = [bool(wanted & set(r.window.segment_ids)) for r in windows[:k]]
                focal = [r.window.focal_segment_id in wanted for r in windows[:k]]
                rows.append(
                    (
                        f"{mid}/{cid}",
                        dialogue.id,
                        any(contained[:1]),
                        any(contained),
                        any(focal[:1]),
                        any(focal),
                    )
                )
    return {"rows": rows, "query_s": query_s, "criteria": queried}


def summarise(rows: list[tuple]) -> tuple[float, float, float, float]:
    n = len(rows) or 1
    return tuple(sum(r[i] for r in rows) / n for i in (2, 3, 4, 5))  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="only the baseline and the default variant"
    )
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument(
        "--calls", type=Path, default=DEV_SET, help="folder of labelled dialogue YAML files"
    )
    args = parser.parse_args(argv)

    import chromadb

    from review.embeddings import make_embedding_function

    settings = load_settings()
    embedding_function = make_embedding_function(settings)
    dialogues = load_dev_set(args.calls)
    methodologies = load_methodologies()
    variants = QUICK if args.quick else VARIANTS

    indexes: dict[tuple[int, int], CallIndex] = {}
    index_stats = {}
    index_cpu = {}
    results = []
    for variant in variants:
        if variant.window not in indexes:
            index = CallIndex(
                settings,
                embedding_function=embedding_function,
                client=chromadb.EphemeralClient(),
                window_before=variant.window[0],
                window_after=variant.window[1],
            )
            for methodology in methodologies.values():
                index.index_methodology(methodology)
            t0, c0 = time.perf_counter(), time.process_time()
            n_windows = sum(
                index.index_transcript(d.id, dialogue_to_transcript(d)) for d in dialogues
            )
            index_stats[variant.window] = (n_windows, time.perf_counter() - t0)
            index_cpu[variant.window] = time.process_time() - c0
            indexes[variant.window] = index
        outcome = evaluate(
            indexes[variant.window], dialogues, methodologies, variant.config, args.k
        )
        results.append((variant, outcome))

    n_pairs = len(results[0][1]["rows"])
    n_criteria = len({r[0] for r in results[0][1]["rows"]})
    print(
        f"dev set: {len(dialogues)} calls, {n_pairs} (call, criterion) pairs with labelled evidence, "
        f"{n_criteria} criteria; k={args.k}"
    )
    print()
    header = f"{'variant':<48} {'win':>5} {'R@1':>6} {'R@3':>6} {'R@1 foc':>8} {'R@3 foc':>8}"
    print(header)
    print("-" * len(header))
    for variant, outcome in results:
        r1, rk, f1, fk = summarise(outcome["rows"])
        win = f"{variant.window[0]}/{variant.window[1]}"
        print(f"{variant.label:<48} {win:>5} {r1:>6.3f} {rk:>6.3f} {f1:>8.3f} {fk:>8.3f}")

    default = next(
        (o for v, o in results if v.config == DEFAULT_CONFIG and v.window == (1, 1)), None
    )
    if default is not None:
        print()
        print("default variant, recall@3 (contained) per criterion:")
        per: dict[str, list[bool]] = defaultdict(list)
        for row in default["rows"]:
            per[row[0]].append(row[3])
        for ref in sorted(per):
            hits = per[ref]
            misses = [r[1] for r in default["rows"] if r[0] == ref and not r[3]]
            note = f"  missed: {', '.join(misses)}" if misses else ""
            print(f"  {ref:<30} {sum(hits)}/{len(hits)}{note}")
        print()
        n_windows, seconds = index_stats[(1, 1)]
        print(
            f"indexing: {n_windows} windows in {seconds:.2f} s = {n_windows / seconds:.1f} windows/s "
            f"(window and focal-turn vectors, chromadb writes included; 1 onnxruntime thread; "
            f"this process's CPU time {index_cpu[(1, 1)]:.2f} s = {n_windows / index_cpu[(1, 1)]:.1f} windows/s)"
        )
        print(
            f"query latency: {1000 * default['query_s'] / default['criteria']:.1f} ms per criterion "
            f"({default['criteria']} criteria retrieved)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
