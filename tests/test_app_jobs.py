# ruff: noqa: F811  (pytest fixtures imported from test_app are used as parameters)
"""The Upload page on background jobs: a manager who leaves the page and comes back finds the batch
still going, with each job's stage, and the finished reviews to open (AppTest, fakes of test_app)."""

from __future__ import annotations

from test_app import app, seams, store, texts, tiny_wav  # noqa: F401

from review.jobs import run_job
from review.pipeline import Services


def test_leaving_the_page_does_not_stop_the_batch(seams, store, monkeypatch, settings):
    from review.ui import state

    monkeypatch.setattr(state, "start_worker", lambda s: None)  # the worker is busy elsewhere
    at = app("upload")
    at.text_input(key="upload_rep").input("Sam Ortiz")
    at.file_uploader(key="upload_files").set_value([
        ("monday.wav", tiny_wav(tone=1), "audio/wav"), ("tuesday.wav", tiny_wav(tone=2), "audio/wav")])
    at.button[0].click().run()
    assert not at.exception
    assert [j.status for j in store.list_jobs()] == ["queued", "queued"]
    at.switch_page("review/ui/calls.py").run()  # the manager goes elsewhere ...
    # ... while a worker takes the first job and gets half way
    first = store.list_jobs()[-1]
    store.claim_job(first.id, "w1", 3)
    store.job_progress(first.id, "w1", "score", 0.5, "Scoring against Discovery")
    at.switch_page("review/ui/upload.py").run()  # ... and comes back
    shown = texts(at)
    assert "monday.wav: Scoring" in shown and "tuesday.wav: Waiting for a worker" in shown
    # the worker finishes both; the page shows them done, each with its review to open
    store.requeue_stale(-1)
    fake = Services(settings, store, None, None)
    for job in store.list_jobs():
        assert run_job(job.id, settings, services=fake, review=state.run_review) == "done"
    at = app("upload")
    assert len(at.success) == 2 and all(s.value.endswith("%") for s in at.success)
    next(b for b in at.button if b.label == "Open review").click().run()
    assert at.session_state["call_id"] is not None


def test_the_same_batch_uploaded_again_is_not_reviewed_twice(seams, store):
    data = tiny_wav(tone=4)
    for _ in range(2):
        at = app("upload")
        at.text_input(key="upload_rep").input("Sam Ortiz")
        at.file_uploader(key="upload_files").set_value([("weekly.wav", data, "audio/wav")])
        at.button[0].click().run()
        assert not at.exception
    assert seams == ["weekly.wav"]
    assert len(store.list_jobs()) == 1 and len(store.list_calls()) == 1
