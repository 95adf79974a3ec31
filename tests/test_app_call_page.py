"""The call page and the re-score offer under AppTest: the player component's arguments (what the
browser is told to play, mark and highlight), overrides in the header, re-score and compare, a new
rep, retry, delete, comments at the player's time, the upload page's re-score offer.

Services here have a real index (the deterministic fake embedding) and the rules engine, so a
re-score runs the real scorer on the stored transcript; the first review is built by hand
(tests/test_app.py's helpers).
"""

from __future__ import annotations

import pytest
from fakes import FakeEmbedding
from test_app import add_account, app, player_args, store_review, texts, tiny_wav

from review.pipeline import Services
from review.store import Store


@pytest.fixture
def store(settings):
    s = Store.from_settings(settings)
    yield s
    s.close()


@pytest.fixture
def services(settings, store, monkeypatch):
    from review.index import CallIndex
    from review.ui import state

    built = Services(settings=settings, store=store,
                     index=CallIndex(settings, embedding_function=FakeEmbedding()), engine=None)
    monkeypatch.setattr(state, "build_services", lambda s: built)
    monkeypatch.setattr(state, "start_worker", lambda s: run_queued(built))  # the worker, run here
    add_account(store, "admin", "admin", "Ada Admin")  # `app()` signs in as this admin
    return built


def run_queued(services) -> None:
    """What the worker process does: every queued job, to its end."""
    from review.jobs import run_job

    for job in services.store.list_jobs(status="queued"):
        run_job(job.id, services.settings, services=services)


def test_the_transcript_follows_the_player_with_names_evidence_and_search(services, store):
    result = store_review(store, tiny_wav(tone=40), "follow.wav")
    at = app("review", call_id=result.call_id)
    args = player_args(at)
    turns = args["turns"]
    assert len(turns) == len(result.transcript.segments)
    assert [t["start"] for t in turns] == sorted(t["start"] for t in turns)
    assert {t["speaker"] for t in turns} == {"Alex Rivera (rep)", "Jordan Lee (customer)"}
    assert args["evidence"] == [] and args["search"] == ""
    # the scorecard and the transcript sit side by side
    assert any(len(block.children) == 2 for block in at.columns) and at.text_input(key=f"search_{result.call_id}")
    at.selectbox(key=f"evidence_of_{result.review_id}").set_value("next_step_dated").run()
    assert player_args(at)["evidence"] == [4]
    word = result.transcript.segment(3).text.split()[2].strip(",.?")
    at.text_input(key=f"search_{result.call_id}").input(word).run()
    expected = [s.id for s in result.transcript.segments if word.lower() in s.text.lower()]
    assert player_args(at)["search"] == word
    assert f"{len(expected)} of {len(turns)} turns mention" in texts(at)
    at.text_input(key=f"search_{result.call_id}").input("zebra crossing").run()
    assert "No turn mentions \u201czebra crossing\u201d." in texts(at)


def test_the_talk_metrics_show_the_moments_behind_them_and_play_them(services, store):
    """"Patience 0.8 s" on the Talk metrics tab comes with the replies that make it, each played in the
    call player from its moment."""
    from review.metric_moments import metric_moments

    result = store_review(store, tiny_wav(tone=41), "metrics.wav")
    at = app("review", call_id=result.call_id)
    shown = texts(at)
    assert "Where the figures come from" in shown and "Quickest replies (patience)" in shown
    quick = metric_moments(result.transcript, "patience", result.scorecard.metrics.rep_speaker)
    assert quick and f"\u201c{quick[0][1].quote}\u201d" in shown.replace("\\", "")
    buttons = [b for b in at.button if b.key.startswith("metric_play_Quickest")]
    assert len(buttons) == len(quick)
    buttons[-1].click().run()
    assert not at.exception and player_args(at)["seek"]["t"] == quick[-1][1].start


def test_an_override_changes_the_header_and_the_sections(services, store):
    result = store_review(store, tiny_wav(tone=41), "override-header.wav")
    at = app("review", call_id=result.call_id)
    assert any(m.label == "Score" and m.value == "50%" for m in at.metric)
    # sections count weighted points, as the total does ("2/2" on a criterion of weight 1.5 is 3 points)
    assert any(m.label == "Opening" and str(m.proto.delta) == "2 of 2 points" for m in at.metric)
    at.number_input(key=f"ov_score_{result.review_id}_pain_quantified").set_value(2)
    at.text_input(key=f"ov_comment_{result.review_id}_pain_quantified").input("She said 6 hours a week")
    [b for b in at.button if b.label == "Save override"][1].click().run()
    score = next(m for m in at.metric if m.label == "Score")
    assert score.value == "83%" and "5 of 6 points" in str(score.proto.delta)
    assert "with 1 manager override(s)" in texts(at)
    assert "Pain quantified \u2014 2/2 (manager; AI 0/2) \u00b7 Met" in texts(at)


