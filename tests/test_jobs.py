"""Background review jobs: submitting, de-duplication, a worker that dies mid-job, the CLI, and the
same on Redis when CALLREVIEW_TEST_REDIS_URL names a server (CI starts one).

The fast tests run jobs in-process with a fake pipeline at the `review` seam of `run_job`; the slow
one starts real `callreview worker` processes, kills one with SIGKILL mid-review and checks that every
job still completes exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from review import jobs
from review.cli import main
from review.errors import ConfigError, InputError
from review.pipeline import ReviewResult, Services
from review.store import Store

REPO = Path(__file__).resolve().parent.parent
TRANSCRIPTS = REPO / "tests" / "data" / "transcripts"
REDIS_URL = os.environ.get("CALLREVIEW_TEST_REDIS_URL", "")


@pytest.fixture
def store(settings):
    s = Store.from_settings(settings)
    yield s
    s.close()


class FakePipeline:
    """Stands in for review.pipeline.review_file: records each call, stores a call and a review
    row the way the pipeline would (one call per file content), optionally fails."""

    def __init__(self, store: Store):
        self.store = store
        self.calls: list[str] = []

    def __call__(self, path, services, methodology, progress=None, **options):
        from test_app import store_review

        path = Path(path)
        self.calls.append(path.name)
        if path.stem.startswith("broken"):
            raise InputError(f"{path}: cannot decode the audio (not a recording?); export it again")
        for stage in ("transcribe", "index", "score", "coach", "store"):
            progress(stage, 1.0, f"{stage} done")
        return store_review(self.store, path.read_bytes(), path.name, rep=options.get("rep") or "Alex Rivera")


def _options(**kw) -> jobs.ReviewOptions:
    return jobs.ReviewOptions(methodology="discovery", **kw)


def test_a_submitted_file_is_reviewed_by_a_worker_with_progress(settings, store):
    fake = FakePipeline(store)
    data = (TRANSCRIPTS / "zoom_demo.vtt").read_bytes()
    job, created = jobs.submit_review(store, settings, data, "zoom_demo.vtt", _options(rep="Sam Ortiz"),
                                      created_by="ada")
    assert created and job.status == "queued" and job.created_by == "ada"
    assert Path(job.stored_path).read_bytes() == data  # the upload is kept before anything runs
    assert jobs.run_job(job.id, settings, services=Services(settings, store, None, None), review=fake) == "done"
    done = store.get_job(job.id)
    assert done.status == "done" and done.progress == 1.0 and done.stage == "store"
    assert done.call_id is not None and store.latest_review(done.call_id).id == done.review_id
    assert fake.calls == ["zoom_demo.vtt"]  # the worker reviews it under the name the user gave


def test_the_worker_makes_the_playable_copy_of_a_phone_recording(settings, store, tmp_path):
    """So the call page plays an AMR call at once instead of transcoding it while the manager waits."""
    from review.audio import playable_copy
    from testkit.synth import encode_audio

    amr = encode_audio(REPO / "tests" / "data" / "audio" / "jfk.flac", tmp_path / "phone.amr")
    job, _ = jobs.submit_review(store, settings, amr.read_bytes(), "phone.amr", _options())
    assert not playable_copy(job.stored_path).exists()
    assert jobs.run_job(job.id, settings, services=Services(settings, store, None, None),
                        review=FakePipeline(store)) == "done"
    assert playable_copy(job.stored_path).stat().st_size > 1000
    assert Path(job.stored_path).read_bytes() == amr.read_bytes()


def _real_services(settings, store) -> Services:
    """The store, a real index with the deterministic fake embedding, and the rules engine."""
    from fakes import FakeEmbedding

    from review.index import CallIndex

    return Services(settings, store, CallIndex(settings, embedding_function=FakeEmbedding()), None)


def test_work_on_a_stored_call_runs_as_a_job(settings, store, capsys):
    """Re-score, a new rep and a retry are jobs like a review: one while it is queued, done again
    when asked after it finished (the pipeline serves what did not change from the store)."""
    from test_app import store_review, tiny_wav

    services = _real_services(settings, store)
    first = store_review(store, tiny_wav(tone=5), "stored.wav")
    options = jobs.ReworkOptions(first.call_id, methodology="bant")
    job, created = jobs.submit_rework(store, settings, "rescore", options, created_by="kim")
    assert created and (job.kind, job.filename, job.created_by) == ("rescore", "stored.wav", "kim")
    assert jobs.submit_rework(store, settings, "rescore", options)[0].id == job.id  # asked twice while queued
    by_another = jobs.ReworkOptions(first.call_id, methodology="bant", author="Sam Lee")
    assert jobs.submit_rework(store, settings, "rescore", by_another)[0].id == job.id  # by someone else too
    assert jobs.run_job(job.id, settings, services=services) == "done"
    done = store.get_job(job.id)
    bant = store.latest_review(first.call_id)
    assert (bant.methodology_id, done.call_id, done.review_id) == ("bant", first.call_id, bant.id)
    assert done.message == f"BANT {bant.total_percent:.0f}%"
    again, created = jobs.submit_rework(store, settings, "rescore", options)
    assert created and again.id != job.id
    assert jobs.run_job(again.id, settings, services=services) == "done"
    assert store.get_job(again.id).message.endswith("(served from the store: nothing changed)")
    assert len(store.reviews_for_call(first.call_id)) == 2
    # a new rep: a new transcript version and review; a speaker who is not in the call is one line
    rep = jobs.submit_rework(store, settings, "rep_speaker", jobs.ReworkOptions(first.call_id, rep_speaker="Jordan Lee"))[0]
    assert jobs.run_job(rep.id, settings, services=services) == "done"
    assert store.latest_review(first.call_id).scorecard.metrics.rep_speaker == "Jordan Lee"
    wrong = jobs.submit_rework(store, settings, "rep_speaker", jobs.ReworkOptions(first.call_id, rep_speaker="Nobody"))[0]
    assert jobs.run_job(wrong.id, settings, services=services) == "failed"
    error = store.get_job(wrong.id).error
    assert error.startswith("stored.wav: ") and "Nobody" in error and "\n" not in error
    # a failed call reviewed again
    store.update_call_status(first.call_id, "failed", "the endpoint was unreachable")
    retry = jobs.submit_rework(store, settings, "retry", jobs.ReworkOptions(first.call_id))[0]
    assert jobs.run_job(retry.id, settings, services=services) == "done"
    assert store.get_call(first.call_id).status == "reviewed"
    assert main(["jobs"]) == 0
    listed = capsys.readouterr().out
    assert "stored.wav (re-score): BANT" in listed and "stored.wav (new rep): " in listed
    assert "stored.wav (review again): " in listed
    # work queued on a call that is then deleted goes with it: no job left to fail on a missing call
    queued = jobs.submit_rework(store, settings, "rescore", jobs.ReworkOptions(first.call_id, methodology="spin"))[0]
    assert store.get_job(queued.id).call_id == first.call_id  # the jobs list names the call from the start
    store.delete_call(first.call_id)
    assert store.get_job(queued.id) is None and queued.id not in [j.id for j in store.list_jobs()]
    assert jobs.run_job(queued.id, settings, services=services) == "skipped"
    with pytest.raises(ValueError, match="unknown kind of work 'delete'"):
        jobs.submit_rework(store, settings, "delete", jobs.ReworkOptions(first.call_id))
    with pytest.raises(InputError, match="call 999 does not exist"):
        jobs.submit_rework(store, settings, "rescore", jobs.ReworkOptions(999))


def test_the_same_file_and_options_is_one_job_and_a_second_run_does_nothing(settings, store):
    fake = FakePipeline(store)
    data = (TRANSCRIPTS / "teams_discovery.vtt").read_bytes()
    first, _ = jobs.submit_review(store, settings, data, "a.vtt", _options())
    again, created = jobs.submit_review(store, settings, data, "a-copy.vtt", _options())
    assert not created and again.id == first.id
    other, created = jobs.submit_review(store, settings, data, "a.vtt", _options(rep="Kim Lee"))
    assert created and other.id != first.id  # other options are another job
    services = Services(settings, store, None, None)
    assert jobs.run_job(first.id, settings, services=services, review=fake) == "done"
    assert jobs.run_job(first.id, settings, services=services, review=fake) == "skipped"
    assert fake.calls == ["a.vtt"]


def test_a_failed_review_is_recorded_on_the_job_with_its_one_line_reason(settings, store):
    fake = FakePipeline(store)
    data = (TRANSCRIPTS / "zoom_demo.vtt").read_bytes()
    job, _ = jobs.submit_review(store, settings, data, "broken.vtt", _options())
    assert jobs.run_job(job.id, settings, services=Services(settings, store, None, None), review=fake) == "failed"
    failed = store.get_job(job.id)
    assert failed.status == "failed"
    assert failed.error.startswith("broken.vtt: cannot decode") and "callreview-job-" not in failed.error
    again, created = jobs.submit_review(store, settings, data, "broken.vtt", _options())
    assert created and again.id != job.id  # submitting a failed file again retries it


def test_a_file_that_cannot_be_read_is_refused_before_it_is_kept_or_queued(settings, store):
    with pytest.raises(InputError, match="is not a readable audio file") as refused:
        jobs.submit_review(store, settings, b"RIFF-not-really", "broken.wav", _options())
    # what else it may give: a PDF or a notes file dropped here may have meant a transcript
    assert str(refused.value).endswith("or a transcript file (docx, json, srt, txt, vtt)")
    assert store.list_jobs() == []
    uploads = settings.home_path / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_job_whose_worker_died_is_queued_again_and_completes_once(settings, store, monkeypatch):
    fake = FakePipeline(store)
    data = (TRANSCRIPTS / "vendor_eval.srt").read_bytes()
    job, _ = jobs.submit_review(store, settings, data, "vendor_eval.srt", _options())
    # a worker takes it, gets as far as storing the review, and is killed before it says "done"
    claimed = store.claim_job(job.id, "host:123:1", max_attempts=3)
    fake(Path(claimed.stored_path), None, "discovery", progress=lambda *a: None)
    assert store.get_job(job.id).status == "running"
    assert jobs.reap(settings, store) == []  # its heartbeat is fresh: not stale yet
    monkeypatch.setattr(settings, "job_stale_s", 0.0)
    time.sleep(0.01)
    assert jobs.reap(settings, store) == [job.id]
    assert store.get_job(job.id).status == "queued"

    def served_from_store(path, services, methodology, progress=None, **options):
        # the real pipeline finds the stored review by its cache key: no second review
        call = store.find_call_by_sha(job.file_sha256)
        review = store.latest_review(call.id)
        return ReviewResult(call.id, review.id, None, review.scorecard, review.draft, True)

    services = Services(settings, store, None, None)
    assert jobs.run_job(job.id, settings, services=services, review=served_from_store) == "done"
    [call] = store.list_calls()
    assert len(store.reviews_for_call(call.id)) == 1
    assert store.get_job(job.id).attempts == 2


def test_a_job_interrupted_too_often_is_failed_with_a_reason(settings, store):
    job, _ = jobs.submit_review(store, settings, b"WEBVTT\n\n00:00.000 --> 00:01.000\nA: hi\n", "x.vtt", _options())
    for attempt in range(3):
        assert store.claim_job(job.id, f"w{attempt}", max_attempts=3) is not None
        store.requeue_stale(-1)
    assert store.claim_job(job.id, "w9", max_attempts=3) is None
    failed = store.get_job(job.id)
    assert failed.status == "failed" and "gave up after 3 interrupted attempts" in failed.error


def test_review_queue_and_jobs_cli(settings, store, capsys):
    good = TRANSCRIPTS / "timestamped.txt"
    assert main(["review", str(good), "--queue", "--rep", "Sam Ortiz"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("timestamped.txt: job 1 queued")
    assert main(["review", str(good), "--queue", "--rep", "Sam Ortiz"]) == 0
    assert "job 1 already submitted (queued)" in capsys.readouterr().out
    assert main(["jobs"]) == 0
    listing = capsys.readouterr().out
    assert "queued" in listing and "timestamped.txt" in listing
    assert main(["review", str(good), "--queue", "--out", "x"]) == 2
    assert "--out needs the review now" in capsys.readouterr().err


def test_bad_files_are_refused_before_anything_is_kept(settings, store, tmp_path, capsys):
    empty = tmp_path / "empty.vtt"
    empty.write_bytes(b"")
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"PK\x03\x04")
    assert main(["review", str(tmp_path), "--queue"]) == 1  # the folder's one transcript is refused
    assert "empty.vtt: the file is empty" in capsys.readouterr().err
    with pytest.raises(InputError, match="the file is empty"):
        jobs.check_submission("empty.vtt", 0, 500)
    with pytest.raises(InputError, match="over the 1 MB limit"):
        jobs.check_submission("big.wav", 2 * 1024 * 1024, 1)
    assert store.list_jobs() == []
    assert not (settings.home_path / "uploads").exists() or not any((settings.home_path / "uploads").iterdir())


def test_an_unknown_queue_url_is_one_line(settings, monkeypatch):
    monkeypatch.setattr(settings, "queue_url", "amqp://rabbit")
    with pytest.raises(ConfigError, match="not supported; leave it empty"):
        jobs.queue_for(settings)


@pytest.mark.skipif(not REDIS_URL, reason="set CALLREVIEW_TEST_REDIS_URL to test the Redis queue")
def test_jobs_travel_through_redis(settings, store, monkeypatch):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    monkeypatch.setattr(settings, "queue_url", REDIS_URL)
    job, _ = jobs.submit_review(store, settings, (TRANSCRIPTS / "zoom_demo.vtt").read_bytes(), "z.vtt", _options())
    huey = jobs.queue_for(settings)
    assert huey.pending_count() == 1
    task = huey.dequeue()
    assert task.args == (job.id,)


# --------------------------------------------------------------------------- real worker processes


def _wait(predicate, seconds: float, what: str):
    end = time.time() + seconds
    while time.time() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_kill_9_of_a_worker_mid_job_loses_nothing_and_reviews_each_call_once(settings, store, tmp_path):
    env = {**os.environ, "CALLREVIEW_HOME": settings.home, "CALLREVIEW_JOB_STALE_S": "6",
           "PYTHONPATH": str(REPO)}
    files = sorted(TRANSCRIPTS.iterdir())
    for f in files:
        jobs.submit_review(store, settings, f, f.name, _options(rep="Sam Ortiz"))
    worker = subprocess.Popen([sys.executable, "-m", "review", "worker", "--workers", "1"], env=env,
                              cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        running = _wait(lambda: store.list_jobs(status="running"), 180, "a running job")
        os.killpg(worker.pid, signal.SIGKILL)  # the consumer and its worker process, mid-job
        worker.wait(10)
        assert store.get_job(running[0].id).status == "running"  # left behind by the dead worker
        worker = subprocess.Popen([sys.executable, "-m", "review", "worker", "--workers", "1"], env=env,
                                  cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        _wait(lambda: all(j.finished for j in store.list_jobs()), 600, "every job to finish")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    done = store.list_jobs()
    assert [j.status for j in done] == ["done"] * len(files), [j.error for j in done]
    assert store.get_job(running[0].id).attempts >= 2
    calls = store.list_calls(limit=100)
    assert len(calls) == len(files)
    assert all(len(store.reviews_for_call(c.id)) == 1 for c in calls)
