"""The Streamlit app under streamlit.testing.v1.AppTest, with fakes at the seams.

No model runs here: `review.ui.state.build_services` returns a real Store on a temporary SQLite
file (and no index or engine), and `review.ui.state.run_review` is a fake pipeline that stores a
hand-built review of the example dialogue. Everything else (pages, store, renderers, methodology
library, settings file) is real.
"""

from __future__ import annotations

import hashlib
import io
import time
import wave
from datetime import date
from pathlib import Path

import pytest

from review.errors import InputError
from review.jobs import run_job
from review.pipeline import ReviewResult, Services
from review.store import Store
from review.types import (
    AgendaSection,
    CoachingDraft,
    CriterionScore,
    EvidenceQuote,
    Provenance,
    Scorecard,
    SectionTotal,
)
from review.ui import state as ui_state
from testkit.dialogue import dialogue_to_transcript, load_dialogue

streamlit_testing = pytest.importorskip("streamlit.testing.v1")
AppTest = streamlit_testing.AppTest

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "app.py"
PAGES = dict(ui_state.PAGE_FILES)  # absolute paths of the packaged page scripts
TIMEOUT = 60


# --------------------------------------------------------------------------- building a review by hand


def tiny_wav(seconds: float = 1.0, tone: int = 0) -> bytes:
    """A short silent-ish mono WAV; `tone` changes the bytes (and so the sha256)."""
    frames = int(16000 * seconds)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes([tone % 256, 0]) * frames)
    return buf.getvalue()


def transcript():
    return dialogue_to_transcript(load_dialogue(REPO / "examples" / "discovery_call.yaml"))


def quote_of(t, seg_id: int, words: int = 8) -> EvidenceQuote:
    seg = t.segment(seg_id)
    return EvidenceQuote(segment_id=seg.id, quote=" ".join(seg.text.split()[:words]), start=seg.start,
                         end=seg.end, speaker=seg.speaker, role=seg.role)


def scorecard_for(t, rep_score: int = 0) -> Scorecard:
    criteria = [
        CriterionScore(id="agenda_set", name="Agenda set at the start", section="Opening", score=2, max_score=2,
                       verdict="met", evidence=[quote_of(t, 2)], rationale="The rep proposed an agenda."),
        CriterionScore(id="pain_quantified", name="Pain quantified", section="Discovery", score=rep_score,
                       max_score=2, verdict="not_met" if rep_score == 0 else "partly_met", evidence=[],
                       rationale="No cost of the problem was asked for."),
        CriterionScore(id="next_step_dated", name="Next step with a date", section="Close", score=1,
                       max_score=2, verdict="partly_met", evidence=[quote_of(t, 4)],
                       rationale="A next step was named without a time."),
    ]
    total = sum(c.score for c in criteria)
    return Scorecard(
        methodology_id="discovery", methodology_name="Discovery call checklist", criteria=criteria,
        sections=[SectionTotal(section="Opening", score=2, max_score=2, percent=100.0)],
        total_score=total, total_max=6, total_percent=round(100 * total / 6, 1), metrics=t.metrics,
        strengths=["agenda_set"], gaps=["pain_quantified"], engine="rules",
        provenance=Provenance(engine="rules", engine_label="Offline rules engine (no LLM)",
                              methodology_id="discovery", methodology_version="1.0.0",
                              methodology_sha256="0" * 64, transcript_sha256="1" * 64,
                              created_at="2026-11-20T10:00:00+00:00"),
    )


def draft_for(rep: str = "Alex Rivera") -> CoachingDraft:
    keys = [("set_the_stage", "Set the stage"), ("lead_analysis", "Lead the analysis"),
            ("explore_options", "Explore options"), ("develop_plan", "Develop a plan")]
    return CoachingDraft(
        rep=rep, focus_criterion_id="pain_quantified", focus_criterion_name="Pain quantified",
        pattern="missed in 3 of the last 3 calls", solution="training",
        solution_reason="the rep has not shown the skill on any call",
        confirm_questions=["Has the rep seen what a quantified pain sounds like?"],
        roam={"results": "Deals stall", "objectives": "Quantify pain", "activities": "Ask cost questions",
              "methodology": "Discovery"},
        agenda=[AgendaSection(key=k, title=title, minutes=5, body_markdown=f"AI text for {title}.")
                for k, title in keys],
        prep_note_markdown="# Prep note\n\nFocus on quantifying pain.", engine_label="Offline rules engine (no LLM)",
    )


def store_review(store: Store, data: bytes, name: str, rep: str = "Alex Rivera",
                 call_date: str = "2026-11-20", rep_score: int = 0) -> ReviewResult:
    """Store a call with its upload, transcript and a hand-built review, as the pipeline would."""
    sha = hashlib.sha256(data).hexdigest()
    kept = store.keep_upload(data, sha, name)
    call_id = store.add_call(filename=name, audio_sha256=sha, stored_path=kept, rep=rep, call_date=call_date,
                             call_type="discovery", methodology_id="discovery", title=Path(name).stem)
    t = transcript()
    store.save_transcript(call_id, t)
    card, draft = scorecard_for(t, rep_score), draft_for(rep)
    review_id = store.save_review(call_id, card, draft, None)
    return ReviewResult(call_id, review_id, t, card, draft, False)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def store(settings):
    s = Store.from_settings(settings)
    yield s
    s.close()