def test_rescore_with_another_methodology_adds_a_review_and_compares(services, store):
    result = store_review(store, tiny_wav(tone=42), "rescore.wav")
    at = app("review", call_id=result.call_id)
    at.selectbox(key=f"rescore_methodology_{result.call_id}").set_value("bant")
    next(b for b in at.button if b.label == "Re-score").click().run()
    assert not at.exception
    reviews = store.reviews_for_call(result.call_id)
    assert [r.methodology_id for r in reviews] == ["discovery", "bant"]
    assert at.session_state["review_id"] == reviews[1].id
    assert at.selectbox(key=f"review_pick_{result.call_id}").value == reviews[1].id
    table = at.dataframe[-1].value  # the comparison tab comes after the talk metrics
    assert list(table.columns) == ["Criterion", "Before", "Now", "Change"]
    assert (table.iloc[0]["Criterion"], table.iloc[0]["Before"]) == ("Total", "50%")
    assert table.iloc[0]["Now"] == f"{reviews[1].total_percent:.0f}%"
    pain = table[table["Criterion"] == "Pain quantified"].iloc[0]
    assert (pain["Before"], pain["Now"], pain["Change"]) == ("0/2", "", "")
    assert "Budget" in set(table["Criterion"]) and "Pain quantified" in set(table["Criterion"])
    # the picker goes back to the first review
    at.selectbox(key=f"review_pick_{result.call_id}").set_value(reviews[0].id).run()
    assert at.session_state["review_id"] == reviews[0].id
    assert "Pain quantified \u2014 0/2 \u00b7 Not met" in texts(at)


def test_a_rescore_runs_as_a_job_the_page_follows_and_a_failure_is_one_line(services, store, monkeypatch):
    """The work runs in the background (a worker): the page shows its stage while it waits or runs,
    opens the new review when it is done, and says in one line why it failed."""
    from review.jobs import run_job
    from review.ui import state

    monkeypatch.setattr(state, "start_worker", lambda s: None)  # a worker that has not picked it up yet
    result = store_review(store, tiny_wav(tone=49), "slow.wav")
    at = app("review", call_id=result.call_id)
    at.selectbox(key=f"rescore_methodology_{result.call_id}").set_value("bant")
    next(b for b in at.button if b.label == "Re-score").click().run()
    assert not at.exception
    assert "Re-score in the background: Waiting for a worker." in texts(at)
    [job] = store.list_jobs()
    assert (job.kind, job.status, job.options["methodology"]) == ("rescore", "queued", "bant")
    next(b for b in at.button if b.label == "Re-score").click().run()  # asked again while queued: the same job
    assert len(store.list_jobs()) == 1
    upload = app("upload")  # the manager left: the Upload page lists the work
    assert "slow.wav (re-score): Waiting for a worker" in texts(upload)
    run_job(job.id, services.settings, services=services)
    at.run()
    reviews = store.reviews_for_call(result.call_id)
    assert [r.methodology_id for r in reviews] == ["discovery", "bant"]
    assert at.session_state["review_id"] == reviews[1].id and not at.error
    # the Calls list shows the score with the methodology it is against: the latest review's
    row = next(m.value for m in app().markdown if m.value.startswith("**slow**"))
    assert row.endswith(" · BANT") and f"{reviews[1].total_percent:.0f}%" in [m.value for m in app().metric]
    # a failure: the reason in one line on the page, and the page still works
    at.selectbox(key=f"rescore_methodology_{result.call_id}").set_value("meddpicc")
    next(b for b in at.button if b.label == "Re-score").click().run()
    failing = store.list_jobs(status="queued")[0]
    monkeypatch.setattr("review.rework.rescore_call", _raise_unreachable)
    run_job(failing.id, services.settings, services=services)
    at.run()
    assert [e.value for e in at.error] == ["slow.wav: the endpoint was unreachable; check the LLM settings"]
    assert len(store.reviews_for_call(result.call_id)) == 2 and not at.exception


def _raise_unreachable(*args, **kwargs):
    from review.errors import InputError

    raise InputError("the endpoint was unreachable; check the LLM settings")


def test_choosing_another_rep_recomputes_roles_and_scores(services, store):
    result = store_review(store, tiny_wav(tone=43), "rep.wav")
    at = app("review", call_id=result.call_id)
    assert at.selectbox(key=f"rep_speaker_pick_{result.call_id}").value == "Alex Rivera"
    at.selectbox(key=f"rep_speaker_pick_{result.call_id}").set_value("Jordan Lee")
    next(b for b in at.button if b.label == "Set the rep and re-score").click().run()
    assert not at.exception
    assert store.transcript_versions(result.call_id) == [1, 2]
    latest = store.latest_review(result.call_id)
    assert latest.id != result.review_id and latest.transcript_version == 2
    assert latest.scorecard.metrics.rep_speaker == "Jordan Lee"
    [changed] = [c.value for c in at.caption if c.value.startswith("Transcript version")]
    assert changed.startswith("Transcript version 2: the rep set to Jordan Lee, by Ada Admin on 20")  # who, what
    assert {t["speaker"] for t in player_args(at)["turns"]} == {"Jordan Lee (rep)", "Alex Rivera (customer)"}


