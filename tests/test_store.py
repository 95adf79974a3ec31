"""The store: round trips, versions never overwritten, edit conflicts, filters, migrations.

Runs on a temporary SQLite file; set CALLREVIEW_TEST_POSTGRES_URL (an empty database you can
drop tables in) to run the same tests against PostgreSQL as well.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, inspect, text

from review.errors import EditConflict, StoreError
from review.migrations import METADATA, MIGRATIONS, TABLES, migrate
from review.store import Store, review_cache_key
from review.types import (
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

PG_URL = os.environ.get("CALLREVIEW_TEST_POSTGRES_URL", "")


# --------------------------------------------------------------------------- builders


def make_transcript(turns: list[tuple[str, str]], rep: str = "Alex Rivera") -> Transcript:
    """turns: (speaker label, text); the speaker named `rep` gets the rep role."""
    segments, t = [], 0.0
    for i, (speaker, said) in enumerate(turns):
        words = [Word(start=t + k * 0.4, end=t + k * 0.4 + 0.35, word=" " + w)
                 for k, w in enumerate(said.split())]
        end = t + 0.4 * len(words)
        segments.append(Segment(id=i, start=t, end=end, speaker=speaker,
                                role="rep" if speaker == rep else "customer", text=said, words=words))
        t = end + 0.5
    metrics = Metrics(speakers={
        rep: SpeakerMetrics(talk_ratio=0.6, longest_monologue_s=42.0, question_count=7,
                            words_per_minute=150.0),
        "Jordan Lee": SpeakerMetrics(talk_ratio=0.4, longest_monologue_s=20.0, question_count=2,
                                     words_per_minute=140.0),
    }, interactivity=5.5, patience_s=1.2)
    return Transcript(segments=segments, metrics=metrics, duration=t, audio_sha256="a" * 64,
                      source=TranscriptSource(file="call.vtt", format="vtt"))


def make_scorecard(percent: float, scores: dict[str, int] | None = None,
                   methodology_id: str = "discovery") -> Scorecard:
    scores = scores if scores is not None else {"agenda_set": 2, "next_step": 0}
    criteria = [
        CriterionScore(
            id=cid, name=cid.replace("_", " ").title(), section="Opening", score=score,
            max_score=2, verdict="met" if score == 2 else "not_met", rationale=f"{cid} rationale.",
            evidence=[EvidenceQuote(segment_id=0, quote="Let's set an agenda", start=0.0, end=1.6,
                                    speaker="Alex Rivera", role="rep")] if score else [],
        )
        for cid, score in scores.items()
    ]
    return Scorecard(
        methodology_id=methodology_id, methodology_name=methodology_id.title(), criteria=criteria,
        total_score=sum(scores.values()), total_max=2.0 * len(scores), total_percent=percent,
        metrics=make_transcript([("Alex Rivera", "hi")]).metrics, strengths=["agenda_set"],
        gaps=["next_step"], engine="rules",
        provenance=Provenance(
            engine="rules", engine_label="Offline rules engine (no LLM)", model=None,
            prompt_version="1", prompt_sha256="p" * 64, methodology_id=methodology_id,
            methodology_version="1.0", methodology_sha256="m" * 64, transcript_sha256="t" * 64,
            created_at="2026-01-05T10:00:00+00:00",
        ),
    )


def make_draft(focus: str = "next_step") -> CoachingDraft:
    keys = [("set_the_stage", "Set the Stage"), ("lead_analysis", "Lead the Performance Analysis"),
            ("explore_options", "Explore Solution Options"), ("develop_plan", "Develop the Action Plan")]
    return CoachingDraft(
        rep="Alex Rivera", focus_criterion_id=focus, focus_criterion_name="Next Step",
        pattern="missed in 3 of the last 4 calls", solution="coaching",
        solution_reason="does it well in other calls", confirm_questions=["What stopped you?"],
        agenda=[AgendaSection(key=k, title=title, minutes=5, body_markdown=f"AI text for {k}.")
                for k, title in keys],
        prep_note_markdown="# Prep note\nFocus on next steps.", engine_label="Offline rules engine",
    )


TURNS = [("Alex Rivera", "Thanks for joining, shall we set an agenda for today?"),
         ("Jordan Lee", "Sure, we mostly want to talk about the Acme Logistics rollout.")]


# --------------------------------------------------------------------------- fixtures


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        METADATA.drop_all(conn)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL, reason="set CALLREVIEW_TEST_POSTGRES_URL to test PostgreSQL"))])
def db_url(request, tmp_path):
    if request.param == "postgresql":
        _reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def store(db_url, tmp_path):
    s = Store(db_url, uploads_dir=tmp_path / "uploads")
    yield s
    s.close()


def add_reviewed_call(store: Store, *, rep="Alex Rivera", call_date="2026-01-05", percent=50.0,
                      methodology_id="discovery", turns=TURNS, scores=None) -> tuple[int, int]:
    call_id = store.add_call(filename="call.wav", rep=rep, call_date=call_date,
                             methodology_id=methodology_id, title=f"Call {call_date}")
    store.save_transcript(call_id, make_transcript(turns))
    review_id = store.save_review(call_id, make_scorecard(percent, scores, methodology_id),
                                  make_draft(), cache_key=f"key-{call_id}")
    return call_id, review_id


# --------------------------------------------------------------------------- calls, transcripts


def test_call_round_trip_and_duplicate_lookup(store):
    call_id = store.add_call(filename="Week 3.wav", audio_sha256="f" * 64, stored_path="/x/f.wav",
                             rep=" Alex Rivera ", call_date="2026-01-05", call_type="discovery",
                             methodology_id="discovery", title="Acme discovery", duration=61.5)
    call = store.get_call(call_id)
    assert (call.filename, call.rep, call.call_date, call.duration, call.status) == (
        "Week 3.wav", "Alex Rivera", "2026-01-05", 61.5, "new")
    assert store.find_call_by_sha("f" * 64).id == call_id
    assert store.find_call_by_sha("0" * 64) is None
    assert store.get_call(call_id + 100) is None
    store.update_call_status(call_id, "failed", error="audio could not be decoded")
    assert (store.get_call(call_id).status, store.get_call(call_id).error) == (
        "failed", "audio could not be decoded")
    with pytest.raises(StoreError, match="status 'done' is not one of"):
        store.update_call_status(call_id, "done")
    with pytest.raises(StoreError, match="call_date '05/01/2026' is not an ISO date"):
        store.add_call(filename="x.wav", call_date="05/01/2026")
    with pytest.raises(StoreError, match="call 999 does not exist"):
        store.update_call_status(999, "new")
    assert store.add_call(filename="undated.vtt").__class__ is int
    assert store.reps() == ["Alex Rivera"]


def test_transcript_versions_are_never_overwritten(store):
    call_id = store.add_call(filename="call.vtt")
    first = make_transcript(TURNS)
    assert store.save_transcript(call_id, first) == 1
    assert store.save_transcript(call_id, first) == 1  # identical: no new version
    edited = first.model_copy(deep=True)
    edited.segments[1].speaker = "Jordan L."
    assert store.save_transcript(call_id, edited) == 2
    assert store.get_transcript(call_id, version=1) == first
    assert store.get_transcript(call_id) == edited
    assert store.get_transcript(call_id, version=3) is None
    assert store.transcript_versions(call_id) == [1, 2]
    assert store.get_call(call_id).duration == pytest.approx(first.duration)
    with pytest.raises(StoreError, match="call 999 does not exist"):
        store.save_transcript(999, first)


# --------------------------------------------------------------------------- reviews


def test_review_round_trip_provenance_and_cache_key(store):
    call_id = store.add_call(filename="call.wav", rep="Alex Rivera")
    store.save_transcript(call_id, make_transcript(TURNS))
    card, draft = make_scorecard(62.5), make_draft()
    key = review_cache_key(transcript_sha256="t" * 64, methodology_sha256="m" * 64, engine="rules")
    review_id = store.save_review(call_id, card, draft, cache_key=key)
    got = store.latest_review(call_id)
    assert got.id == review_id and got.scorecard == card and got.draft == draft
    assert (got.engine, got.prompt_version, got.prompt_sha256, got.methodology_id,
            got.methodology_sha256, got.total_percent, got.transcript_version) == (
        "rules", "1", "p" * 64, "discovery", "m" * 64, 62.5, 1)
    assert store.get_call(call_id).status == "reviewed"
    assert store.find_review_by_cache_key(key).id == review_id
    assert store.find_review_by_cache_key(review_cache_key(engine="openai")) is None
    second = store.save_review(call_id, make_scorecard(80.0), None, cache_key="other")
    assert [r.id for r in store.reviews_for_call(call_id)] == [review_id, second]
    assert store.latest_review(call_id).draft is None
    assert store.get_review(review_id).scorecard.total_percent == 62.5  # first one kept as it was
    assert store.find_review_by_cache_key(key).id == review_id


def test_overrides_append_and_keep_the_ai_original(store):
    assert store.scores_mark() == (0, 0)
    _, review_id = add_reviewed_call(store)
    assert store.scores_mark() == (review_id, 0)  # what a cache of trend rows keys on
    first = store.add_override(review_id, "next_step", 1, "She did propose a follow-up.")
    assert store.scores_mark() == (review_id, first)
    store.add_override(review_id, "next_step", 2, "Date agreed at 14:10.", author="Sam")
    latest = store.overrides(review_id)
    assert list(latest) == ["next_step"]
    assert (latest["next_step"].score, latest["next_step"].author) == (2, "Sam")
    history = store.override_history(review_id, "next_step")
    assert [o.score for o in history] == [1, 2] and history[0].id == first
    ai = next(c for c in store.get_review(review_id).scorecard.criteria if c.id == "next_step")
    assert ai.score == 0
    # the Calls list's score (and its filter) is the effective total: (2 + 2) / 4, not the AI's
    review = store.get_review(review_id)
    assert review.total_percent == 100.0 and review.scorecard.total_percent != 100.0
    call = next(c for c in store.list_calls(min_score=99) if c.review_id == review_id)
    assert call.total_percent == 100.0
    with pytest.raises(StoreError, match="criterion 'nope' is not in review"):
        store.add_override(review_id, "nope", 1, "x")
    with pytest.raises(StoreError, match="from 0 to 2"):
        store.add_override(review_id, "next_step", 3, "x")
    with pytest.raises(StoreError, match="review 999 does not exist"):
        store.add_override(999, "next_step", 1, "x")


def test_comments_in_time_order(store):
    call_id, _ = add_reviewed_call(store)
    store.add_comment(call_id, 95.0, "Good pause here")
    store.add_comment(call_id, 12.5, "Ask about budget", author="Sam")
    got = store.comments(call_id)
    assert [(c.at_s, c.text, c.author) for c in got] == [
        (12.5, "Ask about budget", "Sam"), (95.0, "Good pause here", "manager")]
    with pytest.raises(StoreError, match="comment text is empty"):
        store.add_comment(call_id, 1.0, "  ")


# --------------------------------------------------------------------------- documents


def test_documents_start_from_the_ai_draft_and_keep_every_version(store):
    _, review_id = add_reviewed_call(store)
    assert store.get_document(review_id, "agenda/set_the_stage") == ("AI text for set_the_stage.", 1)
    assert store.get_document(review_id, "prep_note")[1] == 1
    assert store.save_document(review_id, "agenda/set_the_stage", "Mine.", base_version=1) == 2
    assert store.save_document(review_id, "agenda/set_the_stage", "Mine.", base_version=1) == 2
    with pytest.raises(EditConflict) as err:
        store.save_document(review_id, "agenda/set_the_stage", "Other tab.", base_version=1)
    assert str(err.value) == ("this section was changed elsewhere (version 2) since you opened "
                              "version 1; reload to see it")
    history = store.document_history(review_id, "agenda/set_the_stage")
    assert [(v.version, v.content, v.author) for v in history] == [
        (1, "AI text for set_the_stage.", "ai"), (2, "Mine.", "manager")]
    assert store.restore_document(review_id, "agenda/set_the_stage", 1, base_version=2) == 3
    assert store.get_document(review_id, "agenda/set_the_stage") == ("AI text for set_the_stage.", 3)
    assert len(store.document_history(review_id, "agenda/set_the_stage")) == 3
    with pytest.raises(StoreError, match="has no version 7"):
        store.restore_document(review_id, "agenda/set_the_stage", 7, base_version=3)
    # a key without versions: base None creates version 1; base None later is a conflict
    assert store.get_document(review_id, "notes/private") is None
    assert store.save_document(review_id, "notes/private", "a", base_version=None) == 1
    with pytest.raises(EditConflict, match=r"\(version 1\) since you opened it;"):
        store.save_document(review_id, "notes/private", "b", base_version=None)
    with pytest.raises(StoreError, match="review 999 does not exist"):
        store.save_document(999, "prep_note", "x", base_version=None)


def test_two_stores_on_one_file_cannot_both_win(db_url, tmp_path):
    first, second = Store(db_url), Store(db_url)
    try:
        _, review_id = add_reviewed_call(first)
        opened_a = first.get_document(review_id, "prep_note")[1]
        opened_b = second.get_document(review_id, "prep_note")[1]
        assert first.save_document(review_id, "prep_note", "Tab A", opened_a) == 2
        with pytest.raises(EditConflict, match="version 2"):
            second.save_document(review_id, "prep_note", "Tab B", opened_b)
        assert second.get_document(review_id, "prep_note") == ("Tab A", 2)

        # Now truly at the same time, from two threads: exactly one version 3.
        barrier, results = threading.Barrier(2), {}

        def write(name: str, s: Store) -> None:
            barrier.wait()
            try:
                results[name] = s.save_document(review_id, "prep_note", f"by {name}", 2)
            except EditConflict as err:
                results[name] = err

        threads = [threading.Thread(target=write, args=(n, s))
                   for n, s in (("a", first), ("b", second))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(type(v).__name__ for v in results.values()) == ["EditConflict", "int"]
        history = first.document_history(review_id, "prep_note")
        assert [v.version for v in history] == [1, 2, 3]
        assert history[-1].content == f"by {next(n for n, v in results.items() if v == 3)}"
    finally:
        first.close()
        second.close()


def test_insert_race_on_the_unique_version_is_a_conflict(db_url):
    """The last line of defence: another writer commits the same version between our read
    and our insert. SQLite cannot get here (write transactions queue), PostgreSQL can."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises write transactions, so this race cannot happen there")
    from sqlalchemy import event

    store, rival = Store(db_url), Store(db_url)
    try:
        _, review_id = add_reviewed_call(store)

        raced = []

        @event.listens_for(store.engine, "before_cursor_execute")
        def _rival_commits_first(conn, cursor, statement, *args):
            if statement.startswith("INSERT INTO documents") and not raced:
                raced.append(rival.save_document(review_id, "prep_note", "rival", base_version=1))

        with pytest.raises(EditConflict, match=r"\(version 2\) since you opened version 1"):
            store.save_document(review_id, "prep_note", "mine", base_version=1)
        assert raced == [2] and store.get_document(review_id, "prep_note") == ("rival", 2)
    finally:
        store.close()
        rival.close()