@pytest.fixture
def seams(settings, store, monkeypatch):
    """Fake services (real store, no index or engine) and a fake pipeline that records its calls."""
    from review.ui import state

    reviewed: list[str] = []

    def fake_run_review(path, services, methodology, rep=None, call_date=None, call_type="discovery",
                        progress=None, **options):
        path = Path(path)
        if path.stem.startswith("broken"):
            # Like the real pipeline, the message names the path it was given (a temporary copy).
            raise InputError(f"{path}: cannot decode the audio (not a recording?); export it again as wav or mp3")
        if path.stem.startswith("crash"):
            raise RuntimeError("scoring engine fell over\nwith a second line")
        for stage in ("transcribe", "index", "score", "coach", "store"):
            if progress:
                progress(stage, 1.0, f"{stage} done")
        reviewed.append(path.name)
        return store_review(services.store, path.read_bytes(), path.name, rep=rep or "Alex Rivera",
                            call_date=call_date or date.today().isoformat())

    def fake_services(s):
        return Services(settings=s, store=store, index=None, engine=None)

    def inline_worker(s):  # the worker process, run here: every queued job, to its end
        for job in store.list_jobs(status="queued"):
            run_job(job.id, s, services=fake_services(s), review=fake_run_review)

    monkeypatch.setattr(state, "build_services", fake_services)
    monkeypatch.setattr(state, "run_review", fake_run_review)
    monkeypatch.setattr(state, "start_worker", inline_worker)
    add_account(store, "admin", "admin", "Ada Admin")
    return reviewed


PASSWORD = "correct horse battery"


def add_account(store: Store, username: str, role: str, name: str, team: str | None = None) -> None:
    from review.auth import hash_password

    if store.get_user(username) is None:
        store.add_user(username, role, hash_password(PASSWORD), display_name=name, team=team)


def app(page: str | None = None, user: str | None = "admin", **session) -> AppTest:
    """The app on `page`, signed in as `user` (None: nobody signed in)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if user is not None:
        at.session_state["auth_username"] = user
        at.session_state["auth_signed_in_at"] = time.time()
    for key, value in session.items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(PAGES[page]).run()
    assert not at.exception, at.exception
    return at


def everything_sent(at) -> str:
    """Every element and widget message of the last run, as text (what the browser would receive)."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def texts(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "title", "subheader", "success", "error", "info", "warning", "code"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [e.label for e in at.expander]
    parts += [e.label for e in at.button]
    parts += [f"{e.label} {e.value}" for e in at.metric]
    return "\n".join(parts)


# --------------------------------------------------------------------------- empty state, navigation


def test_empty_store_offers_the_example_call(seams):
    at = app()  # default page: Calls
    assert any(b.label == "Try the example call" for b in at.button)
    assert "No calls yet" in texts(at)
    at = app("upload")
    assert any(b.label == "Try the example call" for b in at.button)


def test_example_call_runs_the_pipeline_and_opens_its_review(seams, store):
    at = app()
    next(b for b in at.button if b.label == "Try the example call").click().run()
    assert not at.exception
    assert seams == ["discovery_call.flac"]
    [row] = store.list_calls()
    assert row.filename == "discovery_call.flac" and row.rep == "Alex Rivera"
    assert at.session_state["call_id"] == row.id
    assert "Agenda set at the start" in texts(at)  # now on the call review page


def test_coaching_prep_without_a_call_picks_one_of_the_latest_reviewed_calls(seams, store):
    assert "No reviewed call yet" in texts(app("prep"))
    monday = store_review(store, tiny_wav(tone=12), "monday.wav", rep="Bo Chen", call_date="2026-11-23")
    store.save_document(monday.review_id, "shared_with_rep", "on", None)
    store.add_call(filename="unreviewed.wav", rep="Bo Chen", call_date="2026-11-24", methodology_id="discovery")
    newer = store_review(store, tiny_wav(tone=13), "tuesday.wav", rep="Alex Rivera", call_date="2026-11-24")
    at = app("prep")
    pick = at.selectbox(key="prep_pick_call")
    assert [str(o) for o in pick.options] == [  # newest first, reviewed calls only, as a manager knows them
        "Alex Rivera \u00b7 tuesday \u00b7 2026-11-24 \u00b7 Discovery call checklist \u00b7 focus: Pain quantified",
        "Bo Chen \u00b7 monday \u00b7 2026-11-23 \u00b7 Discovery call checklist \u00b7 focus: Pain quantified \u00b7 shared"]
    next(b for b in at.button if b.label == "Open its agenda").click().run()
    assert not at.exception
    assert at.session_state["call_id"] == newer.call_id
    assert "Coaching prep: Alex Rivera" in [t.value for t in at.title]


