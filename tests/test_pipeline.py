"""review.pipeline end to end on transcript files: real store, real index and embeddings, a fake
ChatEngine at the LLM seam that counts its calls (no Whisper: inputs are transcript JSON files)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from fakes import fake_engine, requests_of

from review.errors import InputError, LLMError, MethodologyError
from review.formats import write_json_atomic
from review.pipeline import STAGES, Services, cache_key, review_file
from review.types import Scorecard, Transcript
from testkit.dialogue import dialogue_to_transcript, load_dialogue

REPO = Path(__file__).resolve().parent.parent
CALLS = REPO / "tests" / "data" / "calls"
# each criterion of the batched scoring prompt and the first turn it may cite (review.score_prompt.render_criterion)
CITE = re.compile(r"^# (\w+): .*?^cite: (\d+)", re.M | re.S)


def pipeline_answer(request, not_applicable=False):
    """A valid answer to any prompt of a review.

    A scoring prompt (one per batch of criteria) gets, for each criterion, a partial score citing the
    first turn listed for it, plus an invented quote on the same turn (which must be dropped); the
    coaching polish gets two short paragraphs.
    """
    if "criteria" in request.output.model_fields:
        if not_applicable:
            return {"criteria": [{"id": criterion_id, "score": 0, "verdict": "not_applicable", "evidence": [],
                                  "rationale": "The call is too short for this."}
                                 for criterion_id, _ in CITE.findall(request.user)]}
        return {"criteria": [
            {"id": criterion_id, "score": 1, "verdict": "partly_met", "rationale": "The rep touched on it once.",
             "evidence": [{"segment_id": int(first), "quote": None},
                          {"segment_id": int(first), "quote": "we will buy today at full price"}]}
            for criterion_id, first in CITE.findall(request.user)]}
    return {"lead_intro": "Start with what went well, then look at one moment together.",
            "explore_intro": "Weigh the options with the rep before choosing one.",
            "rep_questions": ["What were you aiming for in that part of the call?"]}


def counting_engine(model: str = "fake-1", unreachable: bool = False, not_applicable: bool = False):
    """The fake chat model behind the real engine class, answering every prompt of a review validly
    (`asked` lists what it was asked); `unreachable` makes every request fail to connect."""
    import httpx2
    import openai

    down = openai.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
    return fake_engine(default=lambda request: pipeline_answer(request, not_applicable), model=model, local=True,
                       error=down if unreachable else None)


def asked(engine) -> list[str]:
    """What each request asked for: "criteria_scores" or "coach_agenda"."""
    return ["criteria_scores" if "criteria" in r.output.model_fields else "coach_agenda" for r in requests_of(engine)]


def make_services(settings, embed, engine) -> Services:
    from review.index import CallIndex
    from review.store import Store

    return Services(settings=settings, store=Store.from_settings(settings),
                    index=CallIndex(settings, embedding_function=embed), engine=engine)


def transcript_file(folder: Path, dialogue: str) -> Path:
    """A dialogue from tests/data/calls written as our transcript JSON (what `callreview transcribe` writes)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dialogue}.json"
    write_json_atomic(path, dialogue_to_transcript(load_dialogue(CALLS / f"{dialogue}.yaml")))
    return path


def assert_quotes_verbatim(card: Scorecard, transcript: Transcript) -> None:
    for crit in card.criteria:
        for q in crit.evidence:
            seg = transcript.segment(q.segment_id)
            assert seg is not None and q.quote in seg.text, (crit.id, q.quote)
            assert seg.start - 0.01 <= q.start <= q.end <= seg.end + 0.01
            assert q.speaker == seg.speaker


def test_review_with_an_llm_engine_scores_coaches_and_stores(settings, embed, tmp_path):
    engine = counting_engine()
    services = make_services(settings, embed, engine)
    stages: list[str] = []
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    result = review_file(path, services, "bant", rep="Sam Park",
                         progress=lambda stage, fraction, message: stages.append(stage))

    card = result.scorecard
    assert not result.cached and card.engine == "fake" and card.provenance.model == "fake-1"
    assert [c.id for c in card.criteria] == ["budget", "authority", "need", "timeline"]
    assert asked(engine).count("criteria_scores") == 1 and asked(engine).count("coach_agenda") == 1
    usage = card.provenance.token_usage
    # the review's usage counts every LLM call: one for the batch of criteria and the coaching polish
    assert usage["calls"] == len(asked(engine)) == 2
    assert any(c.score == 1 and c.evidence for c in card.criteria)  # the fake's valid citations were kept
    assert usage["prompt_tokens"] > 0 and usage["transcript_tokens"] > 0
    assert_quotes_verbatim(card, result.transcript)
    # the invented quote never reaches the scorecard: it is dropped and flagged
    assert all("full price" not in q.quote for c in card.criteria for q in c.evidence)
    assert any(c.dropped_evidence for c in card.criteria) and any("dropped" in f for f in card.flags)
    assert [s for s in STAGES if s in stages] == list(STAGES)
    assert result.draft.rep == "Sam Park" and result.draft.pattern.startswith("first reviewed call")
    assert [a.key for a in result.draft.agenda] == ["set_the_stage", "lead_analysis", "explore_options",
                                                    "develop_plan"]
    stored = services.store.get_review(result.review_id)
    assert stored.scorecard == card and stored.draft == result.draft
    assert services.store.get_call(result.call_id).status == "reviewed"