# --------------------------------------------------------------------------- lists, history


def test_list_calls_filters_and_text_search(store):
    a1, _ = add_reviewed_call(store, rep="Alex", call_date="2026-01-05", percent=40.0)
    a2, _ = add_reviewed_call(store, rep="Alex", call_date="2026-02-10", percent=90.0,
                              turns=[("Alex", "We can offer 100% uptime on the PLATINUM tier")])
    b1, _ = add_reviewed_call(store, rep="Blair", call_date="2026-01-20", percent=65.0,
                              methodology_id="meddic")
    unreviewed = store.add_call(filename="new.wav", rep="Blair", call_date="2026-03-01")

    def ids(**kw):
        return [row.id for row in store.list_calls(**kw)]

    assert ids() == [unreviewed, a2, b1, a1]  # newest call date first
    assert ids(rep="Alex") == [a2, a1]
    assert ids(date_from="2026-01-20", date_to="2026-02-10") == [a2, b1]
    assert ids(methodology_id="meddic") == [b1]
    assert ids(min_score=60) == [a2, b1]
    assert ids(max_score=65) == [b1, a1]
    assert ids(text="platinum") == [a2]  # case-insensitive
    assert ids(text="ACME logistics") == [b1, a1]
    assert ids(text="100%") == [a2]  # % is literal, not a wildcard
    assert ids(text="10_%") == []
    assert ids(rep="Alex", text="agenda") == [a1]
    assert ids(limit=2, offset=1) == [a2, b1]
    # the latest review's figures are listed
    store.save_review(a1, make_scorecard(99.0), make_draft("agenda_set"), cache_key=None)
    row = next(r for r in store.list_calls(rep="Alex") if r.id == a1)
    assert (row.total_percent, row.engine, row.focus_criterion_id) == (99.0, "rules", "agenda_set")
    # re-scored against another methodology: listed (and found) under the latest review's
    store.save_review(a2, make_scorecard(30.0, methodology_id="meddic"), make_draft(), cache_key=None)
    row = next(r for r in store.list_calls() if r.id == a2)
    assert (row.methodology_id, row.listed_methodology_id, row.total_percent) == ("discovery", "meddic", 30.0)
    assert ids(methodology_id="meddic") == [a2, b1] and a2 not in ids(methodology_id="discovery")
    assert store.list_calls(rep="Blair")[0].listed_methodology_id is None  # no review, no methodology named
    assert store.rep_methodologies("Alex") == ["discovery", "meddic"] and store.rep_methodologies("Nobody") == []
    assert store.list_calls(rep="Blair")[0].total_percent is None
    assert store.reps() == ["Alex", "Blair"]
    # whether the latest review's agenda is shared with the rep: the share switch's latest version
    latest = store.latest_review(a1).id
    assert not any(r.agenda_shared for r in store.list_calls())
    store.save_document(latest, "shared_with_rep", "on", None)
    assert [r.id for r in store.list_calls() if r.agenda_shared] == [a1]
    store.save_document(latest, "shared_with_rep", "off", 1)
    assert not any(r.agenda_shared for r in store.list_calls())
    # whether the rep wrote a self-review of the latest review (any version of it)
    assert not any(r.self_reviewed for r in store.list_calls())
    store.save_document(latest, "self_review", '{"levels": {}}', None, author="Alex")
    store.save_document(latest, "self_review", '{"levels": {"agenda_set": 1}}', 1, author="Alex")
    assert [r.id for r in store.list_calls() if r.self_reviewed] == [a1]
    store.save_review(a1, make_scorecard(60.0), make_draft(), cache_key=None)  # re-scored: still written
    assert [r.id for r in store.list_calls() if r.self_reviewed] == [a1]
    with pytest.raises(StoreError, match="date_from 'last week' is not an ISO date"):
        store.list_calls(date_from="last week")