def test_selection_comes_back_from_the_url_after_a_reload(seams, store):
    result = store_review(store, tiny_wav(), "weekly.wav")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["auth_username"] = "admin"
    at.session_state["auth_signed_in_at"] = time.time()
    at.query_params["call"] = str(result.call_id)  # a fresh session: only the URL knows the call
    at.run()
    at.switch_page(PAGES["review"]).run()
    assert not at.exception
    assert at.session_state["call_id"] == result.call_id
    assert "weekly" in [t.value for t in at.title]


# --------------------------------------------------------------------------- upload


def test_upload_two_files_one_bad_shows_one_error_and_one_success(seams, store):
    at = app("upload")
    at.text_input(key="upload_rep").input("Sam Ortiz")
    at.file_uploader(key="upload_files").set_value([
        ("monday.wav", tiny_wav(tone=1), "audio/wav"),
        ("broken.wav", tiny_wav(tone=2), "audio/wav"),
    ])
    at.button[0].click()  # the form's submit button
    at.run()
    assert not at.exception
    assert len(at.success) == 1 and "monday.wav" in at.success[0].value
    assert len(at.error) == 1 and at.error[0].value.startswith("broken.wav: cannot decode")
    assert "\n" not in at.error[0].value
    assert seams == ["monday.wav"]
    assert [c.rep for c in store.list_calls()] == ["Sam Ortiz"]


def test_the_upload_date_picker_offers_the_dates_a_call_can_have(seams, store):
    """Streamlit's picker spans ten years either way: a future date was refused only after the upload, and
    a call from 2015 could not be picked. It spans 1990 to tomorrow, the dates the pipeline takes."""
    from datetime import date, timedelta

    picker = app("upload").date_input(key="upload_date")
    assert (picker.min, picker.max) == (date(1990, 1, 1), date.today() + timedelta(days=1))
    store_review(store, tiny_wav(tone=3), "old.wav", call_date="2015-03-02")  # and the Calls filter finds it
    at = app("calls")
    picker = at.date_input(key="calls_dates")
    assert (picker.min, picker.max) == (date(1990, 1, 1), date.today() + timedelta(days=1))
    picker.set_value([date(2015, 3, 1), date(2015, 3, 31)]).run()
    assert "old" in texts(at)


def test_duplicate_upload_is_offered_not_reprocessed(seams, store):
    data = tiny_wav(tone=3)
    first = store_review(store, data, "tuesday.wav")
    at = app("upload")
    at.file_uploader(key="upload_files").set_value([("tuesday-copy.wav", data, "audio/wav")])
    at.button[0].click()
    at.run()
    assert seams == []  # the pipeline never ran
    assert len(at.info) >= 1 and "already reviewed" in at.info[0].value
    open_button = next(b for b in at.button if b.label == "Open review")
    open_button.click().run()
    assert at.session_state["call_id"] == first.call_id
    assert at.session_state["review_id"] == first.review_id


def test_wrong_type_and_oversized_files_are_refused_before_the_pipeline(seams, store, monkeypatch):
    monkeypatch.setenv("CALLREVIEW_MAX_UPLOAD_MB", "1")
    at = app("upload")
    at.file_uploader(key="upload_files").set_value([
        ("notes.pdf", b"PK\x03\x04 not a call", "application/octet-stream"),
        ("long.wav", tiny_wav(seconds=40.0), "audio/wav"),  # 1.28 MB > 1 MB
        ("short.wav", tiny_wav(tone=5), "audio/wav"),
        ("crash.wav", tiny_wav(tone=6), "audio/wav"),
    ])
    at.button[0].click()
    at.run()
    errors = [e.value for e in at.error]
    assert len(errors) == 3
    assert any(e.startswith("notes.pdf: '.pdf' is not a recording or transcript") for e in errors)
    assert any(e.startswith("long.wav:") and "over the 1 MB limit" in e for e in errors)
    assert any(e.startswith("crash.wav: the review failed unexpectedly (RuntimeError") for e in errors)
    assert all("\n" not in e for e in errors)
    assert len(at.success) == 1 and at.success[0].value.startswith("short.wav:")
    assert seams == ["short.wav"]  # the good file still went through
    assert [c.filename for c in store.list_calls()] == ["short.wav"]


# --------------------------------------------------------------------------- calls library


def test_calls_filter_and_search(seams, store):
    store_review(store, tiny_wav(tone=10), "alpha.wav", rep="Alex Rivera", call_date="2026-11-02")
    store_review(store, tiny_wav(tone=11), "beta.wav", rep="Bo Chen", call_date="2026-11-03", rep_score=2)
    plain = store.add_call(filename="gamma.vtt", rep="Bo Chen", call_date="2026-11-04", methodology_id="discovery")
    from testkit.dialogue import Dialogue, Turn

    store.save_transcript(plain, dialogue_to_transcript(Dialogue(
        id="g", turns=[Turn(speaker="rep", text="Let us talk about the warehouse budget")])))
    at = app("calls")
    assert "alpha" in texts(at) and "beta" in texts(at) and "gamma" in texts(at)
    # each row names its methodology as the manager knows it, not by its id
    assert "Bo Chen · 2026-11-04 · Discovery call checklist" in texts(at)
    at.selectbox(key="calls_rep").select("Bo Chen").run()
    shown = texts(at)
    assert "beta" in shown and "gamma" in shown and "alpha" not in shown
    at.text_input(key="calls_text").input("warehouse budget").run()
    shown = texts(at)
    assert "gamma" in shown and "beta" not in shown
    at.selectbox(key="calls_rep").select("Any").run()
    at.text_input(key="calls_text").input("").run()
    at.slider(key="calls_score").set_range(60, 100).run()
    shown = texts(at)
    assert "beta" in shown and "alpha" not in shown  # alpha scored 50%, beta 83%


