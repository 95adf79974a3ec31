"""Reviews under faults (issue 12, items 6, 7, 12, 13, 15, 17, 18, 19): unreadable files leave
nothing behind, every failure leaves the call `failed` with a one-line reason and a retry path,
a killed review is found stale, concurrent reviews of one file store one call and one review,
outputs are written as one set, and store errors say their real cause.

Real store (SQLite file), real chromadb (in memory), a hash embedding (tests/fakes.FakeEmbedding)
and the rules engine; no Whisper (inputs are transcript files or audio refused before decoding).
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import signal
import wave
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedding
from sqlalchemy import event, text
from test_pipeline import transcript_file

from review.cli import main
from review.errors import InputError, StoreError
from review.pipeline import Services, cache_key, review_file
from review.rework import retry_call
from review.settings import load_settings


def make_services(settings, engine=None) -> Services:
    import chromadb

    from review.index import CallIndex
    from review.store import Store

    return Services(settings=settings, store=Store.from_settings(settings),
                    index=CallIndex(settings, embedding_function=FakeEmbedding(),
                                    client=chromadb.EphemeralClient()),
                    engine=engine)


def _nothing_kept(services) -> None:
    assert services.store.list_calls() == []
    uploads = services.settings.home_path / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


def _ogg(tmp_path: Path, seconds: int = 20) -> Path:
    from testkit.synth import encode_audio

    rate = 16000
    t = np.arange(rate * seconds) / rate
    samples = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * np.random.default_rng(0).standard_normal(len(t))
    src = tmp_path / "tone.wav"
    with wave.open(str(src), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((samples * 32767).astype(np.int16).tobytes())
    return encode_audio(src, tmp_path / "tone.ogg")


# --------------------------------------------------------------------------- item 7, 6, 15


def test_unreadable_files_are_refused_before_anything_is_kept(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREVIEW_MAX_UPLOAD_MB", "1")
    services = make_services(load_settings())
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "random.wav").write_bytes(np.random.default_rng(1).bytes(50_000))
    (bad / "empty.mp3").write_bytes(b"")
    (bad / "huge.wav").write_bytes(b"RIFF" + bytes(1_200_000))
    (bad / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (bad / "big_id.json").write_text(json.dumps({"segments": [{"id": 10**30, "start": 0, "end": 1,
                                                                "speaker": "A", "text": "hi"}],
                                                 "source": {"file": "x", "format": "json"}}))
    ogg = _ogg(tmp_path).read_bytes()
    (bad / "cut.ogg").write_bytes(ogg[: len(ogg) * 2 // 15])  # 20 KB of 150 KB
    expected = {"random.wav": "not a readable audio file", "empty.mp3": r"empty \(0 bytes\)",
                "huge.wav": "over the 1 MB limit", "deep.json": "nested too deeply",
                "big_id.json": "is not an id", "cut.ogg": "Ogg file is truncated"}
    for name, message in expected.items():
        with pytest.raises(InputError, match=message):
            review_file(bad / name, services, "bant")
        _nothing_kept(services)
        assert services.store.list_jobs() == []


def test_a_whole_ogg_is_accepted_by_the_checks(tmp_path):
    from review.audio import probe_recording

    assert probe_recording(_ogg(tmp_path, 5), 10).suffix == ".ogg"


def test_a_folder_carries_on_past_malformed_json(settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("review.embeddings.make_embedding_function", lambda settings: FakeEmbedding())
    folder = tmp_path / "calls"
    transcript_file(folder, "hr_onboarding_weak")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    code = main(["review", str(folder), "-m", "bant"])
    out, err = capsys.readouterr()
    assert code == 1 and out.count("== ") == 1 and "Traceback" not in err
    assert "deep.json: is nested too deeply" in err and "1 of 2 files failed" in err


# --------------------------------------------------------------------------- item 17


def test_any_failure_marks_the_call_failed_and_retry_reviews_it(settings, tmp_path, monkeypatch, capsys):
    services = make_services(settings)
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("review.score.score_call", disk_full)
    with pytest.raises(StoreError, match="No space left on device.*--retry 1"):
        review_file(path, services, "bant", rep="Sam Park")
    call = services.store.get_call(1)
    assert call.status == "failed" and "No space left on device" in call.error
    assert call.review_owner is None

    def bug(*args, **kwargs):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr("review.score.score_call", bug)
    with pytest.raises(RuntimeError):
        review_file(path, services, "bant")
    call = services.store.get_call(1)
    assert (call.status, call.error) == ("failed", "unexpected RuntimeError: boom")

    monkeypatch.undo()
    monkeypatch.setenv("CALLREVIEW_HOME", str(settings.home_path))
    monkeypatch.setattr("review.embeddings.make_embedding_function", lambda settings: FakeEmbedding())
    assert main(["review", "--retry", "1", "--out", str(tmp_path / "out")]) == 0
    assert "== call 1" in capsys.readouterr().out
    call = services.store.get_call(1)
    assert (call.status, call.error, call.rep) == ("reviewed", None, "Sam Park")
    assert len(services.store.list_calls()) == 1


def test_retry_of_an_unknown_call_is_one_line(settings, capsys):
    assert main(["review", "--retry", "42"]) == 2
    assert "call 42 does not exist" in capsys.readouterr().err


def _claim_and_die(home: str, call_id: int) -> None:
    os.environ["CALLREVIEW_HOME"] = home
    from review.store import Store

    Store.from_settings(load_settings()).begin_review(call_id)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 in the middle of the review


def test_a_killed_review_is_marked_interrupted_and_retried(settings, tmp_path):
    services = make_services(settings)
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    first = review_file(path, services, "bant")
    child = multiprocessing.get_context("spawn").Process(
        target=_claim_and_die, args=(str(settings.home_path), first.call_id))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert services.store.get_call(first.call_id).review_owner is not None
    [row] = services.store.list_calls()  # listing finds the dead owner
    assert row.status == "failed" and row.error.startswith("interrupted") and "--retry 1" in row.error
    again = retry_call(first.call_id, services)
    assert again.cached and services.store.get_call(first.call_id).status == "reviewed"


# --------------------------------------------------------------------------- item 12


def _review_in_process(home: str, path: str, barrier) -> None:
    os.environ["CALLREVIEW_HOME"] = home
    services = make_services(load_settings())
    barrier.wait(60)
    review_file(path, services, "bant", rep="Sam Park")


def test_four_concurrent_reviews_of_one_file_store_one_call_and_one_review(settings, tmp_path):
    path = transcript_file(tmp_path / "calls", "retail_forecasting_weak")
    make_services(settings).store.close()  # the schema exists before the race starts
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    workers = [ctx.Process(target=_review_in_process, args=(str(settings.home_path), str(path), barrier))
               for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(300)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    store = make_services(settings).store
    calls = store.list_calls()
    assert len(calls) == 1 and calls[0].status == "reviewed"
    assert len(store.reviews_for_call(calls[0].id)) == 1


def test_old_duplicate_rows_survive_the_unique_index_migration(tmp_path):
    from review.migrations import migrate
    from review.store import Store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    from sqlalchemy import create_engine

    engine = create_engine(url)
    migrate(engine, until=2)
    with engine.begin() as conn:
        for _ in range(2):
            conn.execute(text("INSERT INTO calls (audio_sha256, filename, created_at, status) "
                              "VALUES ('ab', 'x.vtt', '2026-01-01', 'new')"))
    engine.dispose()
    store = Store(url)
    first, second = store.get_call(1), store.get_call(2)
    assert (first.duplicate_of, second.duplicate_of) == (None, 1)
    assert store.claim_call(audio_sha256="ab", filename="x.vtt") == (1, False)
    assert store.claim_call(audio_sha256="cd", filename="y.vtt") == (3, True)


# --------------------------------------------------------------------------- item 13


def test_a_transcript_over_the_turn_limit_is_refused_before_indexing(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("CALLREVIEW_MAX_TURNS", "100")
    services = make_services(load_settings())
    path = tmp_path / "long.txt"
    path.write_text("\n".join(f"{'Ana' if i % 2 else 'Ben'}: line {i} of a very long call" for i in range(50_000)))
    client = services.index.client  # chromadb's in-memory client is one per process: compare counts

    def counts():
        return {c.name: c.count() for c in client.list_collections()}

    before = counts()
    with pytest.raises(InputError, match="has 50000 speaker turns, over the limit of 100.*CALLREVIEW_MAX_TURNS"):
        review_file(path, services, "bant")
    _nothing_kept(services)
    assert counts() == before


def test_a_transcript_over_the_word_limit_is_refused_before_indexing(settings, tmp_path, monkeypatch):
    """Few turns, but a book's worth of words (scoring it would take hours): refused in one line."""
    monkeypatch.setenv("CALLREVIEW_MAX_WORDS", "2000")
    services = make_services(load_settings())
    path = tmp_path / "book.txt"
    path.write_text("\n".join(f"{'Ana' if i % 2 else 'Ben'}: " + "word " * 300 for i in range(10)))
    with pytest.raises(InputError, match=r"^book\.txt: has 3,000 words, over the limit of 2,000 \(under an hour of "
                                         r"talk\); split the call, or raise CALLREVIEW_MAX_WORDS$"):
        review_file(path, services, "bant")
    _nothing_kept(services)