def test_rep_history_newest_first_latest_review_per_call(store):
    c1, _ = add_reviewed_call(store, call_date="2026-01-01", percent=10.0)
    c2, _ = add_reviewed_call(store, call_date="2026-01-08", percent=20.0)
    c3, _ = add_reviewed_call(store, call_date="2026-01-15", percent=30.0)
    c4, _ = add_reviewed_call(store, call_date="2026-01-22", percent=40.0)
    store.save_review(c2, make_scorecard(25.0), make_draft(), cache_key=None)  # re-review
    add_reviewed_call(store, rep="Blair", call_date="2026-01-10", percent=77.0)
    add_reviewed_call(store, call_date="2026-01-12", percent=88.0, methodology_id="meddic")

    def percents(**kw):
        return [c.total_percent for c in store.rep_history("Alex Rivera", "discovery", **kw)]

    assert percents() == [40.0, 30.0, 25.0, 10.0]
    assert percents(before=c4) == [30.0, 25.0, 10.0]
    assert percents(before=c3, limit=1) == [25.0]
    assert percents(before="2026-01-08") == [10.0]
    assert percents(before=c1) == []
    assert store.rep_history("Nobody", "discovery") == []


def test_rep_history_applies_the_managers_overrides(store):
    _, r1 = add_reviewed_call(store, call_date="2026-01-01", percent=50.0, scores={"agenda_set": 2, "next_step": 0})
    store.add_override(r1, "next_step", 1, "a date, but vague")
    store.add_override(r1, "next_step", 2, "agreed Tuesday")  # the latest counts
    (card,) = store.rep_history("Alex Rivera", "discovery")
    step = card.criteria[1]
    assert (step.score, step.ai_score, step.verdict, card.total_percent) == (2, 0, "met", 100.0)
    assert card.gaps == []