def test_calls_library_pages_through_a_thousand_calls(seams, store):
    import time

    t = transcript()
    card, draft = scorecard_for(t), draft_for()
    for i in range(1000):
        call_id = store.add_call(filename=f"call{i:04d}.wav", rep=f"Rep {i % 7}", call_date="2026-10-01",
                                 methodology_id="discovery", title=f"call{i:04d}")
        store.save_review(call_id, card, draft, None)
    started = time.perf_counter()
    at = app("calls")
    elapsed = time.perf_counter() - started
    opens = [b for b in at.button if b.label == "Open"]
    assert len(opens) == 25
    assert "call0999" in texts(at) and "call0974" not in texts(at)
    next(b for b in at.button if b.label == "Next").click().run()
    assert "call0974" in texts(at) and "call0999" not in texts(at)
    assert elapsed < 20, f"the calls page took {elapsed:.1f} s with 1000 calls"


# --------------------------------------------------------------------------- call review


def player_args(at) -> dict:
    """What the call page sent to the player component on the last run."""
    import json

    [player] = at.get("component_instance")
    return json.loads(player.proto.json_args)


def test_a_phone_recording_the_browser_cannot_play_is_played_from_an_mp3_copy(seams, store, tmp_path):
    from review.audio import playable_copy
    from testkit.synth import encode_audio

    amr = encode_audio(REPO / "tests" / "data" / "audio" / "jfk.flac", tmp_path / "phone.amr")
    result = store_review(store, amr.read_bytes(), "phone.amr")
    kept = Path(store.get_call(result.call_id).stored_path)
    at = app("review", call_id=result.call_id)
    assert not at.exception and not [w for w in at.warning if "recording" in w.value]
    assert player_args(at)["audio"].startswith("data:audio/mpeg;base64,")
    assert playable_copy(kept).is_file() and kept.read_bytes() == amr.read_bytes()


def test_call_review_shows_quotes_with_timestamps_and_plays_from_a_quote(seams, store):
    result = store_review(store, tiny_wav(tone=20), "review-me.wav")
    at = app("review", call_id=result.call_id)
    shown = texts(at)
    q = result.scorecard.criteria[0].evidence[0]
    assert q.quote in shown
    args = player_args(at)
    assert args["audio"].startswith("data:audio/wav;base64,") and args["seek"]["token"] == 0
    clock = f"{int(q.start // 60):02d}:{int(q.start % 60):02d}"
    play = next(b for b in at.button if b.key == "play_agenda_set_0")
    assert play.label == clock
    play.click().run()
    assert at.session_state[f"audio_start_{result.call_id}"] == pytest.approx(q.start)
    args = player_args(at)
    assert args["seek"] == {"t": pytest.approx(q.start), "token": 1}  # the player seeks and plays
    assert args["evidence"] == [q.segment_id]  # and marks the criterion's evidence


def test_override_keeps_the_ai_original_visible(seams, store):
    result = store_review(store, tiny_wav(tone=21), "override.wav")
    at = app("review", call_id=result.call_id)
    at.number_input(key=f"ov_score_{result.review_id}_pain_quantified").set_value(2)
    at.text_input(key=f"ov_comment_{result.review_id}_pain_quantified").input("Asked about hours lost at 04:10")
    submit = [b for b in at.button if b.label == "Save override"]
    submit[1].click().run()  # pain_quantified is the second criterion
    assert not at.exception
    assert store.overrides(result.review_id)["pain_quantified"].score == 2
    assert store.get_review(result.review_id).scorecard.criteria[1].score == 0  # the AI's stays
    shown = texts(at)
    assert "Pain quantified \u2014 2/2 (manager; AI 0/2)" in shown
    assert "**AI score** 0/2" in shown and "Asked about hours lost at 04:10" in shown


def test_comment_at_a_timestamp(seams, store):
    result = store_review(store, tiny_wav(tone=22), "comments.wav")
    at = app("review", call_id=result.call_id)
    at.text_input(key=f"comment_at_{result.call_id}").input("01:05")
    at.text_input(key=f"comment_text_{result.call_id}").input("Great open question here")
    next(b for b in at.button if b.label == "Add comment").click().run()
    [c] = store.comments(result.call_id)
    assert c.at_s == 65 and c.text == "Great open question here"
    assert any(b.label == "01:05" for b in at.button)
    at.text_input(key=f"comment_at_{result.call_id}").input("soon")
    at.text_input(key=f"comment_text_{result.call_id}").input("x")
    next(b for b in at.button if b.label == "Add comment").click().run()
    assert any("is not mm:ss" in e.value for e in at.error)
    assert len(store.comments(result.call_id)) == 1


