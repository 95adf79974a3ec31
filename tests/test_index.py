"""The chromadb index: persistence across processes, content-keyed re-indexing of methodologies
and transcripts, deletion, and the `callreview index` command (fake embeddings: fast, exact)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import chromadb
import pytest
from fakes import FakeEmbedding

from review.errors import ConfigError
from review.index import CallIndex, build_windows
from review.methodology import load_methodology_file
from testkit.dialogue import dialogue_to_transcript, load_dialogue

REPO = Path(__file__).resolve().parent.parent
CALLS = REPO / "tests" / "data" / "calls"


def _index(settings, client=None, embedding=None):
    return CallIndex(
        settings,
        embedding_function=embedding or FakeEmbedding(),
        client=client or chromadb.EphemeralClient(),
    )


def _transcript(name="hr_onboarding_weak"):
    return dialogue_to_transcript(load_dialogue(CALLS / f"{name}.yaml"))


@pytest.fixture
def discovery_copy(tmp_path):
    path = tmp_path / "methodology" / "discovery.yaml"
    path.parent.mkdir()
    path.write_bytes((REPO / "methodology" / "discovery.yaml").read_bytes())
    return path


def test_windows_hold_the_focal_turn_and_its_neighbours():
    transcript = _transcript()
    windows = build_windows("c1", transcript, before=1, after=1)
    assert len(windows) == len(transcript.segments)
    assert windows[0].segment_ids == [0, 1]
    assert windows[5].segment_ids == [4, 5, 6] and windows[5].focal_segment_id == 5
    assert windows[5].role == transcript.segments[5].role
    assert (
        windows[5].start == transcript.segments[4].start
        and windows[5].end == transcript.segments[6].end
    )
    assert windows[-1].segment_ids[-1] == transcript.segments[-1].id


def test_transcript_windows_metadata(settings):
    index = _index(settings)
    transcript = _transcript()
    assert index.index_transcript("call-1", transcript) == len(transcript.segments)
    got = index._collection("windows").get(
        where={"call_id": "call-1"}, include=["metadatas", "documents"]
    )
    by_focal = {
        md["focal_segment_id"]: (md, doc)
        for md, doc in zip(got["metadatas"], got["documents"], strict=True)
    }
    md, doc = by_focal[5]
    assert md["segment_ids"] == "4,5,6"
    assert md["role"] == "customer" and md["speaker"] == "Sarah Collins"
    assert md["start"] == transcript.segments[4].start and md["end"] == transcript.segments[6].end
    assert transcript.segments[5].text in doc


def test_transcript_reindex_is_idempotent_and_replaces(settings):
    embedding = FakeEmbedding()
    index = _index(settings, embedding=embedding)
    transcript = _transcript()
    index.index_transcript("call-1", transcript)
    calls = embedding.calls
    assert index.index_transcript("call-1", transcript) == 0
    assert embedding.calls == calls  # unchanged: nothing embedded again

    shorter = transcript.model_copy(deep=True)
    shorter.segments = shorter.segments[:10]
    shorter.segments[3].text = "We lose twelve hours a week to paperwork."
    assert index.index_transcript("call-1", shorter) == 10
    got = index._collection("windows").get(where={"call_id": "call-1"}, include=["documents"])
    assert len(got["ids"]) == 10
    assert any("twelve hours" in d for d in got["documents"])
    assert len(index.window_vectors("call-1", "turns")) == 10


def test_delete_call_removes_only_that_call(settings):
    index = _index(settings)
    index.index_transcript("a", _transcript())
    index.index_transcript("b", _transcript("retail_forecasting_weak"))
    assert index.delete_call("a") == len(_transcript().segments)
    assert index.window_vectors("a") == {} and index.window_vectors("a", "turns") == {}
    assert len(index.window_vectors("b")) == len(_transcript("retail_forecasting_weak").segments)
    assert index.delete_call("a") == 0


def test_empty_call_id_is_config_error(settings):
    with pytest.raises(ConfigError, match="call_id"):
        _index(settings).index_transcript("", _transcript())


def test_unchanged_methodology_is_not_reindexed(settings, discovery_copy):
    embedding = FakeEmbedding()
    index = _index(settings, embedding=embedding)
    loaded = load_methodology_file(discovery_copy)
    assert index.index_methodology(loaded) == len(loaded.methodology.criteria)
    calls = embedding.calls
    assert index.index_methodology(load_methodology_file(discovery_copy)) == 0
    # the pipeline passes the bare Methodology after the loaded one: same content, no re-index
    assert index.index_methodology(loaded.methodology) == 0
    index.criterion_vectors(loaded)
    assert embedding.calls == calls


def test_edited_methodology_is_reindexed_and_old_entries_are_gone(settings, discovery_copy):
    index = _index(settings)
    before = load_methodology_file(discovery_copy)
    index.index_methodology(before)
    old_question = before.methodology.criterion("agenda_set").question.strip()

    text = discovery_copy.read_text()
    text = text.replace(
        "did the rep state what the call will cover", "did the rep lay out the plan for the call"
    )
    # drop the last criterion entirely
    text = text[: text.index("  - id: next_step_dated")]
    discovery_copy.write_text(text)
    after = load_methodology_file(discovery_copy)
    assert after.sha256 != before.sha256
    assert index.index_methodology(after) == len(after.methodology.criteria)

    got = index._collection("criteria").get(
        where={"methodology_id": "discovery"}, include=["documents", "metadatas"]
    )
    assert "discovery/next_step_dated" not in got["ids"]
    assert len(got["ids"]) == len(after.methodology.criteria)
    assert {md["methodology_sha256"] for md in got["metadatas"]} == {after.sha256}
    agenda = got["documents"][got["ids"].index("discovery/agenda_set")]
    assert "lay out the plan" in agenda and old_question not in agenda
    probes = index._collection("probes").get(
        where={"methodology_id": "discovery"}, include=["metadatas"]
    )
    assert {md["methodology_sha256"] for md in probes["metadatas"]} == {after.sha256}
    assert not any(i.startswith("discovery/next_step_dated/") for i in probes["ids"])


def test_collections_are_namespaced_by_embedding(settings):
    client = chromadb.EphemeralClient()

    class OtherEmbedding(FakeEmbedding):
        @staticmethod
        def name():
            return "test-other"

    _index(settings, client=client).index_transcript("c", _transcript())
    other = _index(settings, client=client, embedding=OtherEmbedding())
    assert other.window_vectors("c") == {}  # never reads vectors of another model
    names = sorted(c.name for c in client.list_collections())
    assert len([n for n in names if n.startswith("windows-")]) == 2


SUBPROCESS_INDEX = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from fakes import FakeEmbedding
    from test_index import _transcript
    from review.index import CallIndex
    from review.settings import load_settings
    index = CallIndex(load_settings(), embedding_function=FakeEmbedding())
    print(index.index_transcript("persisted-call", _transcript()))
    """
)