def test_rep_trend_rows_apply_overrides_and_rep_metrics(store):
    _, r1 = add_reviewed_call(store, call_date="2026-01-01", percent=25.0,
                              scores={"agenda_set": 1, "next_step": 0})
    c2, _ = add_reviewed_call(store, call_date="2026-01-08", percent=75.0,
                              scores={"agenda_set": 2, "next_step": 1})
    # no evidence quotes at all: the rep's speaker comes from the transcript's roles
    add_reviewed_call(store, call_date="2026-01-15", percent=0.0,
                      scores={"agenda_set": 0, "next_step": 0})
    store.add_override(r1, "next_step", 2, "agreed a date")
    rows = store.rep_trend_rows("Alex Rivera", "discovery")
    assert [r["call_date"] for r in rows] == ["2026-01-01", "2026-01-08", "2026-01-15"]
    assert (rows[0]["criterion:next_step"], rows[0]["overridden"]) == (2, ["next_step"])
    assert rows[0]["total_percent"] == 75.0  # (1 + 2) / 4 with the override, not the AI's 25
    assert [r["total_percent"] for r in rows[1:]] == [75.0, 0.0]
    assert (rows[1]["criterion:next_step"], rows[1]["max:next_step"], rows[1]["call_id"]) == (1, 2, c2)
    assert rows[0]["metric:talk_ratio"] == 0.6 and rows[0]["metric:question_count"] == 7
    assert rows[0]["metric:interactivity"] == 5.5
    assert [r["metric:words_per_minute"] for r in rows] == [150.0, 150.0, 150.0]
    assert store.rep_trend_rows("Alex Rivera", "meddic") == []
    # a window of the latest calls, still oldest first (the team view)
    assert [r["call_date"] for r in store.rep_trend_rows("Alex Rivera", "discovery", latest=2)] == [
        "2026-01-08", "2026-01-15"]
    assert store.rep_trend_rows("Alex Rivera", "discovery", latest=0) == []