# --------------------------------------------------------------------------- coaching prep


def _doc(review_id: int, key: str) -> str:
    return f"doc_{review_id}_{key}"


def _edit(at, widget_key: str, edits: dict) -> None:
    """What the browser sends for a data_editor: its edit state (edited_rows, added_rows, deleted_rows)."""
    at.session_state[widget_key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []} | edits
    at.run()
    assert not at.exception, at.exception


def test_prep_part_is_shown_formatted_and_edited_as_talking_points(seams, store):
    result = store_review(store, tiny_wav(tone=30), "prep.wav")
    key = "agenda/lead_analysis"
    doc = _doc(result.review_id, key)
    at = app("prep", call_id=result.call_id)
    assert "Pain quantified" in texts(at) and "missed in 3 of the last 3 calls" in texts(at)
    assert "AI text for Lead the analysis." in [m.value for m in at.markdown]  # rendered, not a text box
    assert not at.text_area and not [e for e in at.data_editor if e.key == f"points_{doc}_0"]
    at.toggle(key=f"edit_{doc}").set_value(True).run()
    editor = next(e for e in at.data_editor if e.key == f"points_{doc}_0")
    assert editor.editing_mode == "dynamic" and list(editor.value["point"]) == ["AI text for Lead the analysis."]
    _edit(at, f"points_{doc}_0", {"edited_rows": {0: {"point": "Ask: what does a late truck cost you?"}},
                                  "added_rows": [{"point": "- Play the moment at 01:10"},
                                                 {"point": "- Ask what it costs per week"}]})
    assert store.get_document(result.review_id, key) == (
        "Ask: what does a late truck cost you?\n\n- Play the moment at 01:10\n- Ask what it costs per week", 2)
    assert "Saved as version 2" in texts(at)  # autosaved on change
    # Another tab saves version 3 on top of version 2; this tab still has version 2 open.
    store.save_document(result.review_id, key, "Text from the other tab", base_version=2)
    _edit(at, f"points_{doc}_0", {"edited_rows": {0: {"point": "My newer idea"}}, "deleted_rows": []})
    assert store.get_document(result.review_id, key) == ("Text from the other tab", 3)  # nothing overwritten
    shown = texts(at)
    assert "changed elsewhere" in shown and "Text from the other tab" in shown
    assert at.session_state[doc] == "My newer idea"  # the manager's text is still there
    next(b for b in at.button if b.label == "Keep my text as the newest version").click().run()
    assert store.get_document(result.review_id, key) == ("My newer idea", 4)
    assert [v.version for v in store.document_history(result.review_id, key)] == [1, 2, 3, 4]
    # the explicit Save button saves too (nothing new: the same version)
    next(b for b in at.button if b.key == f"save_{doc}").click().run()
    assert "Saved as version 4" in texts(at)


def test_agenda_edits_on_an_earlier_review_are_found_and_copied_to_one_drafted_afresh(seams, store):
    """After a re-score (or a new rep, a corrected turn) the agenda is drafted afresh in a new review:
    Coaching prep says which review holds the manager's edits and copies them on request."""
    from review.ui.agenda_elsewhere import edited_parts

    result = store_review(store, tiny_wav(tone=35), "edits.wav")
    first = result.review_id
    store.save_document(first, "agenda/lead_analysis", "Play 01:10 and ask what a late truck costs.", base_version=1)
    store.save_document(first, "prep_note", "Check the pilot scope first.", base_version=1)
    assert edited_parts(store, store.get_review(first)) == {"agenda/lead_analysis": "Lead the analysis",
                                                            "prep_note": "prep note"}
    second = store.save_review(result.call_id, result.scorecard, result.draft, None)  # scored afresh
    assert edited_parts(store, store.get_review(second)) == {}
    at = app("prep", call_id=result.call_id, review_id=second)
    [notice] = [i.value for i in at.info if "Your edits of this call's coaching agenda" in i.value]
    assert notice.startswith("Your edits of this call's coaching agenda (Lead the analysis, prep note) are on the "
                             "review of 20") and "drafted afresh. Copy them here" in notice
    next(b for b in at.button if b.label == "Copy my edits here").click().run()
    assert not at.exception
    assert store.get_document(second, "agenda/lead_analysis")[0] == "Play 01:10 and ask what a late truck costs."
    assert store.get_document(second, "prep_note") == ("Check the pilot scope first.", 2)  # the AI's stays as v1
    assert store.get_document(first, "prep_note")[0] == "Check the pilot scope first."  # the source keeps its own
    assert not [i for i in at.info if "Your edits of this call's coaching agenda" in i.value]
    assert "Play 01:10 and ask what a late truck costs." in texts(at)  # the editor shows the copy
    # a review whose own agenda was edited is left alone
    assert not [i for i in app("prep", call_id=result.call_id, review_id=first).info
                if "Your edits of this call" in i.value]


