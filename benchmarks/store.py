"""How fast the Calls page's query is with a realistic library: 1,000 reviewed calls.

Inserts N calls (default 1,000) with ~40-turn transcripts (word timestamps included, as
faster-whisper gives them) and a review each, then times `Store.list_calls` with each filter
(median of several runs) and prints milliseconds; the target is < 200 ms per query.

    python benchmarks/store.py                      # temporary SQLite file
    python benchmarks/store.py --calls 2000 --url postgresql+psycopg://u:pw@host/bench
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from review.store import Store  # noqa: E402
from review.types import (  # noqa: E402
    AgendaSection,
    CoachingDraft,
    CriterionScore,
    EvidenceQuote,
    Metrics,
    Provenance,
    Scorecard,
    Segment,
    SpeakerMetrics,
    Transcript,
    TranscriptSource,
    Word,
)

REPS = ["Alex Rivera", "Blair Chen", "Casey Morgan", "Devon Patel", "Emery Brooks", "Finley Ortiz",
        "Gray Nakamura", "Harper Quinn", "Indy Walsh", "Jules Romero", "Kai Foster", "Lane Duarte"]
METHODOLOGIES = ["discovery", "meddic", "call_hygiene"]
PRODUCTS = ["Zephyr", "Atlas", "Nimbus", "Orion", "Helix", "Vector", "Quartz", "Summit"]
VOCAB = ("we could look at the rollout plan for your team next quarter and the budget owner would "
         "need to sign off on pricing before the pilot so tell me more about how your process "
         "works today what happens when a shipment is late who else is involved in the decision "
         "timeline integration security review onboarding renewal discount contract").split()
CRITERIA = ["agenda_set", "open_questions", "pain_quantified", "decision_process", "next_step",
            "budget", "champion", "competition", "timeline", "recap"]


def make_transcript(rng: random.Random, rep: str, turns: int = 40) -> Transcript:
    segments, t = [], 0.0
    product = rng.choice(PRODUCTS)
    for i in range(turns):
        speaker = rep if i % 2 == 0 else "Customer"
        tokens = rng.choices(VOCAB, k=rng.randint(8, 40))
        if rng.random() < 0.1:
            tokens.insert(rng.randrange(len(tokens)), product)
        words = [Word(start=round(t + k * 0.4, 2), end=round(t + k * 0.4 + 0.35, 2), word=" " + w,
                      probability=0.9) for k, w in enumerate(tokens)]
        end = t + 0.4 * len(words)
        segments.append(Segment(id=i, start=round(t, 2), end=round(end, 2), speaker=speaker,
                                role="rep" if speaker == rep else "customer",
                                text=" ".join(tokens).capitalize() + ".", words=words))
        t = end + 0.6
    metrics = Metrics(speakers={
        rep: SpeakerMetrics(talk_ratio=0.55, longest_monologue_s=48.0, question_count=9,
                            words_per_minute=152.0),
        "Customer": SpeakerMetrics(talk_ratio=0.45, longest_monologue_s=31.0, question_count=3,
                                   words_per_minute=141.0),
    }, interactivity=6.1, patience_s=1.1)
    return Transcript(segments=segments, metrics=metrics, duration=round(t, 2),
                      source=TranscriptSource(file="call.wav", format="audio", model="tiny.en"))


def make_review(rng: random.Random, methodology_id: str, rep: str,
                metrics: Metrics) -> tuple[Scorecard, CoachingDraft]:
    scores = {c: rng.randint(0, 2) for c in CRITERIA}
    criteria = [CriterionScore(
        id=c, name=c.replace("_", " ").title(), section="Discovery", score=s, max_score=2,
        verdict=["not_met", "partly_met", "met"][s], rationale=f"The rep's {c} was observed.",
        evidence=[EvidenceQuote(segment_id=2, quote="tell me more about how your process works",
                                start=12.0, end=14.5, speaker=rep, role="rep")] if s else [],
    ) for c, s in scores.items()]
    percent = round(100.0 * sum(scores.values()) / (2 * len(CRITERIA)), 1)
    card = Scorecard(
        methodology_id=methodology_id, methodology_name=methodology_id, criteria=criteria,
        total_score=sum(scores.values()), total_max=2.0 * len(CRITERIA), total_percent=percent,
        engine="rules", gaps=[min(scores, key=scores.get)], metrics=metrics,
        provenance=Provenance(engine="rules", engine_label="Offline rules engine (no LLM)",
                              methodology_id=methodology_id, methodology_version="1",
                              methodology_sha256="m" * 64, transcript_sha256="t" * 64,
                              created_at="2026-01-01T00:00:00+00:00"),
    )
    focus = card.gaps[0]
    draft = CoachingDraft(
        rep=rep, focus_criterion_id=focus, focus_criterion_name=focus.title(), pattern="one-off",
        solution="coaching", solution_reason="knows how", prep_note_markdown="# Prep\n" + "x " * 200,
        engine_label="Offline rules engine",
        agenda=[AgendaSection(key=k, title=k, minutes=5, body_markdown="Agenda text. " * 40)
                for k in ("set_the_stage", "lead_analysis", "explore_options", "develop_plan")],
    )
    return card, draft


def fill(store: Store, n_calls: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = date(2025, 6, 1)
    for i in range(n_calls):
        rep = rng.choice(REPS)
        methodology_id = rng.choice(METHODOLOGIES)
        call_id = store.add_call(filename=f"call_{i}.wav", audio_sha256=f"{i:064x}", rep=rep,
                                 call_date=(start + timedelta(days=rng.randrange(365))).isoformat(),
                                 call_type="discovery", methodology_id=methodology_id,
                                 title=f"Call {i} with customer")
        transcript = make_transcript(rng, rep)
        store.save_transcript(call_id, transcript)
        card, draft = make_review(rng, methodology_id, rep, transcript.metrics)
        store.save_review(call_id, card, draft, cache_key=f"bench-{i}")


QUERIES = {
    "no filter": {},
    "rep": {"rep": "Casey Morgan"},
    "date range": {"date_from": "2025-09-01", "date_to": "2025-10-31"},
    "methodology": {"methodology_id": "meddic"},
    "min score": {"min_score": 70.0},
    "score range": {"min_score": 30.0, "max_score": 60.0},
    "text (rare)": {"text": "zephyr"},
    "text (common)": {"text": "budget owner"},
    "text (no match)": {"text": "kubernetes"},
    "all filters": {"rep": "Alex Rivera", "date_from": "2025-07-01", "methodology_id": "discovery",
                    "min_score": 20.0, "text": "pilot"},
    "page 10": {"offset": 450},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="number of calls to insert")
    parser.add_argument("--url", default="", help="SQLAlchemy URL of an empty database; "
                        "default a temporary SQLite file")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (median shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(args.url or f"sqlite:///{Path(tmp) / 'bench.db'}")
        t0 = time.perf_counter()
        fill(store, args.calls)
        fill_s = time.perf_counter() - t0
        print(f"store: {store.display_url}")
        print(f"inserted {args.calls} calls (transcript + review each) in {fill_s:.1f} s "
              f"({1000 * fill_s / args.calls:.1f} ms per call)")
        worst = 0.0
        for name, filters in QUERIES.items():
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                rows = store.list_calls(**filters)
                times.append(1000 * (time.perf_counter() - t))
            median = statistics.median(times)
            worst = max(worst, median)
            print(f"list_calls {name:<16} {median:7.1f} ms  ({len(rows)} rows)")
        t = time.perf_counter()
        history = store.rep_history("Alex Rivera", "discovery")
        print(f"rep_history            {1000 * (time.perf_counter() - t):7.1f} ms  ({len(history)})")
        t = time.perf_counter()
        trend = store.rep_trend_rows("Alex Rivera", "discovery")
        print(f"rep_trend_rows         {1000 * (time.perf_counter() - t):7.1f} ms  ({len(trend)})")
        print(f"slowest list_calls median: {worst:.1f} ms (target < 200 ms)")
        store.close()
    return 0 if worst < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