def test_a_criterion_not_applicable_on_a_call_has_no_score_in_the_trend(store):
    """Not a 0: a 0 would read as a miss on the trend line, in the team view and the progress check."""
    call_id = store.add_call(filename="na.wav", rep="Alex Rivera", call_date="2026-01-05", methodology_id="discovery")
    card = make_scorecard(50.0, {"agenda_set": 2, "next_step": 0})
    card.criteria[1] = card.criteria[1].model_copy(update={"verdict": "not_applicable"})
    store.save_review(call_id, card, make_draft(), None)
    (row,) = store.rep_trend_rows("Alex Rivera", "discovery")
    assert (row["criterion:agenda_set"], row["criterion:next_step"], row["max:next_step"]) == (2, None, 2)


# --------------------------------------------------------------------------- migrations


def test_version_1_database_upgrades_and_keeps_its_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    assert migrate(engine, until=1) == [1]
    body = make_transcript([("Alex Rivera", "Our Zephyr plan ships in May")]).model_dump_json()
    card = make_scorecard(55.0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO calls (id, filename, rep, call_date, created_at, status) "
                          "VALUES (1, 'old.wav', 'Alex Rivera', '2025-12-01', '2025-12-01T00:00', "
                          "'reviewed')"))
        conn.execute(text("INSERT INTO transcripts (call_id, version, sha256, transcript_json, "
                          "created_at) VALUES (1, 1, :sha, :body, '2025-12-01T00:00')"),
                     {"sha": hashlib.sha256(body.encode()).hexdigest(), "body": body})
        conn.execute(text("INSERT INTO reviews (call_id, created_at, engine, methodology_id, "
                          "total_percent, scorecard_json, cache_key) VALUES (1, '2025-12-01T00:01', "
                          "'rules', 'discovery', 55.0, :card, 'old-key')"),
                     {"card": card.model_dump_json()})
    engine.dispose()
    store = Store(url)
    try:
        assert [row.id for row in store.list_calls(text="zephyr")] == [1]  # backfilled
        assert store.get_transcript(1).segments[0].text == "Our Zephyr plan ships in May"
        assert store.find_review_by_cache_key("old-key").scorecard == card
        assert [(v.version, v.author, v.note) for v in store.transcript_history(1)] == [(1, None, None)]
        with store.engine.connect() as conn:
            assert conn.scalar(text("SELECT MAX(version) FROM schema_version")) == len(MIGRATIONS)
        assert migrate(store.engine) == []
    finally:
        store.close()