def test_prep_action_plan_is_an_editable_table(seams, store):
    result = store_review(store, tiny_wav(tone=34), "actions.wav")
    doc = _doc(result.review_id, "agenda/actions")
    at = app("prep", call_id=result.call_id)
    editor = next(e for e in at.data_editor if e.key == f"actions_{doc}_0")
    assert list(editor.value.columns) == ["action", "owner", "due", "watch"] and editor.editing_mode == "dynamic"
    row = {"action": "Role-play the cost question", "owner": "rep", "due": "2026-12-08", "watch": "Pain quantified"}
    _edit(at, f"actions_{doc}_0", {"added_rows": [row]})
    content, version = store.get_document(result.review_id, "agenda/actions")
    assert version == 1 and '"watch_criterion": "pain_quantified"' in content and "2026-12-08" in content
    # a row without an owner is not saved; the manager is told why
    _edit(at, f"actions_{doc}_0", {"added_rows": [row, {"action": "Send the deck", "due": "2026-12-09"}]})
    assert "has no owner" in texts(at) + " ".join(w.value for w in at.warning)
    assert store.get_document(result.review_id, "agenda/actions")[1] == 1
    from review.ui.exports import edited_draft

    draft = edited_draft(store, store.get_review(result.review_id))
    assert [(a.action, a.owner, a.due, a.watch_criterion) for a in draft.actions] == [
        ("Role-play the cost question", "rep", "2026-12-08", "pain_quantified")]


def test_prep_history_restore_and_exports_use_the_edits(seams, store):
    result = store_review(store, tiny_wav(tone=31), "restore.wav")
    key = "agenda/set_the_stage"
    doc = _doc(result.review_id, key)
    store.save_document(result.review_id, key, "Edited opening", base_version=1)
    at = app("prep", call_id=result.call_id)
    downloads = {b.label for b in at.get("download_button")}
    assert {"Agenda (Markdown)", "Agenda (Word)", "Agenda (PDF)", "Prep note (Markdown)", "Prep note (Word)",
            "Prep note (PDF)", "Scorecard (CSV)", "Scorecard (JSON)"} <= downloads
    assert "Edited opening" in [m.value for m in at.markdown]
    at.toggle(key=f"edit_{doc}").set_value(True).run()
    at.selectbox(key=f"hist_{doc}").select(1).run()
    next(b for b in at.button if b.key == f"restore_{doc}").click().run()
    assert store.get_document(result.review_id, key) == ("AI text for Set the stage.", 3)
    assert "AI text for Set the stage." in [m.value for m in at.markdown]
    editor = next(e for e in at.data_editor if e.key.startswith(f"points_{doc}_"))
    assert list(editor.value["point"]) == ["AI text for Set the stage."]  # the editor restarts from it


def test_prep_offers_the_other_solution_chart_options_one_click_away(seams, store):
    result = store_review(store, tiny_wav(tone=35), "options.wav")
    at = app("prep", call_id=result.call_id)
    assert "Recommended: **Training**" in texts(at)
    expander = next(e for e in at.expander if e.label == "The other options")
    shown = " ".join(m.value for m in expander.markdown)
    assert "**Coaching**" in shown and "**Feedback**" in shown and "**Other**" in shown and "**Training**" not in shown


def test_an_override_that_moves_the_focus_offers_a_redraft(seams, store, monkeypatch):
    import review.coach as coach

    given = []  # the redraft is given the call's transcript (the moments behind a talk-metric focus)
    real = coach.draft_coaching
    monkeypatch.setattr(coach, "draft_coaching", lambda *a, **k: given.append(k.get("transcript")) or real(*a, **k))
    result = store_review(store, tiny_wav(tone=36), "redraft.wav")
    at = app("prep", call_id=result.call_id)
    assert not [b for b in at.button if b.key == "redraft"]  # the AI's focus stands
    store.save_document(result.review_id, "agenda/set_the_stage", "My opening", base_version=1)
    store.add_override(result.review_id, "pain_quantified", 2, "they said four hours a week")
    at = app("prep", call_id=result.call_id)
    assert "change the focus skill from **Pain quantified**" in " ".join(w.value for w in at.warning)
    next(b for b in at.button if b.key == "redraft").click().run()
    assert not at.exception, at.exception
    assert store.get_transcript(result.call_id) in given  # (the focus check drafts without it)
    stage = store.document_history(result.review_id, "agenda/set_the_stage")
    assert [v.content for v in stage][:2] == ["AI text for Set the stage.", "My opening"]  # edits kept
    assert "Pain quantified" not in stage[-1].content.split("**Purpose:**")[1].split("\n")[0]
    assert store.get_document(result.review_id, "draft") is not None
    assert "Pain quantified" not in at.title[0].value and not [b for b in at.button if b.key == "redraft"]
    focus = texts(at).split("Focus skill")[1]
    assert not focus.lstrip("\n*").startswith("Pain quantified")