def test_index_writes_are_batched_and_a_failed_write_leaves_nothing(settings, tmp_path, monkeypatch):
    from review.formats import load_transcript

    services = make_services(settings)
    index = services.index
    monkeypatch.setattr(index.client, "get_max_batch_size", lambda: 7)
    transcript = load_transcript(transcript_file(tmp_path / "c", "hr_onboarding_weak"))
    assert len(transcript.segments) > 14
    added: list[int] = []
    collection = index._collection("turns")
    real_add = collection.add

    def add(**kwargs):
        added.append(len(kwargs["ids"]))
        if sum(added) > 10:
            raise RuntimeError("disk full in chromadb")
        return real_add(**kwargs)

    monkeypatch.setattr(collection, "add", add)
    with pytest.raises(RuntimeError):
        index.index_transcript("9", transcript)
    assert max(added) <= 7
    assert index.window_vectors("9") == {} and index.window_vectors("9", "turns") == {}
    monkeypatch.setattr(collection, "add", real_add)
    assert index.index_transcript("9", transcript) == len(index.window_vectors("9"))
    assert index.delete_call("9") > 7  # deleted in batches of 7


# --------------------------------------------------------------------------- item 18, 19, 2


def test_a_failed_write_of_the_outputs_leaves_the_old_set(settings, tmp_path, monkeypatch):
    from review.commands.review import OUTPUT_NAMES, write_outputs

    services = make_services(settings)
    result = review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"), services, "bant")
    out = tmp_path / "out"
    out.mkdir()
    for name in OUTPUT_NAMES:
        (out / name).write_text("old")

    real = __import__("review.render", fromlist=["write_text_atomic"]).write_text_atomic

    def fail_on_prep(path, text_):
        if Path(path).name == "prep_note.md":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, text_)

    monkeypatch.setattr("review.render.write_text_atomic", fail_on_prep)
    with pytest.raises(InputError, match="No space left on device.*nothing was written"):
        write_outputs(result, out)
    assert {p.name: p.read_text() for p in out.iterdir()} == dict.fromkeys(OUTPUT_NAMES, "old")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls", "home", "out"]  # no staging left
    monkeypatch.undo()
    written = write_outputs(result, tmp_path / "fresh")
    assert [p.name for p in written] == list(OUTPUT_NAMES) and all(p.is_file() for p in written)
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(InputError, match="is a file; give a folder"):
        write_outputs(result, tmp_path / "a_file")