def test_a_sentence_given_to_the_wrong_speaker_is_corrected_and_rescored(services, store):
    result = store_review(store, tiny_wav(tone=47), "turn.wav")
    cid = result.call_id
    store.add_override(result.review_id, "pain_quantified", 1, "asked about cost once", author="kim")
    cited = next((c.id, q) for c in store.get_review(result.review_id).scorecard.criteria
                 for q in c.evidence if q.segment_id > 1)  # a quote after the turn that is corrected
    store.add_evidence_mark(result.review_id, cited[0], cited[1].segment_id, "right", author="kim")
    store.add_evidence_mark(result.review_id, "pain_quantified", 1, "right", author="kim")  # the turn to be split
    at = app("review", call_id=cid)
    assert not [i for i in at.info if "corrections of this call" in i.value]
    at.selectbox(key=f"turn_pick_{cid}").set_value(1).run()
    assert at.selectbox(key=f"turn_said_by_{cid}").value == "Alex Rivera"  # the only other speaker
    at.select_slider(key=f"turn_sentences_{cid}_1").set_value((1, 1))
    next(b for b in at.button if b.label == "Correct the speaker and re-score").click().run()
    assert not at.exception
    assert store.transcript_versions(cid) == [1, 2]
    latest = store.latest_review(cid)
    assert latest.id != result.review_id and latest.transcript_version == 2
    segments = store.get_transcript(cid).segments
    assert [(s.speaker, s.text) for s in segments[1:3]] == [
        ("Jordan Lee", "Hi Alex, happy to."), ("Alex Rivera", "I have about thirty minutes.")]
    assert store.get_transcript(cid, 1).segments[1].text == "Hi Alex, happy to. I have about thirty minutes."
    [changed] = [c.value for c in at.caption if c.value.startswith("Transcript version")]
    assert changed.startswith("Transcript version 2: sentence 2 of turn 1 (at 00:06) given to Alex Rivera, by Ada Admin")
    # the new review starts without the manager's override: the page says where it is
    notice = [i.value for i in at.info if "corrections of this call" in i.value]
    assert len(notice) == 1 and notice[0].startswith(
        "Your corrections of this call (1 override and 2 evidence marks) are on the review Discovery")
    next(b for b in at.button if b.label == "Apply them to this review").click().run()
    assert not at.exception and not [i for i in at.info if "corrections of this call" in i.value]
    assert [w.value for w in at.warning if w.value.startswith("Not carried")] == [
        "Not carried: 1 evidence mark (their criterion is not scored here, or their turn was split by a corrected "
        "speaker: mark it again here)"]
    carried = store.overrides(latest.id)["pain_quantified"]
    assert carried.score == 1 and carried.comment.startswith("asked about cost once (carried from the review of")
    [mark] = store.evidence_marks(latest.id)  # on the same words, one turn later (turn 1 was split)
    assert (mark.criterion_id, mark.verdict) == (cited[0], "right")
    assert cited[1].quote in store.get_transcript(cid).segment(mark.segment_id).text
    assert mark.segment_id == cited[1].segment_id + 1
    # the first review's page shows transcript version 1, whose turns are numbered differently: refused
    old = app("review", call_id=cid, review_id=result.review_id)
    assert not [c for c in old.caption if c.value.startswith("Transcript version")]  # it scored version 1
    old.selectbox(key=f"turn_pick_{cid}").set_value(3).run()
    next(b for b in old.button if b.label == "Correct the speaker and re-score").click().run()
    assert not old.exception and store.transcript_versions(cid) == [1, 2]
    assert [e.value for e in old.error] == [
        f"turn.wav: call {cid}'s transcript has changed since this turn was picked (version 1, now 2); open the latest "
        "review and pick the turn again"]


def _one_voice_call(store, name: str) -> int:
    """A stored call whose recording had one voice: the same turns, every one "unknown"."""
    import hashlib

    from test_app import draft_for, scorecard_for, transcript

    from review.metrics import compute_metrics
    from review.speakers import MONO_WARNING

    data = tiny_wav(tone=49)
    sha = hashlib.sha256(data).hexdigest()
    call_id = store.add_call(filename=name, audio_sha256=sha, stored_path=store.keep_upload(data, sha, name),
                             rep="Alex Rivera", call_date="2026-11-20", call_type="discovery",
                             methodology_id="discovery", title="mono")
    t = transcript()
    segments = [s.model_copy(update={"speaker": "unknown", "role": "unknown"}) for s in t.segments]
    t = t.model_copy(update={"segments": segments, "metrics": compute_metrics(segments, t.duration),
                             "warnings": [MONO_WARNING], "speaker_names": {},
                             "source": t.source.model_copy(update={"format": "audio"})})
    store.save_transcript(call_id, t)
    store.save_review(call_id, scorecard_for(t), draft_for(), None)
    return call_id


