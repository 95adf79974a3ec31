"""What makes a stored review stale: the rep's history and the coaching models, not only the call."""

from types import SimpleNamespace

import pytest
from test_pipeline import counting_engine, make_services, transcript_file

from review.errors import LLMError
from review.pipeline import cache_key, review_file


def _earlier(sha, when):
    return SimpleNamespace(provenance=SimpleNamespace(transcript_sha256=sha, created_at=when))


def test_a_new_earlier_call_of_the_rep_changes_the_key(settings, embed, tmp_path):  # noqa: F811
    from conftest import DATA

    from testkit.dialogue import dialogue_to_transcript, load_dialogue

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
    broken = counting_engine(unreachable=True)
    services = make_services(settings, embed, broken)
    with pytest.raises(LLMError):
        review_file(transcript_file(tmp_path / "calls", "hr_onboarding_weak"), services, "bant")
    [call] = services.store.list_calls()
    assert call.status == "failed" and "unreachable" in call.error
    assert services.store.get_transcript(call.id) is not None  # the transcript is kept for a retry


def test_cli_out_folder_that_cannot_be_written_is_one_line(settings, tmp_path, capsys):
    from review.cli import main

    src = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be")
    code = main(["review", str(src), "--methodology", "bant", "--out", str(blocker / "sub")])
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("callreview:")]
    assert code == 2 and len(errors) == 1 and "choose another --out folder" in errors[0]
    err = "\n".join(errors)
    assert "Traceback" not in err


def test_cli_folder_gives_calls_with_the_same_name_their_own_output(settings, tmp_path, capsys):
    import shutil

    from review.cli import main

    calls = tmp_path / "calls"
    calls.mkdir()
    shutil.copy(transcript_file(tmp_path / "src", "hr_onboarding_weak"), calls / "call.json")
    (calls / "call.txt").write_text(
        "Alex: Hi, thanks for joining, here is the agenda for today.\\nJordan: Sounds good.\\n", encoding="utf-8")
    code = main(["review", str(calls), "--methodology", "bant", "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "out" / "call_json" / "scorecard.json").is_file()
    assert (tmp_path / "out" / "call_txt" / "scorecard.json").is_file()


def test_reviewing_a_stored_call_again_with_a_rep_names_the_rep(settings, embed, tmp_path):  # noqa: F811
    services = make_services(settings, embed, None)
    path = transcript_file(tmp_path / "calls", "hr_onboarding_weak")
    first = review_file(path, services, "bant")
    assert services.store.get_call(first.call_id).rep is None
    again = review_file(path, services, "bant", rep="Sam", call_date="2026-03-10")
    call = services.store.get_call(first.call_id)
    assert again.call_id == first.call_id and (call.rep, call.call_date) == ("Sam", "2026-03-10")
    assert services.store.reps() == ["Sam"]