def test_the_coaching_draft_is_given_the_call_s_transcript(settings, embed, tmp_path, monkeypatch):
    """A talk-metric focus cites the moments behind its figure, which only the transcript holds."""
    import review.coach as coach

    given = []
    real = coach.draft_coaching
    monkeypatch.setattr(coach, "draft_coaching", lambda *a, **k: given.append(k.get("transcript")) or real(*a, **k))
    result = review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"),
                         make_services(settings, embed, None), "bant")
    assert given == [result.transcript] and result.transcript.segments


def test_an_unchanged_call_is_served_from_the_store_without_an_llm_call(settings, embed, tmp_path):
    engine = counting_engine()
    services = make_services(settings, embed, engine)
    path = transcript_file(tmp_path / "calls", "retail_forecasting_weak")
    first = review_file(path, services, "bant", rep="Sam Park")
    calls_after_first = len(asked(engine))
    assert calls_after_first > 0

    # a second process (new Services over the same store and index) sees the same review
    again = review_file(path, make_services(settings, embed, engine), "bant", rep="Sam Park")
    assert again.cached and len(asked(engine)) == calls_after_first
    assert again.review_id == first.review_id and again.scorecard == first.scorecard

    # another engine model is another review
    other = counting_engine(model="fake-2")
    redone = review_file(path, make_services(settings, embed, other), "bant", rep="Sam Park")
    assert not redone.cached and asked(other) and redone.review_id != first.review_id


def test_a_changed_methodology_file_is_scored_again(settings, embed, tmp_path):
    shipped = tmp_path / "methodology"
    shutil.copytree(REPO / "methodology", shipped)
    settings.methodology_dir = str(shipped)
    engine = counting_engine()
    services = make_services(settings, embed, engine)
    path = transcript_file(tmp_path / "calls", "insurance_claims_weak")
    first = review_file(path, services, "bant")
    assert review_file(path, services, "bant").cached
    calls_before = len(asked(engine))

    bant = shipped / "bant.yaml"
    text = bant.read_text(encoding="utf-8")
    edited = text.replace("  - id: budget\n    name: Budget\n", "  - id: budget\n    name: Budget and funding\n", 1)
    assert edited != text
    bant.write_text(edited, encoding="utf-8")
    second = review_file(path, services, "bant")
    assert not second.cached and len(asked(engine)) > calls_before
    assert second.review_id != first.review_id
    assert second.scorecard.provenance.methodology_sha256 != first.scorecard.provenance.methodology_sha256
    assert second.scorecard.criteria[0].name == "Budget and funding"
    # the call was not transcribed or stored twice
    assert second.call_id == first.call_id and len(services.store.list_calls()) == 1


def test_cache_key_covers_what_decides_a_review(settings, embed):
    transcript = dialogue_to_transcript(load_dialogue(CALLS / "hr_onboarding_weak.yaml"))
    rules = make_services(settings, embed, None)
    llm = make_services(settings, embed, counting_engine())
    base = cache_key(transcript, "m1", rules)
    assert base == cache_key(transcript, "m1", make_services(settings, embed, None))
    assert base != cache_key(transcript, "m2", rules)
    assert base != cache_key(transcript, "m1", llm)
    changed = transcript.model_copy(deep=True)
    changed.segments[0].text += " Right."
    assert base != cache_key(changed, "m1", rules)


def test_rep_history_turns_the_third_call_into_a_pattern(settings, embed, tmp_path):
    services = make_services(settings, embed, None)  # rules engine: deterministic
    drafts = []
    for name in ("hr_onboarding_weak", "insurance_claims_weak", "retail_forecasting_weak"):
        result = review_file(transcript_file(tmp_path / "calls", name), services, "bant", rep="Sam Park",
                             call_date="2026-11-02")
        assert_quotes_verbatim(result.scorecard, result.transcript)
        drafts.append(result.draft)
    assert drafts[0].pattern.startswith("first reviewed call")
    third = drafts[2].pattern
    assert not third.startswith("first reviewed call")
    assert re.search(r"of the last [23] calls", third), third
    assert len(services.store.rep_history("Sam Park", "bant")) == 3
    assert services.store.rep_history("Robin Diaz", "bant") == []