def test_a_one_voice_call_gets_its_speakers_from_a_table_of_turns(services, store):
    from test_app import transcript

    cid = _one_voice_call(store, "mono.wav")
    at = app("review", call_id=cid)
    assert any(c.value.startswith("One voice was found in this recording, so every turn is \u201cunknown\u201d: say "
                                  "who said each turn") for c in at.caption)
    assert any(c.value.startswith("Fewer than two named speakers in this call, so the rep cannot be chosen here: say "
                                  "who said its turns first") for c in at.caption)
    assert at.radio(key=f"who_said_way_{cid}").value == "Several turns at once"  # the table first
    said = [w.value for w in at.warning if "all speech is under" in w.value]
    assert len(said) == 1 and "say who said each turn (the call page" in said[0]  # once, with what to do
    table = f"turn_table_{cid}_1"
    editor = next(e for e in at.data_editor if e.key == table)
    assert list(editor.value["by"]) == ["Unknown (nobody named)"] * len(transcript().segments)
    save = "Save who said each turn and re-score"
    next(b for b in at.button if b.label == save).click().run()
    assert [i.value for i in at.info if i.value.startswith("No turn changed")]  # nothing asked, nothing queued
    assert store.transcript_versions(cid) == [1]
    # the manager names each turn's speaker as the reference call has them
    truth = {s.id: s.role for s in transcript().segments}
    shown = {"rep": "Alex Rivera (rep)", "customer": "Customer"}
    at.session_state[table] = {"edited_rows": {i: {"by": shown[role]} for i, role in truth.items()},
                               "added_rows": [], "deleted_rows": []}
    next(b for b in at.button if b.label == save).click().run()
    assert not at.exception
    assert store.transcript_versions(cid) == [1, 2]
    latest = store.latest_review(cid)
    assert latest.transcript_version == 2 and latest.scorecard.metrics.rep_speaker == "speaker_1"
    stored = store.get_transcript(cid)
    assert [s.role for s in stored.segments] == list(truth.values()) and stored.warnings == []
    [changed] = [c.value for c in at.caption if c.value.startswith("Transcript version")]
    assert changed.startswith("Transcript version 2: 9 turns from 0 to 16 given to speaker\\_1 (rep); "
                              "9 turns from 1 to 17 given to speaker\\_2 (customer), by Ada Admin on 20")
    assert {t["speaker"] for t in player_args(at)["turns"]} == {"Alex Rivera (rep)", "Customer"}
    assert not [s for s in at.selectbox if s.key.startswith(f"turn_rest_{cid}_")]  # no turn left unknown
    # the call now has two speakers: one turn is corrected the usual way, by sentence
    assert at.radio(key=f"who_said_way_{cid}").value == "Several turns at once"
    at.radio(key=f"who_said_way_{cid}").set_value("One turn, or some of its sentences").run()
    assert at.selectbox(key=f"turn_said_by_{cid}").options == ["Customer"]  # turn 0 is the rep's


def test_the_turns_left_unknown_can_all_go_to_one_speaker(services, store):
    """On a two-person call the manager picks the rep's turns and gives the rest to the customer."""
    cid = _one_voice_call(store, "mono-rest.wav")
    at = app("review", call_id=cid)
    at.session_state[f"turn_table_{cid}_1"] = {"edited_rows": {0: {"by": "Alex Rivera (rep)"}, 2: {"by": "Alex Rivera (rep)"}},
                                               "added_rows": [], "deleted_rows": []}
    rest = at.selectbox(key=f"turn_rest_{cid}_1")
    assert rest.value is None and rest.options == ["stay unknown", "go to Alex Rivera (rep)", "go to Customer",
                                                   "alternate, Alex Rivera (rep) first", "alternate, Customer first"]
    rest.set_value("Customer")
    next(b for b in at.button if b.label == "Save who said each turn and re-score").click().run()
    assert not at.exception and store.transcript_versions(cid) == [1, 2]
    speakers = [s.speaker for s in store.get_transcript(cid).segments]
    assert speakers[:4] == ["speaker_1", "speaker_2", "speaker_1", "speaker_2"] and "unknown" not in speakers


def test_the_turns_left_unknown_can_alternate_as_a_two_person_call_goes(services, store):
    """A pasted transcript, one line a turn: the manager names none and lets the turns alternate."""
    cid = _one_voice_call(store, "mono-alternate.wav")
    at = app("review", call_id=cid)
    at.selectbox(key=f"turn_rest_{cid}_1").set_value(("alternate", "Customer"))
    next(b for b in at.button if b.label == "Save who said each turn and re-score").click().run()
    assert not at.exception and store.transcript_versions(cid) == [1, 2]
    roles = [s.role for s in store.get_transcript(cid).segments]
    assert roles[:4] == ["customer", "rep", "customer", "rep"] and "unknown" not in roles
    assert store.latest_review(cid).transcript_version == 2


def test_a_failed_call_is_retried_and_then_not_failed(services, store):
    result = store_review(store, tiny_wav(tone=44), "retry.wav")
    store.update_call_status(result.call_id, "failed", "the endpoint was unreachable")
    at = app("review", call_id=result.call_id)
    assert "The last attempt to review this call again failed: the endpoint was unreachable" in texts(at)
    next(b for b in at.button if b.label == "Retry the review").click().run()
    assert not at.exception
    assert store.get_call(result.call_id).status == "reviewed"
    assert "The last attempt" not in texts(at)