def test_exports_use_overrides_and_display_names(seams, store):
    import csv

    from review.ui.exports import display_names, effective_scorecard, scorecard_csv

    result = store_review(store, tiny_wav(tone=32), "export.wav")
    review = store.get_review(result.review_id)
    call = store.get_call(result.call_id)
    store.add_override(result.review_id, "pain_quantified", 2, "asked about hours once")
    card = effective_scorecard(store, review)
    assert (card.total_score, card.total_percent) == (5, 83.3)  # 2 + 2 + 1 of 6
    names = display_names(store, call, review)
    assert names == {"Alex Rivera": "Alex Rivera (rep)", "Jordan Lee": "Jordan Lee (customer)"}
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(scorecard_csv(store, review, names)))}
    assert (rows["pain_quantified"]["score"], rows["pain_quantified"]["ai_score"]) == ("2", "0")
    assert rows["pain_quantified"]["verdict"] == "met" and rows["pain_quantified"]["ai_verdict"] == "not_met"
    assert rows["pain_quantified"]["manager_note"] == "asked about hours once" and rows["agenda_set"]["ai_score"] == ""
    assert "Alex Rivera (rep): \u201c" in rows["agenda_set"]["evidence"]
    store.save_document(result.review_id, "agenda/lead_analysis", "- [00:10] Alex Rivera: \u201cHi Jordan\u201d", 1)
    at = app("prep", call_id=result.call_id)
    assert "- [00:10] Alex Rivera (rep): \u201cHi Jordan\u201d" in [m.value for m in at.markdown]  # on the page
    preview = next(e for e in at.expander if e.label == "Preview the agenda as exported")
    agenda = preview.markdown[0].value
    assert "5/6 (83%)" in agenda and "## Prep note" not in agenda
    assert "[00:10] Alex Rivera (rep): \u201cHi Jordan\u201d" in agenda  # and in the export


# --------------------------------------------------------------------------- rep trends


def test_coaching_prep_shows_the_focus_skill_on_the_reps_later_calls(seams, store):
    """The agenda's progress check, read from the calls reviewed after the coached one."""
    coached = store_review(store, tiny_wav(tone=50), "coached.wav", call_date="2026-11-01")
    review_id = coached.review_id  # stored without targets: the methodology file's is used (discovery: 2)
    at = app("prep", call_id=coached.call_id, review_id=review_id)
    assert "Progress since this call: Pain quantified" in texts(at)
    assert "No reviewed call after this one yet" in texts(at)
    store_review(store, tiny_wav(tone=51), "next.wav", call_date="2026-11-08", rep_score=2)
    later = store_review(store, tiny_wav(tone=52), "after.wav", call_date="2026-11-15", rep_score=1)
    store.add_override(later.review_id, "pain_quantified", 2, "she gave the hours lost")  # the manager's score counts
    at = app("prep", call_id=coached.call_id, review_id=review_id)
    assert "2 of 2 later call(s) at the target (2/2)" in texts(at)
    table = at.dataframe[-1].value
    assert list(table["Call"]) == ["next", "after"] and list(table["At the target"]) == ["yes", "yes"]


def test_rep_trends_chart_each_criterion_with_overrides(seams, store):
    first = store_review(store, tiny_wav(tone=40), "w1.wav", call_date="2026-11-01")
    store_review(store, tiny_wav(tone=41), "w2.wav", call_date="2026-11-08", rep_score=1)
    store.add_override(first.review_id, "pain_quantified", 2, "manager heard it")
    at = app("trends")
    assert not at.exception
    assert at.selectbox(key="trend_rep").value == "Alex Rivera"
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 1 + 3 + 4  # total, three criteria, the rep's metrics
    assert "2 reviewed call(s)" in texts(at) and "Dashed lines" not in texts(at)
    assert all('"rule"' not in c.proto.spec for c in charts)
    # the first call was coached on (its agenda shared): each chart marks it
    store.save_document(first.review_id, "shared_with_rep", "on", None)
    at = app("trends")
    assert "Dashed lines: calls coached on" in texts(at)
    charts = at.get("vega_lite_chart")
    assert all('"rule"' in c.proto.spec for c in charts)
    assert list(at.dataframe[-1].value["Coached on"]) == ["Pain quantified", ""]
    # a call re-scored against another methodology: that trend can be chosen too
    store.save_review(first.call_id, scorecard_for(first.transcript, 0).model_copy(update={"methodology_id": "bant"}),
                      None, None)
    at = app("trends")
    assert at.selectbox(key="trend_methodology").options == ["BANT", "Discovery call checklist"]
    at.selectbox(key="trend_methodology").select_index(0).run()
    assert "1 reviewed call(s)" in texts(at) and not at.exception


def test_rep_trends_leave_a_gap_where_a_criterion_did_not_apply(seams, store):
    first = store_review(store, tiny_wav(tone=42), "na1.wav", call_date="2026-11-01")
    store_review(store, tiny_wav(tone=43), "na2.wav", call_date="2026-11-08", rep_score=2)
    card = first.scorecard
    card.criteria[1] = card.criteria[1].model_copy(update={"verdict": "not_applicable", "score": 0})
    store.save_review(first.call_id, card, None, None)
    at = app("trends")
    assert not at.exception and not at.error
    numbers = at.dataframe[-1].value
    pain = list(numbers["Pain quantified"])
    assert pain[0] != pain[0] and pain[1] == 2  # NaN (no score), not 0, then 2


def test_rep_trends_empty_state(seams):
    at = app("trends")
    assert "Trends appear once calls are reviewed" in texts(at)


# --------------------------------------------------------------------------- settings


