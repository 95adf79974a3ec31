"""What makes a stored review stale: the rep's history and the coaching models, not only the call."""

from types import SimpleNamespace

import pytest
from test_pipeline import CountingEngine, embed, make_services, transcript_file  # noqa: F401 (fixture)

from review.errors import LLMError
from review.pipeline import cache_key, review_file


def _earlier(sha, when):
    return SimpleNamespace(provenance=SimpleNamespace(transcript_sha256=sha, created_at=when))


def test_a_new_earlier_call_of_the_rep_changes_the_key(settings, embed, tmp_path):  # noqa: F811
    from conftest import DATA

    from review.dialogue import dialogue_to_transcript, load_dialogue

    transcript = dialogue_to_transcript(load_dialogue(DATA / "calls" / "hr_onboarding_weak.yaml"))
    services = make_services(settings, embed, None)
    alone = cache_key(transcript, "m1", services)
    assert alone == cache_key(transcript, "m1", services, [])
    one = cache_key(transcript, "m1", services, [_earlier("a", "2026-01-01")])
    two = cache_key(transcript, "m1", services, [_earlier("a", "2026-01-01"), _earlier("b", "2026-01-02")])
    assert len({alone, one, two}) == 3


def test_rereview_after_an_earlier_call_was_added_redrafts_the_pattern(settings, embed, tmp_path):  # noqa: F811
    services = make_services(settings, embed, None)
    later = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    first = review_file(later, services, "bant", rep="Sam", call_date="2026-03-10")
    assert "first reviewed call" in first.draft.pattern
    again = review_file(later, services, "bant", rep="Sam", call_date="2026-03-10")
    assert again.cached  # nothing changed: served from the store
    earlier = transcript_file(tmp_path / "calls", "logistics_dispatch_strong")
    review_file(earlier, services, "bant", rep="Sam", call_date="2026-03-01")
    redo = review_file(later, services, "bant", rep="Sam", call_date="2026-03-10")
    assert not redo.cached and "first reviewed call" not in redo.draft.pattern


def test_an_llm_failure_marks_the_call_failed_with_the_reason(settings, embed, tmp_path):  # noqa: F811
    broken = CountingEngine(fail_with=LLMError("LLM endpoint http://127.0.0.1:9/v1 is unreachable"))
    services = make_services(settings, embed, broken)
    with pytest.raises(LLMError):
        review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"), services, "bant")
    [call] = services.store.list_calls()
    assert call.status == "failed" and "unreachable" in call.error
    assert services.store.get_transcript(call.id) is not None  # the transcript is kept for a retry