def test_bad_inputs_fail_before_anything_is_stored(settings, embed, tmp_path):
    services = make_services(settings, embed, counting_engine())
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    with pytest.raises(MethodologyError, match=r"unknown methodology 'nope'; known: .*bant.*discovery"):
        review_file(path, services, "nope")
    with pytest.raises(InputError, match="no such file"):
        review_file(tmp_path / "missing.json", services, "bant")
    assert services.store.list_calls() == []


def test_an_llm_failure_saves_no_review_and_a_retry_works(settings, embed, tmp_path):
    broken = counting_engine(unreachable=True)
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    services = make_services(settings, embed, broken)
    with pytest.raises(LLMError, match="unreachable"):
        review_file(path, services, "bant")
    [call] = services.store.list_calls()
    assert services.store.latest_review(call.id) is None
    engine = counting_engine()
    result = review_file(path, make_services(settings, embed, engine), "bant")
    assert not result.cached and result.call_id == call.id and asked(engine)


def test_a_call_where_every_criterion_is_not_applicable_still_gets_a_review(settings, embed, tmp_path):
    services = make_services(settings, embed, counting_engine(not_applicable=True))
    result = review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"), services, "bant")
    assert {c.verdict for c in result.scorecard.criteria} == {"not_applicable"}
    assert result.draft.agenda


def test_a_recording_is_hashed_once_per_review(settings, embed, tmp_path, monkeypatch):
    """The pipeline hashes the recording and hands that hash to the decoder, which does not hash
    it again; the transcript and the stored call carry the same digest."""
    import hashlib

    from review import hashing, pipeline, transcribe
    from review.audio import decode

    recording = tmp_path / "call.wav"
    recording.write_bytes((CALLS.parent / "audio" / "stereo_two_speakers.wav").read_bytes())
    hashed: list[str] = []

    def counting_sha256_file(path):
        hashed.append(str(path))
        return hashing.sha256_file(path)

    def fake_transcribe(path, settings, channels="auto", rep_speaker=None, progress=None, sha256=None, **voice):
        decoded = decode(path, sha256=sha256)  # the real decoder, given the pipeline's hash
        transcript = dialogue_to_transcript(load_dialogue(CALLS / "hr_onboarding_weak.yaml"))
        return transcript.model_copy(update={"audio_sha256": decoded.sha256})

    monkeypatch.setattr(pipeline, "sha256_file", counting_sha256_file)
    monkeypatch.setattr("review.audio.sha256_file", counting_sha256_file)
    monkeypatch.setattr(transcribe, "transcribe_audio", fake_transcribe)
    result = review_file(recording, make_services(settings, embed, None), "bant")
    digest = hashlib.sha256(recording.read_bytes()).hexdigest()
    assert hashed.count(str(recording)) == 1  # (the coaching model files are hashed too)
    assert result.transcript.audio_sha256 == digest
    assert make_services(settings, embed, None).store.get_call(result.call_id).audio_sha256 == digest


def _endpoint(handler):
    import httpx2

    from review.llm import OpenAIChatEngine

    return OpenAIChatEngine("http://llm.example.test", "gpt-4o-mini", api_key="sk-test-pipeline-key-42",
                            max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


def test_an_endpoint_answering_html_marks_the_call_failed_with_a_clear_reason(settings, embed, tmp_path):
    import httpx2

    page = "<!DOCTYPE html><html><head><title>Welcome</title></head><body>It works!</body></html>"
    services = make_services(settings, embed, _endpoint(lambda request: httpx2.Response(
        200, headers={"content-type": "text/html; charset=utf-8"}, text=page)))
    with pytest.raises(LLMError) as err:
        review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"), services, "bant")
    assert "answered with HTML, not a chat completion" in str(err.value)
    [call] = services.store.list_calls()
    assert call.status == "failed" and "check CALLREVIEW_LLM_BASE_URL (it usually ends in /v1)" in call.error
    assert services.store.get_transcript(call.id) is not None  # kept for a retry


def test_an_error_body_echoing_the_key_reaches_neither_the_message_nor_the_store(settings, embed, tmp_path):
    import httpx2

    key = "sk-test-pipeline-key-42"
    echo = {"error": {"message": f"Bad header Authorization: Bearer {key} (key {key})", "type": "invalid_request"}}
    services = make_services(settings, embed, _endpoint(lambda request: httpx2.Response(
        400, headers={"content-type": "application/json"}, json=echo)))
    with pytest.raises(LLMError) as err:
        review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"), services, "bant")
    [call] = services.store.list_calls()
    assert call.status == "failed" and "refused the request (400" in call.error
    for text in (str(err.value), call.error):
        assert key not in text and "Bearer" not in text and "pipeline-key" not in text