def test_migrated_schema_matches_the_declared_tables(store):
    inspector = inspect(store.engine)
    for table in TABLES:
        assert {c["name"] for c in inspector.get_columns(table.name)} == set(table.c.keys()), table.name


def test_newer_schema_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    Store(url).close()
    con = sqlite3.connect(tmp_path / "new.db")
    con.execute("INSERT INTO schema_version VALUES (99, 'm099_future', '2030-01-01')")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema is version 99, newer than this callreview"):
        Store(url)


# --------------------------------------------------------------------------- opening, uploads


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://bob:s3cret-pw@127.0.0.1:1/callreview",
    "postgresql://bob:s3cret-pw@db.example:notaport/callreview",
])
def test_bad_database_url_message_hides_the_password(url):
    with pytest.raises(StoreError) as err:
        Store(url)
    message = str(err.value)
    assert "s3cret-pw" not in message and "bob:***@" in message and "\n" not in message


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "callreview.db"
    path.write_text("these are meeting notes, not a database " * 50)
    with pytest.raises(StoreError, match=r"callreview\.db is not a SQLite database"):
        Store(f"sqlite:///{path}")


def test_from_settings_sqlite_wal_and_foreign_keys(settings):
    store = Store.from_settings(settings)
    try:
        assert store.uploads_dir == settings.home_path / "uploads"
        assert (settings.home_path / "callreview.db").is_file()
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()


