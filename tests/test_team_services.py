"""The team deployment for real: PostgreSQL store, Redis job queue and a Chroma server.

Each test runs when its service is named (CI's .ci/run installs and starts all three):
CALLREVIEW_TEST_POSTGRES_URL (an empty database), CALLREVIEW_TEST_REDIS_URL (a database it may flush),
CALLREVIEW_TEST_CHROMA_HOST (host:port of `chroma run`). The embedded defaults (SQLite, the SQLite
queue, a local chromadb folder) are covered by the rest of the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from review import jobs
from review.pipeline import Services
from review.store import Store

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPTS = REPO / "tests" / "data" / "transcripts"
PG_URL = os.environ.get("CALLREVIEW_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("CALLREVIEW_TEST_REDIS_URL", "")
CHROMA = os.environ.get("CALLREVIEW_TEST_CHROMA_HOST", "")

needs_chroma = pytest.mark.skipif(not CHROMA, reason="set CALLREVIEW_TEST_CHROMA_HOST=host:port (chroma run)")
needs_all = pytest.mark.skipif(not (PG_URL and REDIS_URL and CHROMA),
                               reason="set CALLREVIEW_TEST_POSTGRES_URL, _REDIS_URL and _CHROMA_HOST")


def _chroma(settings, monkeypatch):
    host, _, port = CHROMA.partition(":")
    monkeypatch.setattr(settings, "chroma_host", host)
    monkeypatch.setattr(settings, "chroma_port", int(port or 8000))


@needs_chroma
def test_two_machines_share_one_chroma_server_index(settings, monkeypatch, embed):
    from review.formats import load_transcript
    from review.index import CallIndex
    from review.methodology import MethodologyLibrary
    from review.retrieve import retrieve_candidates

    _chroma(settings, monkeypatch)
    loaded = MethodologyLibrary(settings).get("discovery")
    transcript = load_transcript(TRANSCRIPTS / "teams_discovery.vtt")
    call_id = f"team-{os.getpid()}"
    first = CallIndex(settings, embedding_function=embed)
    first.index_methodology(loaded)
    first.index_transcript(call_id, transcript)
    second = CallIndex(settings, embedding_function=embed)  # another worker machine, same server
    candidates = retrieve_candidates(second, call_id, transcript, loaded.methodology)
    assert set(candidates) == {c.id for c in loaded.methodology.criteria}
    assert sum(len(found) for found in candidates.values()) > 0
    assert second.delete_call(call_id) > 0  # the windows first wrote are on the server


@needs_all
def test_a_team_deployment_reviews_queued_calls_end_to_end(settings, monkeypatch, embed):
    import redis
    from test_store import _reset_postgres

    _reset_postgres(PG_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    _chroma(settings, monkeypatch)
    monkeypatch.setattr(settings, "database_url", PG_URL)
    monkeypatch.setattr(settings, "queue_url", REDIS_URL)
    monkeypatch.setattr("review.embeddings.make_embedding_function", lambda s: embed)
    store = Store.from_settings(settings)
    try:
        assert store.engine.dialect.name == "postgresql"
        files = [TRANSCRIPTS / "teams_discovery.vtt", TRANSCRIPTS / "vendor_eval.srt"]
        for f in files:
            jobs.submit_review(store, settings, f, f.name, jobs.ReviewOptions("discovery", rep="Sam Ortiz"))
        huey = jobs.queue_for(settings)
        assert huey.pending_count() == 2
        services = Services.from_settings(settings)
        # what a worker on another machine does: take a message from Redis, run the job
        while (task := huey.dequeue()) is not None:
            assert jobs.run_job(task.args[0], settings, services=services) == "done"
        done = store.list_jobs()
        assert [j.status for j in done] == ["done", "done"], [j.error for j in done]
        calls = store.list_calls()
        assert sorted(c.filename for c in calls) == sorted(f.name for f in files)
        assert all(len(store.reviews_for_call(c.id)) == 1 for c in calls)
    finally:
        store.close()