def test_index_persists_across_processes(settings, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("CALLREVIEW_HOME", str(home))
    code = SUBPROCESS_INDEX.format(tests=str(Path(__file__).parent))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert int(out.stdout.strip().splitlines()[-1]) == len(_transcript().segments)
    assert (home / "chroma").is_dir()

    embedding = FakeEmbedding()
    index = CallIndex(settings, embedding_function=embedding)  # PersistentClient at <home>/chroma
    assert len(index.window_vectors("persisted-call")) == len(_transcript().segments)
    assert index.index_transcript("persisted-call", _transcript()) == 0
    assert embedding.calls == 0


def test_cli_index_methodologies_and_search(settings, tmp_path, monkeypatch, capsys):
    import review.embeddings
    from review.cli import main
    from review.formats import write_json_atomic

    monkeypatch.setattr(review.embeddings, "make_embedding_function", lambda s: FakeEmbedding())
    assert main(["index", "methodologies"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^discovery: 6 criteria, indexed 6 criteria$", out, re.M)
    assert main(["index", "methodologies"]) == 0
    assert "discovery: 6 criteria, unchanged" in capsys.readouterr().out

    path = tmp_path / "call.json"
    write_json_atomic(path, _transcript())
    assert main(["index", "search", str(path), "--methodology", "discovery", "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert "next_step_dated (Next step agreed with a date), shown by either" in out
    assert re.search(r"^   >\[\d\d:\d\d\] (Kevin Doyle|Sarah Collins): ", out, re.M)
    assert re.search(r"^    \[\d\d:\d\d\] (Kevin Doyle|Sarah Collins): ", out, re.M)
    assert out.count("similarity ") == 2 * 6

    assert main(["index", "search", str(path), "--methodology", "nope"]) == 2
    assert "unknown methodology" in capsys.readouterr().err
