"""Background review jobs: throughput with 1 and 2 workers, nothing lost, each call reviewed once,
and a worker killed with SIGKILL mid-job in the 2-worker run.

    python benchmarks/queue_throughput.py [--calls 50] [--recordings 1] [--queue-url redis://...]

Each run gets a fresh data folder, submits the same files (transcripts made unique per call, plus a
few recordings), starts `callreview worker --workers N` and waits. The 1-worker run is the baseline
the 2-worker run is compared with. Real pipeline: Whisper tiny.en for recordings, MiniLM, rules engine.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TRANSCRIPTS = REPO / "tests" / "data" / "transcripts"
RECORDINGS = [REPO / "examples" / "discovery_call.flac"]


def make_inputs(folder: Path, calls: int, recordings: int) -> list[Path]:
    """`calls` transcript files with different content (so each is its own call) + recordings."""
    sources = sorted(TRANSCRIPTS.glob("*.vtt")) + sorted(TRANSCRIPTS.glob("*.srt"))
    files = []
    for i in range(calls):
        src = sources[i % len(sources)]
        text = src.read_text(encoding="utf-8").rstrip("\n")
        # a last cue that makes the file unique, as another week's call of the same kind would be
        stamp = "99:00.000 --> 99:02.000" if src.suffix == ".vtt" else "01:39:00,000 --> 01:39:02,000"
        extra = f"\n\n{stamp}\nCustomer: Thanks, talk next week (call {i}).\n" if src.suffix == ".vtt" else \
            f"\n\n9999\n{stamp}\nCustomer: Thanks, talk next week (call {i}).\n"
        out = folder / f"call_{i:03d}{src.suffix}"
        out.write_text(text + extra, encoding="utf-8")
        files.append(out)
    return files + RECORDINGS[:recordings]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def run(workers: int, files: list[Path], queue_url: str, kill_after: int | None) -> dict:
    from review import jobs
    from review.settings import load_settings
    from review.store import Store

    home = tempfile.mkdtemp(prefix=f"callreview-bench-{workers}w-")
    env = {**os.environ, "CALLREVIEW_HOME": home, "CALLREVIEW_JOB_STALE_S": "10",
           "CALLREVIEW_QUEUE_URL": queue_url, "PYTHONPATH": str(REPO)}
    if queue_url:
        import redis

        redis.Redis.from_url(queue_url).flushdb()
    settings = load_settings(env=env)
    store = Store.from_settings(settings)
    for f in files:
        jobs.submit_review(store, settings, f, f.name, jobs.ReviewOptions("discovery", rep="Sam Ortiz"))
    start = time.perf_counter()
    consumer = subprocess.Popen([sys.executable, "-m", "review", "worker", "--workers", str(workers)],
                                env=env, cwd=home, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = None
    try:
        while True:
            listed = store.list_jobs(limit=len(files) + 10)
            finished = sum(j.finished for j in listed)
            if kill_after is not None and killed is None and finished >= kill_after:
                running = [j for j in listed if j.status == "running" and j.worker]
                if running:
                    pid = int(running[0].worker.split(":")[1])  # host:pid:thread of the worker
                    if pid in _children(consumer.pid):
                        os.kill(pid, signal.SIGKILL)  # that worker process, mid-job
                        killed = running[0].id
            if finished == len(files):
                break
            if time.perf_counter() - start > 3600:
                raise SystemExit("benchmark timed out after an hour")
            time.sleep(0.5)
        wall = time.perf_counter() - start
    finally:
        os.killpg(consumer.pid, signal.SIGKILL)
        consumer.wait(10)
    listed = store.list_jobs(limit=len(files) + 10)
    calls = store.list_calls(limit=len(files) + 10)
    reviews = {c.id: len(store.reviews_for_call(c.id)) for c in calls}
    result = {
        "workers": workers, "jobs": len(files), "wall_s": wall,
        "calls_per_min": 60 * len(files) / wall,
        "done": sum(j.status == "done" for j in listed),
        "failed": [j.error for j in listed if j.status == "failed"],
        "calls": len(calls), "reviewed_once": sum(n == 1 for n in reviews.values()),
        "killed_job": killed,
        "killed_job_attempts": store.get_job(killed).attempts if killed else None,
        "killed_job_status": store.get_job(killed).status if killed else None,
    }
    store.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="transcript jobs (default 50)")
    parser.add_argument("--recordings", type=int, default=1, help="recordings among them (default 1)")
    parser.add_argument("--queue-url", default="", help="redis://... to run on Redis (default: SQLite queue)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        files = make_inputs(Path(folder), args.calls, args.recordings)
        base = run(1, files, args.queue_url, kill_after=None)
        two = run(2, files, args.queue_url, kill_after=max(1, len(files) // 5))
    print(f"{len(files)} jobs ({args.calls} transcripts, {min(args.recordings, len(RECORDINGS))} recordings), "
          f"queue: {args.queue_url or 'SQLite (embedded)'}")
    print(f"{'workers':>7} {'wall s':>8} {'calls/min':>9} {'done':>5} {'failed':>6} {'calls':>5} "
          f"{'reviewed once':>13}  kill -9")
    for r in (base, two):
        kill = "-" if r["killed_job"] is None else \
            f"job {r['killed_job']}: {r['killed_job_status']} after {r['killed_job_attempts']} attempts"
        print(f"{r['workers']:>7} {r['wall_s']:>8.1f} {r['calls_per_min']:>9.1f} {r['done']:>5} "
              f"{len(r['failed']):>6} {r['calls']:>5} {r['reviewed_once']:>13}  {kill}")
    print(f"speed-up of 2 workers over 1 (baseline, same run): {base['wall_s'] / two['wall_s']:.2f}x")
    for r in (base, two):
        for error in r["failed"]:
            print(f"  failed ({r['workers']} workers): {error}")


if __name__ == "__main__":
    main()