def test_in_memory_store_is_one_database_across_threads():
    store = Store("sqlite://")
    ids = []
    thread = threading.Thread(target=lambda: ids.append(store.add_call(filename="t.wav")))
    thread.start()
    thread.join()
    assert store.get_call(ids[0]).filename == "t.wav"
    with pytest.raises(StoreError, match="no uploads folder"):
        store.keep_upload(b"x", hashlib.sha256(b"x").hexdigest(), "x.wav")


def test_keep_upload_is_content_addressed_and_checked(store, tmp_path):
    data = b"RIFF fake wav bytes"
    sha = hashlib.sha256(data).hexdigest()
    kept = store.keep_upload(data, sha, "Week 3 Call.WAV")
    assert kept == store.uploads_dir / f"{sha}.wav" and kept.read_bytes() == data
    src = tmp_path / "again.wav"
    src.write_bytes(data)
    assert store.keep_upload(src, sha, "again.wav") == kept
    with pytest.raises(StoreError, match="does not match sha256"):
        store.keep_upload(b"other bytes", "0" * 64, "x.mp3")
    assert not (store.uploads_dir / f"{'0' * 64}.mp3").exists()
    assert sorted(p.name for p in store.uploads_dir.iterdir()) == [kept.name]  # no temp left
    with pytest.raises(StoreError, match="not 64 lower-case hex"):
        store.keep_upload(data, "../../etc/passwd", "x.wav")


def test_corrections_become_labelled_calls_the_latest_of_each_counting(store):
    _, review_id = add_reviewed_call(store)
    store.add_evidence_mark(review_id, "agenda_set", 0, "right")
    store.add_evidence_mark(review_id, "agenda_set", 0, "wrong")  # the manager changed their mind
    store.add_override(review_id, "next_step", 0, "No follow-up was proposed.")
    store.add_override(review_id, "next_step", 2, "It was, at the end.")
    found = store.labelled_calls("discovery")
    assert sorted(found) == ["agenda_set", "next_step"]
    (agenda,), (step,) = found["agenda_set"], found["next_step"]
    assert (agenda.review_id, agenda.present, agenda.right, agenda.wrong) == (review_id, None, [], [0])
    assert (step.present, step.right, step.wrong) == (True, [], [])
    # a reset: corrections made before it no longer count
    assert store.labelled_calls("discovery", {"next_step": "9999"}).get("next_step") is None
    assert store.labelled_calls("other") == {}


def test_a_call_corrected_on_two_of_its_reviews_is_one_example(store):
    """A re-score (or a new rep, a corrected turn) is a second review of the same call: its corrections
    and the first review's make one labelled call, not two."""
    call_id, first = add_reviewed_call(store)
    other_id, other = add_reviewed_call(store, call_date="2026-01-06")
    second = store.save_review(call_id, make_scorecard(60.0, None, "discovery"), make_draft(), cache_key="again")
    store.add_evidence_mark(first, "agenda_set", 0, "right")
    store.add_override(first, "agenda_set", 0, "Not at the start.")
    store.add_override(second, "agenda_set", 2, "On listening again, it was.")  # the latest override counts
    store.add_override(second, "next_step", 0, "None proposed.")
    store.add_override(other, "agenda_set", 0, "No agenda.")
    found = store.labelled_calls("discovery")
    assert [(x.call_id, x.review_id, x.present, x.right) for x in found["agenda_set"]] == [
        (call_id, first, True, [0]), (other_id, other, False, [])]  # marks keep their review's transcript
    assert [(x.call_id, x.review_id, x.present) for x in found["next_step"]] == [(call_id, second, False)]
    store.add_evidence_mark(second, "agenda_set", 0, "wrong")  # marks on the newer review replace the older's
    [mine, _] = store.labelled_calls("discovery")["agenda_set"]
    assert (mine.review_id, mine.present, mine.right, mine.wrong) == (second, True, [], [0])