def test_out_and_home_that_cannot_be_used_are_one_line(settings, tmp_path, monkeypatch, capsys):
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    assert main(["transcribe", str(path), "--out", str(tmp_path)]) == 2
    assert "is a folder; give a file name" in capsys.readouterr().err
    assert main(["transcribe", str(path), "--out", "/proc/x.json"]) == 2
    assert "/proc/x.json: cannot write there" in capsys.readouterr().err
    home = tmp_path / "home_file"
    home.write_text("")
    monkeypatch.setenv("CALLREVIEW_HOME", str(home))
    assert main(["review", str(path)]) == 2
    err = capsys.readouterr().err
    assert "CALLREVIEW_HOME" in err and "set CALLREVIEW_HOME to a folder" in err and "Traceback" not in err


def test_a_read_only_store_says_so(settings):
    from review.store import Store

    store = Store.from_settings(settings)
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def read_only(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA query_only=ON")

    with pytest.raises(StoreError) as err:
        store.add_call(filename="x.vtt")
    assert "read-only" in str(err.value) and "another process" not in str(err.value)


def test_the_cache_key_includes_the_llm_endpoint(settings):
    class Engine:
        name, model = "openai", "gpt-4o-mini"

        def __init__(self, base_url):
            self.base_url = base_url

    from review.types import Transcript
    from testkit.dialogue import dialogue_to_transcript, load_dialogue

    transcript = Transcript.model_validate(dialogue_to_transcript(
        load_dialogue(Path(__file__).parent / "data" / "calls" / "hr_onboarding_weak.yaml")).model_dump())
    keys = {cache_key(transcript, "m", Services(settings, None, None, Engine(url)))
            for url in ("https://api.openai.com/v1", "http://evil.example/v1")}
    assert len(keys) == 2


def test_a_stored_nan_metric_does_not_break_the_reps_later_reviews(settings, tmp_path):
    services = make_services(settings)
    first = review_file(transcript_file(tmp_path / "a", "hr_onboarding_weak"), services, "bant",
                        rep="Sam Park", call_date="2026-01-01")
    with services.store.engine.begin() as conn:  # what an older version stored for a NaN
        body = json.loads(conn.scalar(text("SELECT scorecard_json FROM reviews WHERE id = :i"),
                                      {"i": first.review_id}))
        speaker = next(iter(body["metrics"]["speakers"]))
        body["metrics"]["speakers"][speaker]["talk_ratio"] = None
        conn.execute(text("UPDATE reviews SET scorecard_json = :b WHERE id = :i"),
                     {"b": json.dumps(body), "i": first.review_id})
    second = review_file(transcript_file(tmp_path / "b", "retail_forecasting_weak"), services, "bant",
                         rep="Sam Park", call_date="2026-02-01")
    assert second.draft.rep == "Sam Park"
    assert len(services.store.rep_history("Sam Park", "bant")) == 2
    assert len(services.store.rep_trend_rows("Sam Park", "bant")) == 2


def test_the_apps_upload_path_keeps_nothing_of_a_bad_file(settings, monkeypatch):
    from review.auth import Scope
    from review.ui import processing, state

    services = make_services(settings)
    monkeypatch.setattr(state, "services", lambda: services)
    monkeypatch.setattr(state, "scope", lambda: Scope("ada", "Ada", "admin", None, None))
    for name, data in (("random.wav", np.random.default_rng(2).bytes(40_000)), ("empty.vtt", b""),
                       ("deep.json", b"[" * 100_000 + b"]" * 100_000)):
        outcome = processing.submit_upload(name, data, "bant", None, None, "discovery")
        assert outcome.kind == "error" and outcome.message.startswith(name) and "\n" not in outcome.message
        _nothing_kept(services)


@pytest.mark.parametrize(("driver_says", "we_say"), [
    ("attempt to write a readonly database", "the database is read-only"),
    ("database or disk is full", "the disk is full"),
    ("database is locked", "another process is holding it"),
])
def test_store_errors_name_their_real_cause(driver_says, we_say):
    from review.store.base import _known_cause

    advice = _known_cause(driver_says, "sqlite:///x.db")
    assert we_say in advice and "CALLREVIEW_DATABASE_URL" not in advice.replace("set CALLREVIEW_DATABASE_URL to a writable", "")