def test_settings_never_render_the_key(seams, settings, monkeypatch):
    from review.settings import load_settings, save_settings

    secret = "sk-test-DO-NOT-SHOW-123456"
    save_settings({"llm_api_key": secret, "llm_engine": "openai"})
    at = app("settings")
    key_box = at.text_input(key="settings_llm_api_key")
    assert key_box.value == ""
    assert "A key is saved" in texts(at)
    sent = everything_sent(at)
    assert "API key" in sent and secret not in sent  # not in any element or widget the browser gets
    at.text_input(key="settings_llm_model").input("gpt-4.1-mini")
    next(b for b in at.button if b.label == "Save settings").click().run()
    saved = load_settings()
    assert saved.llm_model == "gpt-4.1-mini" and saved.llm_api_key == secret  # empty field kept the key
    assert "Saved to" in texts(at) and secret not in everything_sent(at)
    at.text_input(key="settings_llm_api_key").input("sk-new-key-typed-here")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert load_settings().llm_api_key == "sk-new-key-typed-here"
    assert at.text_input(key="settings_llm_api_key").value == ""  # cleared right after saving
    assert "Saved to" in texts(at) and "sk-new-key-typed-here" not in everything_sent(at)


def test_settings_save_company_products_and_language(seams, settings):
    from review.settings import load_settings
    from review.transcribe import decoding_options

    at = app("settings")
    at.text_input(key="settings_company_name").input("Northfield Logistics")
    at.text_input(key="settings_product_names").input("Kwikroute, DockSense")
    at.text_input(key="settings_language").input("auto")
    next(b for b in at.button if b.label == "Save settings").click().run()
    saved = load_settings()
    assert (saved.company_name, saved.product_names, saved.whisper_language) == (
        "Northfield Logistics", "Kwikroute, DockSense", "auto")
    assert decoding_options(saved)["hotwords"] == "Northfield Logistics, Kwikroute, DockSense"
    assert decoding_options(saved)["language"] is None


def test_settings_methodology_library_validates_an_upload(seams):
    at = app("settings")
    # by name, with the id the CLI takes
    assert "Discovery call checklist (discovery)" in [str(v) for v in at.selectbox(key="settings_view_methodology").options]
    bad = (REPO / "tests" / "data" / "methodology" / "misspelled_key.yaml").read_bytes()
    at.file_uploader(key="settings_playbook").set_value(("misspelled_key.yaml", bad, "text/yaml"))
    at.run()
    next(b for b in at.button if b.label == "Validate").click().run()
    assert len(at.error) == 1 and "\n" not in at.error[0].value
    assert at.error[0].value.startswith("misspelled_key.yaml") and "/tmp" not in at.error[0].value
    good = (REPO / "tests" / "data" / "methodology" / "team_demo.yaml").read_bytes()
    at.file_uploader(key="settings_playbook").set_value(("team_demo.yaml", good, "text/yaml"))
    at.run()
    next(b for b in at.button if b.label == "Validate").click().run()
    assert any("is valid" in s.value for s in at.success)


# --------------------------------------------------------------------------- command


def test_app_command_builds_the_streamlit_command():
    from review.commands.app import streamlit_command

    command = streamlit_command(8765, "127.0.0.1", True, 42)
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("review/ui/main.py")
    assert Path(command[4]).is_file()
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--client.toolbarMode") + 1] == "viewer"  # the shipped config
    assert command[command.index("--server.port") + 1] == "8765"
    assert command[command.index("--server.maxUploadSize") + 1] == "42"
    from review.errors import ConfigError

    with pytest.raises(ConfigError):
        streamlit_command(70000, "localhost", True, 42)


def test_prep_plays_the_moments_a_part_quotes(seams, store):
    """Under an agenda part, a play button for each moment it quotes (also as the manager edited it);
    clicking one plays the recording from there. No recording kept: no buttons."""
    from review.render import format_quote
    from review.timefmt import clock

    result = store_review(store, tiny_wav(seconds=3, tone=36), "moments.wav")
    quote = quote_of(result.transcript, 2)
    text = (f"**Then the evidence:**\n\n- {format_quote(quote, markdown=True)}\n"
            f"- {format_quote(quote, markdown=True)} (again)\n- Not a time: [99:99] x: \u201cy\u201d")
    store.save_document(result.review_id, "agenda/lead_analysis", text, base_version=1)  # as if edited
    at = app("prep", call_id=result.call_id)
    prefix = f"listen_{result.review_id}_agenda/lead_analysis_"
    buttons = [b for b in at.button if b.key and b.key.startswith(prefix)]
    assert [b.label for b in buttons] == [clock(quote.start)]  # each moment once, the bad stamp skipped
    assert quote.quote.split()[0] in buttons[0].help
    assert not at.get("audio")
    buttons[0].click().run()
    [audio] = at.get("audio")
    assert audio.proto.start_time == int(quote.start) and audio.proto.autoplay
    Path(store.get_call(result.call_id).stored_path).unlink()  # the recording is gone: nothing to play
    at = app("prep", call_id=result.call_id)
    assert not [b for b in at.button if b.key and b.key.startswith(prefix)] and not at.exception