def test_delete_asks_first_then_removes_the_call(services, store):
    keep = store_review(store, tiny_wav(tone=45), "keep.wav")
    gone = store_review(store, tiny_wav(tone=46), "gone.wav")
    store.add_comment(gone.call_id, 2.0, "a comment")
    at = app("review", call_id=gone.call_id)
    next(b for b in at.button if b.label == "Delete this call").click().run()
    assert store.get_call(gone.call_id) is not None
    assert any("with its recording, 1 review(s), 1 comment(s)" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Keep it").click().run()
    assert store.get_call(gone.call_id) is not None
    next(b for b in at.button if b.label == "Delete this call").click().run()
    next(b for b in at.button if b.label == "Delete for good").click().run()
    assert not at.exception
    assert store.get_call(gone.call_id) is None and [c.id for c in store.list_calls()] == [keep.call_id]
    assert any("Deleted \u201cgone\u201d" in s.value for s in at.success)


def test_a_comment_defaults_to_the_players_time_with_the_signed_in_author(services, store):
    result = store_review(store, tiny_wav(tone=47), "comment-time.wav")
    at = app("review", call_id=result.call_id)  # signed in as Ada Admin
    assert at.text_input(key=f"comment_at_{result.call_id}").value == "00:00"
    q = result.scorecard.criteria[2].evidence[0]  # a played quote moves the default
    next(b for b in at.button if b.key == "play_next_step_dated_0").click().run()
    clock = f"{int(q.start // 60):02d}:{int(q.start % 60):02d}"
    assert at.text_input(key=f"comment_at_{result.call_id}").value == clock
    at.session_state[f"player_{result.call_id}"] = {"t": 65.4, "kind": "paused"}  # the player paused
    at.run()
    assert at.text_input(key=f"comment_at_{result.call_id}").value == "01:05"
    at.text_input(key=f"comment_text_{result.call_id}").input("Good question here")
    next(b for b in at.button if b.label == "Add comment").click().run()
    [c] = store.comments(result.call_id)
    assert (c.at_s, c.text, c.author) == (65, "Good question here", "Ada Admin")  # the signed-in author


def test_the_same_recording_with_another_methodology_offers_a_rescore(services, store):
    data = tiny_wav(tone=48)
    first = store_review(store, data, "again.wav")
    at = app("upload")
    at.file_uploader(key="upload_files").set_value([("again.wav", data, "audio/wav")])
    at.selectbox(key="upload_methodology").set_value("bant")
    at.button[0].click()
    at.run()
    assert any("re-score it from its stored transcript" in i.value for i in at.info)
    labels = [b.label for b in at.button]
    assert "Re-score" in labels and "Open review" in labels
    next(b for b in at.button if b.label == "Re-score").click().run()
    assert not at.exception
    assert [r.methodology_id for r in store.reviews_for_call(first.call_id)] == ["discovery", "bant"]
    # the same methodology again is a duplicate, not a re-score
    at = app("upload")
    at.file_uploader(key="upload_files").set_value([("again.wav", data, "audio/wav")])
    at.button[0].click()
    at.run()
    assert any("not processed again" in i.value for i in at.info)
    assert "Re-score" not in [b.label for b in at.button]


def test_a_call_that_never_got_a_review_opens_from_calls_and_is_retried_from_its_upload(services, store):
    import hashlib

    from test_app import REPO

    from testkit.dialogue import dialogue_to_transcript, load_dialogue

    data = dialogue_to_transcript(load_dialogue(REPO / "examples" / "discovery_call.yaml")).model_dump_json().encode()
    sha = hashlib.sha256(data).hexdigest()
    kept = store.keep_upload(data, sha, "failed-call.json")
    call_id = store.add_call(filename="failed-call.json", audio_sha256=sha, stored_path=kept, rep="Alex Rivera",
                             methodology_id="discovery", title="failed-call", status="failed")
    store.update_call_status(call_id, "failed", "the endpoint was unreachable")
    at = app()  # the Calls page
    assert ":red[**failed**]" in texts(at)
    next(b for b in at.button if b.key == f"open_call_{call_id}").click().run()
    assert any("the endpoint was unreachable" in e.value for e in at.error)
    next(b for b in at.button if b.label == "Retry the review").click().run()
    assert not at.exception
    review = store.latest_review(call_id)
    assert review is not None and review.methodology_id == "discovery"
    assert store.get_call(call_id).status == "reviewed" and at.session_state["review_id"] == review.id
    assert not at.error


def test_the_upload_caption_and_the_unreadable_recording_error_list_the_same_formats(services, tmp_path):
    from review.audio import decode
    from review.errors import InputError
    from review.ui.processing import accepted_formats

    bad = tmp_path / "voicemail.wav"
    bad.write_bytes(b"RIFF" + bytes(range(256)) * 40)
    with pytest.raises(InputError) as caught:
        decode(bad)
    recordings = accepted_formats().split(" or transcripts")[0].removeprefix("recordings ")
    assert recordings in str(caught.value)  # "(wav, mp3, ..., wma)", the same list in the same order
    at = app("upload")
    assert f"Upload {accepted_formats()}." in texts(at)


def test_a_call_imported_as_a_transcript_shows_its_turns_without_a_recording(services, store):
    result = store_review(store, b'{"segments": []}', "imported.json")  # the kept upload is a transcript
    at = app("review", call_id=result.call_id)
    args = player_args(at)
    assert args["audio"] == "" and len(args["turns"]) == len(result.transcript.segments)


def test_a_transcript_warning_reads_as_a_sentence(services, store):
    from test_app import draft_for, scorecard_for, transcript

    t = transcript()
    t.warnings.append("timings are estimated from word counts (150 words per minute) where the file has no "
                      "timestamps")
    call_id = store.add_call(filename="pasted.txt", rep="Alex Rivera", call_date="2026-11-20",
                             methodology_id="discovery", title="pasted")
    store.save_transcript(call_id, t)
    store.save_review(call_id, scorecard_for(t, 0), draft_for("Alex Rivera"), None)
    at = app("review", call_id=call_id)
    assert [w.value for w in at.warning if "estimated" in w.value][0].startswith("Timings are estimated")


def test_section_scores_are_laid_out_so_their_names_fit():
    from review.ui.call_scorecard import section_rows

    assert section_rows(["Opening", "Discovery", "Qualification", "Close"]) == [[0, 1, 2, 3]]
    assert section_rows(["Appeals", "Questions to the other person", "The ask"]) == [[0, 1], [2]]
    # the points fit too: "5.5 of 9 points" was cut to "5.5 of 9 poi..." four to a row
    names = ["Opening", "Discovery", "Qualification", "Close"]
    assert section_rows(names, ["2 of 2 points", "5 of 9 points", "3 of 3 points", "4 of 4 points"]) == [[0, 1, 2, 3]]
    assert section_rows(names, ["2 of 2 points", "5.5 of 9 points", "3 of 3 points", "4 of 4 points"]) == [
        [0, 1], [2, 3]]  # two even rows
    assert section_rows([f"S{i}" for i in range(5)]) == [[0, 1, 2], [3, 4]] and section_rows([]) == []
    assert section_rows(["Situation", "Problem", "Implication", "Need-payoff", "Wrap-up"]) == [[0, 1, 2], [3, 4]]
    assert section_rows(["Before the call", "Opening the call", "Wrap"]) == [[0, 1, 2]]
    assert section_rows([]) == []


def test_how_a_mono_call_s_voices_were_found_is_said_once_on_its_page(services, store):
    """A mono call with voices found said "rep is speaker_1 (the first to speak)" three times: as a
    scorecard flag, as the speakers' note and as a transcript warning. It is said once, with what to do."""
    import hashlib

    from test_app import draft_for, scorecard_for, transcript

    from review.speakers import speaker_flags
    from review.types import SpeakerAttribution

    data = tiny_wav(tone=50)
    sha = hashlib.sha256(data).hexdigest()
    call_id = store.add_call(filename="voices.wav", audio_sha256=sha, stored_path=store.keep_upload(data, sha, "voices.wav"),
                             rep="Alex Rivera", call_date="2026-11-20", call_type="discovery",
                             methodology_id="discovery", title="voices")
    note = "rep is speaker_1 (the first to speak); no voice profile for this rep: check who is the rep (--rep-speaker)"
    t = transcript()
    t = t.model_copy(update={
        "warnings": [f"speakers of this mono recording were found by voice; {note}", "timings are estimated"],
        "attribution": SpeakerAttribution(method="voices", rep_chosen_by="first speaker", note=note),
        "source": t.source.model_copy(update={"format": "audio"})})
    store.save_transcript(call_id, t)
    card = scorecard_for(t)
    card.flags = [*speaker_flags(t), "redacted 1 email(s)"]
    store.save_review(call_id, card, draft_for(), None)
    at = app("review", call_id=call_id)
    assert not at.exception
    said = [w.value for w in at.warning if "the first to speak" in w.value]
    assert len(said) == 1 and "Who said a turn" in said[0]  # once, with what to do
    assert any(w.value == "redacted 1 email(s)" for w in at.warning)  # other flags stay
    assert any(w.value == "Timings are estimated" for w in at.warning)  # other warnings stay


def _guessed_voices_call(store) -> int:
    """A mono call whose voices were found and whose rep was only guessed: speaker_1, the first to speak."""
    import hashlib

    from test_app import draft_for, scorecard_for, transcript

    from review.metrics import compute_metrics
    from review.speakers import assign_roles, speaker_flags
    from review.types import SpeakerAttribution

    data = tiny_wav(tone=53)
    sha = hashlib.sha256(data).hexdigest()
    call_id = store.add_call(filename="guess.wav", audio_sha256=sha, stored_path=store.keep_upload(data, sha, "guess.wav"),
                             rep="Alex Rivera", call_date="2026-11-21", call_type="discovery",
                             methodology_id="discovery", title="guess")
    t = transcript()
    labels = {"Alex Rivera": "speaker_1", "Jordan Lee": "speaker_2"}
    segments = assign_roles([s.model_copy(update={"speaker": labels[s.speaker]}) for s in t.segments], None)
    note = "rep is speaker_1 (the first to speak); no voice profile for this rep: check who is the rep (--rep-speaker)"
    t = t.model_copy(update={
        "segments": segments, "metrics": compute_metrics(segments, t.duration), "speaker_names": {},
        "attribution": SpeakerAttribution(method="voices", rep_chosen_by="first speaker", note=note),
        "source": t.source.model_copy(update={"format": "audio"})})
    store.save_transcript(call_id, t)
    card = scorecard_for(t)
    card.flags = speaker_flags(t)
    store.save_review(call_id, card, draft_for(), None)
    return call_id


def test_a_call_whose_rep_was_only_guessed_is_listed_to_check_and_a_confirmed_guess_clears_it(services, store):
    """The Calls list says which calls were scored on a guessed rep (a wrong guess scores the customer);
    on the call page the guess can be confirmed as well as corrected, and the note then says so."""
    call_id = _guessed_voices_call(store)
    store_review(store, tiny_wav(tone=54), "named.wav")  # a call whose rep is known: no mark
    listed = app("calls")
    marks = [m.value for m in listed.markdown if "a guess" in m.value]
    assert marks == [":orange[:material/person_search: Rep taken to be speaker\\_1, a guess: check who is the rep]"]
    at = app("review", call_id=call_id)
    assert any("speaker_1 was taken for the rep as a guess" in c.value for c in at.caption)
    assert at.selectbox(key=f"rep_speaker_pick_{call_id}").value == "speaker_1"
    next(b for b in at.button if b.label == "Set the rep and re-score").click().run()  # the guess confirmed
    assert not at.exception and not [i for i in at.info if "already the rep" in i.value]
    assert store.transcript_versions(call_id) == [1, 2]
    latest = store.get_transcript(call_id)
    assert latest.metrics.rep_speaker == "speaker_1"
    assert latest.attribution.note == "rep is speaker_1 (given by hand)"
    assert store.latest_review(call_id).transcript_version == 2
    assert not [m.value for m in app("calls").markdown if "a guess" in m.value]
    # confirmed once, the same choice is a no-op again
    at = app("review", call_id=call_id)
    assert not any("as a guess" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Set the rep and re-score").click().run()
    assert [i.value for i in at.info if "already the rep" in i.value] == ["speaker_1 is already the rep."]
    assert store.transcript_versions(call_id) == [1, 2]


def test_a_guessed_rep_is_asked_above_the_scorecard_with_each_speaker_s_first_words(services, store):
    """The manager who opens a call listed as a guess sees who said what first and sets the rep in one click."""
    call_id = _guessed_voices_call(store)
    at = app("review", call_id=call_id)
    asked = [m.value for m in at.markdown if m.value.startswith("**Who is the rep?**")]
    assert asked == ["**Who is the rep?** speaker\\_1 was taken for the rep as a guess, and the scores are the rep's. "
                     "Each speaker's first words:"]
    firsts = [m.value for m in at.markdown if m.value.startswith(("**speaker\\_1** at", "**speaker\\_2** at"))]
    assert [f.split(" at ")[0] for f in firsts] == ["**speaker\\_1**", "**speaker\\_2**"] and all("\u201c" in f for f in firsts)
    assert [b.label for b in at.button if b.key and b.key.startswith(f"rep_is_{call_id}_")] == [
        "Yes, the rep", "This is the rep"]
    at.button(key=f"rep_is_{call_id}_1").click().run()  # speaker_2 is the rep
    assert not at.exception
    assert store.get_transcript(call_id).metrics.rep_speaker == "speaker_2"
    assert store.latest_review(call_id).transcript_version == 2
    at = app("review", call_id=call_id)
    assert not [m for m in at.markdown if m.value.startswith("**Who is the rep?**")]  # settled: not asked again
    known = app("review", call_id=store_review(store, tiny_wav(tone=55), "known.wav").call_id)
    assert not known.exception and not [m for m in known.markdown if m.value.startswith("**Who is the rep?**")]


def test_a_rep_sees_that_their_voice_was_guessed_but_is_not_asked_to_set_it(services, store):
    from test_app import add_account

    call_id = _guessed_voices_call(store)  # Alex Rivera's call
    add_account(store, "alex", "rep", "Alex Rivera")
    listed = app("calls", user="alex")
    assert [m.value for m in listed.markdown if "a guess" in m.value] == [
        ":orange[:material/person_search: You were taken to be speaker\\_1, a guess: tell your manager if that is wrong]"]
    page = app("review", user="alex", call_id=call_id)
    assert not page.exception and not [m for m in page.markdown if m.value.startswith("**Who is the rep?**")]
    assert not [b for b in page.button if b.key and b.key.startswith(f"rep_is_{call_id}_")]


def test_a_guessed_rep_is_asked_once_not_also_warned_of(services, store, tmp_path):
    from test_app import draft_for, scorecard_for
    from test_rep_check import VTT

    from review.formats import load_transcript

    captions = tmp_path / "numbered.vtt"
    captions.write_text(VTT + "\n00:00:14.500 --> 00:00:18.000\n<v Speaker 2>How many hours, roughly?\n\n"
                        "00:00:18.500 --> 00:00:22.000\n<v Speaker 1>About six, on Fridays.\n")
    t = load_transcript(captions, rep_name="Alex Rivera")
    assert any("taken to be Speaker 1" in w for w in t.warnings)
    call_id = store.add_call(filename="numbered.vtt", rep="Alex Rivera", call_date="2026-11-22", methodology_id="discovery")
    store.save_transcript(call_id, t)
    store.save_review(call_id, scorecard_for(t), draft_for(), None)
    at = app("review", call_id=call_id)
    assert not at.exception
    assert [m for m in at.markdown if m.value.startswith("**Who is the rep?** Speaker 1 was taken")]
    assert not [w for w in at.warning if "taken to be" in w.value]  # asked above, not warned of again


UPLOADED = b"""WEBVTT

00:00:01.000 --> 00:00:05.000
<v Alex Rivera>Hi Jordan, thanks for the time. Shall we agree an agenda for today?

00:00:06.000 --> 00:00:10.000
<v Jordan Lee>Sure. Our trucks are late and it costs us money every week.
"""


def test_a_rep_uploading_a_copy_of_another_rep_s_recording_never_takes_the_call_over(services, store):
    """The upload's duplicate check saw only the rep's own calls, so the copy went on to a review of the
    stored recording, whose rep and title became the uploader's: Bo got Alex's call with its review."""
    from test_app import add_account

    at = app("upload")
    at.text_input(key="upload_rep").input("Alex Rivera")
    at.file_uploader(key="upload_files").set_value([("alex-call.vtt", UPLOADED, "text/vtt")])
    at.button[0].click().run()
    assert [(c.rep, c.title) for c in store.list_calls()] == [("Alex Rivera", "alex-call")]
    add_account(store, "bo", "rep", "Bo Chen")
    at = app("upload", user="bo")
    at.file_uploader(key="upload_files").set_value([("bo-copy.vtt", UPLOADED, "text/vtt")])
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "bo-copy.vtt: this recording is already stored as a call outside your calls; ask a manager who can open it"]
    assert [(c.rep, c.title) for c in store.list_calls()] == [("Alex Rivera", "alex-call")]  # still Alex's
    assert store.list_jobs() and all(j.filename != "bo-copy.vtt" for j in store.list_jobs())  # nothing queued
    assert not [b for b in app("calls", user="bo").button if b.label == "Open"]  # and Bo sees no call


def test_a_file_name_with_markdown_is_shown_as_typed_on_upload_jobs_and_delete(services, store):
    """A rep's file name reached an admin's jobs panel, the call page and the delete confirmation as
    Markdown (an image link a viewer's browser would fetch, bold, colour)."""
    name = "![x](evil.png) **B** :red[R].vtt"  # no "/": an upload keeps its last path part
    at = app("upload")
    at.text_input(key="upload_rep").input("Alex Rivera")
    at.file_uploader(key="upload_files").set_value([(name, UPLOADED, "text/vtt"), ("![y](evil2.png).wav", b"", "audio/wav")])
    at.button[0].click().run()
    assert not at.exception
    shown = [e.value for e in [*at.success, *at.error, *at.caption]]
    assert any("evil.png" in v for v in shown) and any("evil2" in v for v in shown)
    for value in shown:
        if "evil" in value:
            assert "![" not in value and "**B**" not in value and ":red[" not in value, value
    [call] = store.list_calls()
    page = app("review", call_id=call.id)
    next(b for b in page.button if b.key == f"delete_{call.id}").click().run()
    [confirm] = [w.value for w in page.warning if w.value.startswith("Delete")]
    assert "![" not in confirm and "**B**" not in confirm


def test_an_upload_named_too_long_or_only_by_its_extension_is_refused_in_words(services, store):
    """A 300-character name failed as "the review failed unexpectedly (OSError: [Errno 36] File name too long:
    '/tmp/...')": a Python exception and a server path, and nothing to do."""
    at = app("upload")
    at.text_input(key="upload_rep").input("Alex Rivera")
    at.file_uploader(key="upload_files").set_value([("x" * 300 + ".vtt", UPLOADED, "text/vtt"),
                                                    (".vtt", UPLOADED, "text/vtt"), ("empty.vtt", b"", "text/vtt")])
    at.button[0].click().run()
    errors = [e.value for e in at.error]
    assert errors[0].startswith("x" * 40) and "the file name is 304 characters long; rename the file (under 200" in errors[0]
    assert errors[1].replace("\\", "") == ".vtt: the file has no name before its extension; rename it (e.g. call.vtt) and upload it again"
    assert errors[2] == "empty.vtt: the file is empty; upload the transcript again"
    assert not any("Error" in e or "/tmp" in e for e in errors) and store.list_calls() == []


def test_a_rep_name_with_markdown_is_shown_as_typed_on_the_prep_page(services, store):
    result = store_review(store, tiny_wav(tone=57), "![i](evil.png) **t**.wav", rep="**x** :red[Boss]")
    at = app("prep", call_id=result.call_id)
    assert not at.exception
    [title] = [t.value for t in at.title]
    assert title.startswith("Coaching prep: ") and "**x**" not in title and ":red[" not in title
    assert not [c.value for c in at.caption if "![i]" in c.value or "**t**" in c.value]
    assert not [t.label for t in at.toggle if "**x**" in t.label]


def test_rep_trends_ignore_a_selected_call_the_rep_may_not_open(services, store):
    """A rep with another rep's call selected (an old link) saw only "call 1 is not in your calls" on
    Rep trends, never their own trends."""
    from test_app import add_account

    other = store_review(store, tiny_wav(tone=58), "alex.wav", rep="Alex Rivera")
    store_review(store, tiny_wav(tone=59), "bo.wav", rep="Bo Chen")
    add_account(store, "bo", "rep", "Bo Chen")
    at = app("trends", user="bo", call_id=other.call_id)
    assert not at.exception and not at.error
    assert at.selectbox(key="trend_rep").value == "Bo Chen"
    assert at.session_state["call_id"] is None  # the old selection is dropped
