"""benchmarks/agreement.py runs from the repository with the offline judge and with an LLM engine
behind the seam (a fake here), on the committed real dialogues; without an endpoint `--engine openai`
says so in one line."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "persuasion"


@pytest.fixture(scope="module")
def agreement():
    spec = importlib.util.spec_from_file_location("agreement_benchmark", REPO / "benchmarks" / "agreement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def present_everywhere():
    """An LLM engine at the seam (tests/fakes) that finds every criterion met citing the call's first
    turn (always shown: every turn is)."""
    from fakes import fake_engine
    from test_score import asked_ids

    def answer(request):
        return {"criteria": [{"id": i, "score": 1, "verdict": "met", "rationale": "fake",
                              "evidence": [{"segment_id": 0, "quote": ""}]} for i in asked_ids(request.schema)]}

    return fake_engine(default=answer, local=True)


def test_the_llm_engine_is_measured_with_the_same_tables(agreement, settings, capsys, tmp_path):
    from fakes import requests_of

    engine = present_everywhere()
    code = agreement.main(["--sets", "real", "--quick", "--persuasion", str(DATA), "--cache", str(tmp_path / "c.pkl")],
                          engine=engine)
    out = capsys.readouterr().out
    assert code == 0 and len(requests_of(engine)) >= 20
    assert "engine: fake" in out and "reporting half: 20 dialogues" in out
    rows = [line for line in out.splitlines() if line.split() and line.split()[0] in {
        "proposition-of-donation", "credibility-appeal", "personal-story"}]
    assert len(rows) == 3 and all(line.split()[1] == "20" for line in rows)
    assert "MEAN kappa over criteria" in out


def test_the_offline_judge_on_the_real_subset_beats_chance(agreement, settings, capsys, tmp_path):
    code = agreement.main(["--sets", "real", "--quick", "--persuasion", str(DATA), "--cache", str(tmp_path / "c.pkl")])
    out = capsys.readouterr().out
    assert code == 0 and "engine: rules + judge" in out
    mean = float(next(line for line in out.splitlines() if line.startswith("MEAN kappa")).split()[-1])
    assert mean > 0.2, out
    assert (tmp_path / "c.pkl").is_file()  # the sentence vectors are cached for the next run


def test_openai_without_an_endpoint_is_skipped_in_one_line(agreement, settings, capsys):
    assert agreement.main(["--engine", "openai"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.count("\n") == 0 and "CALLREVIEW_LLM_BASE_URL" in out and "skipped" in out


def test_the_simulated_manager_marks_the_lead_quote_or_every_quote(agreement):
    """--marks lead|all: the learning curve's manager marks the judge's lead quote, or every quote it cited
    (right when the turn holds a sentence labelled with the strategy), and overrides from the labels."""
    from review.judge import Judgement
    from review.types import Segment, Transcript, TranscriptSource

    transcript = Transcript(segments=[Segment(id=i, start=float(i), end=i + 1.0, speaker="speaker_1", role="rep",
                                              text=f"turn {i}") for i in range(4)],
                            source=TranscriptSource(file="d1.txt", format="text"))

    class Labels:
        def present(self, dialogue_id, strategy):
            return strategy == "emotion-appeal"

        def turn_holds(self, dialogue_id, text, strategy):
            return text in ("turn 1", "turn 3")

    judgements = {"emotion": Judgement("emotion", True, 0.9, [2, 1, 3], "turn 2", []),
                  "logic": Judgement("logic", False, 0.1, [0], "turn 0", [])}
    strategies = {"emotion": "emotion-appeal", "logic": "logical-appeal"}
    lead = agreement.manager_feedback(Labels(), "d1", transcript, judgements, strategies)
    every = agreement.manager_feedback(Labels(), "d1", transcript, judgements, strategies, quotes=None)
    assert (lead["emotion"].present, lead["emotion"].right, lead["emotion"].wrong) == (True, [], [2])
    assert (every["emotion"].right, every["emotion"].wrong) == ([1, 3], [2])
    assert (every["logic"].present, every["logic"].right, every["logic"].wrong) == (False, [], [])
    # --marks missed: the lead quote was wrong, so the manager adds the first turn that shows it
    missed = agreement.manager_feedback(Labels(), "d1", transcript, judgements, strategies, missed=True)
    assert (missed["emotion"].right, missed["emotion"].wrong) == ([1], [2]) and missed["logic"].right == []
    # --marks nearest: a criterion found absent has its closest moment marked right when it shows it
    judgements["logic"] = Judgement("logic", False, 0.1, [3], "turn 3", [])
    nearest = agreement.manager_feedback(Labels(), "d1", transcript, judgements, strategies, nearest=True)
    assert (nearest["logic"].present, nearest["logic"].right, nearest["logic"].wrong) == (False, [3], [])
    assert (nearest["emotion"].right, nearest["emotion"].wrong) == ([], [2])  # present: only its lead quote
    judgements["logic"] = Judgement("logic", False, 0.1, [0], "turn 0", [])
    assert agreement.manager_feedback(Labels(), "d1", transcript, judgements, strategies,
                                      nearest=True)["logic"].right == []  # it does not show it: nothing marked


def test_a_set_kept_apart_is_scored_whole(agreement, settings, capsys, tmp_path):
    """--half all: every dialogue of the set is scored (a set nothing was tuned on)."""
    import json

    labels = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
    code = agreement.main(["--sets", "real", "--quick", "--half", "all", "--persuasion", str(DATA),
                           "--cache", str(tmp_path / "c.pkl")])
    out = capsys.readouterr().out
    expected = min(40, len(labels))
    assert code == 0 and f"every dialogue: {expected} dialogues (for a set kept apart" in out
    rows = [line for line in out.splitlines() if line.split() and line.split()[0] == "credibility-appeal"]
    assert rows and rows[0].split()[1] == str(expected)


def test_the_learning_curve_sizes_are_chosen_and_checked(agreement, settings, capsys, tmp_path):
    """--curve: the sizes a team asks for (e.g. up to every tuning dialogue), in order, each once;
    sizes the tuning half cannot give are one line that says what to give."""
    assert agreement.curve_sizes("50,0,5,5,133", 133) == (0, 5, 50, 133)
    for bad in ("5,x", "0,134", "-1", ","):
        with pytest.raises(SystemExit, match="--curve"):
            agreement.curve_sizes(bad, 133)
    # the committed subset holds reporting dialogues only: N = 0 is the curve it can draw
    code = agreement.main(["--sets", "curve", "--curve", "0", "--persuasion", str(DATA),
                           "--cache", str(tmp_path / "c.pkl")])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and [r[0] for r in rows if len(r) == 6 and r[0].isdigit()] == ["0"]
    with pytest.raises(SystemExit, match="--curve '5': sizes go from 0 to 0"):
        agreement.main(["--sets", "curve", "--curve", "5", "--persuasion", str(DATA), "--cache", str(tmp_path / "c.pkl")])


def test_evidence_precision_is_also_counted_where_the_verdict_is_right(agreement, capsys):
    """'prec' pays for every false "present"; 'right' asks only how well the quote was chosen where the
    humans agree the strategy is there."""
    table = agreement.Table()
    table.add("emotion-appeal", True, True, [True, False])  # right verdict, right lead quote
    table.add("emotion-appeal", True, True, [False])  # right verdict, wrong lead quote
    table.add("emotion-appeal", False, True, [False])  # a false "present": its quote cannot be right
    table.add("emotion-appeal", False, False, [])
    table.print("t")
    row = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("emotion-appeal"))
    assert row[4:] == ["33%", "25%", "50%"]  # prec, all, right