def test_overrides_carry_to_another_review_of_the_call(store):
    """After a re-score (or a new rep, a corrected turn) the manager can carry their overrides over."""
    from review.carry import carry_overrides
    from review.errors import InputError

    call_id, first = add_reviewed_call(store)
    _, elsewhere = add_reviewed_call(store, call_date="2026-01-06")
    second = store.save_review(call_id, make_scorecard(60.0, None, "discovery"), make_draft(), cache_key="again")
    store.add_override(first, "agenda_set", 0, "Not at the start.", author="kim")
    store.add_override(first, "next_step", 2, "At the end.", author="kim")
    store.add_override(second, "next_step", 1, "Only half.", author="kim")  # already overridden there: kept
    carried, skipped = carry_overrides(store, first, second, author="ada")
    assert (carried, skipped) == (["agenda_set"], ["next_step"])
    mine = store.overrides(second)
    assert (mine["agenda_set"].score, mine["agenda_set"].author) == (0, "ada")
    assert mine["agenda_set"].comment.startswith("Not at the start. (carried from the review of 20")
    assert mine["next_step"].score == 1 and len(store.overrides(first)) == 2
    for source, target in ((first, elsewhere), (first, first), (first, 999)):
        with pytest.raises(InputError, match="not two reviews of one call against one methodology; corrections carry"):
            carry_overrides(store, source, target, author="ada")


def test_evidence_marks_carry_to_a_review_of_a_corrected_transcript(store):
    """Marks follow their turns into a review of a newer transcript version (a corrected turn renumbers
    the turns): a cited quote's mark lands on the turn holding the quote, a moment the AI missed on the
    turn with its words; a wrong mark on a quote the new review no longer cites, a taken-back moment and
    a turn the correction cut apart are not carried."""
    from review.carry import carry_corrections, carry_marks
    from review.speaker_edits import with_turn_speaker

    turns = [("Alex Rivera", "Let's set an agenda for today. Then the budget, shall we?"),
             ("Jordan Lee", "Sure, the rollout first."),
             ("Alex Rivera", "Can we book the next call on Friday?")]
    call_id, first = add_reviewed_call(store, turns=turns, scores={"agenda_set": 2, "next_step": 2, "budget": 0})
    store.add_evidence_mark(first, "agenda_set", 0, "right", author="kim")          # cited, turn 0
    store.add_evidence_mark(first, "next_step", 0, "wrong", author="kim")           # cited; not cited later
    store.add_evidence_mark(first, "next_step", 2, "right", author="kim")           # a moment the AI missed
    store.add_evidence_mark(first, "agenda_set", 1, "right", author="kim")          # missed, then taken back
    store.add_evidence_mark(first, "agenda_set", 1, "wrong", author="kim")
    store.add_override(first, "budget", 1, "Budget raised, not explored.", author="kim")
    # "Then the budget, shall we?" was the customer's: turn 0 splits, every later turn moves up one
    corrected = with_turn_speaker(store.get_transcript(call_id), 0, "Jordan Lee", 1, 1)
    assert store.save_transcript(call_id, corrected) == 2
    card = make_scorecard(50.0, {"agenda_set": 2, "next_step": 0, "budget": 1})
    second = store.save_review(call_id, card, make_draft(), cache_key="corrected")
    assert store.get_review(second).transcript_version == 2

    carried = carry_corrections(store, first, second, author="ada")
    assert (carried.overrides, carried.skipped_overrides, carried.marks, carried.skipped_marks) == (["budget"], [], 2, 0)
    marks = {(m.criterion_id, m.segment_id): (m.verdict, m.author) for m in store.evidence_marks(second)}
    assert marks == {("agenda_set", 0): ("right", "ada"), ("next_step", 3): ("right", "ada")}
    assert corrected.segments[3].text == turns[2][1]
    assert carry_marks(store, first, second, author="ada") == (0, 0)  # the new review's own marks stay
    assert len(store.evidence_marks(first)) == 5  # nothing is taken from the source
    quote = "Let's set an agenda"  # the team's examples count a carried mark once
    assert store.marked_quotes("discovery") == {"agenda_set": ([quote], []), "next_step": ([], [quote])}

    # a mark on a turn the correction cut apart has no one turn to go to
    store.add_evidence_mark(first, "budget", 0, "right", author="kim")  # missed: the whole of old turn 0
    assert carry_marks(store, first, second, author="ada") == (0, 1)
    [labelled] = store.labelled_calls("discovery")["next_step"]  # still one corrected call
    assert (labelled.review_id, labelled.right, labelled.wrong) == (second, [3], [])
