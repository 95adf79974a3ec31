"""The coaching models in coaching/*.yaml: they validate, hold the seed's structure, and a broken
file is one MethodologyError naming the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from review.coaching_models import SLED_TITLES, load_coaching_models
from review.errors import MethodologyError
from review.resources import coaching_dir


@pytest.fixture
def copy_dir(tmp_path) -> Path:
    folder = tmp_path / "coaching"
    shutil.copytree(coaching_dir(), folder)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    path = folder / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_shipped_models_load_and_are_cached():
    models = load_coaching_models()
    assert models is load_coaching_models()
    assert [(p.key, p.title) for p in models.sled.parts] == list(SLED_TITLES.items())
    assert list(SLED_TITLES.values()) == [
        "Set the Stage",
        "Lead the Performance Analysis",
        "Explore Solution Options",
        "Develop the Action Plan",
    ]
    assert all(p.must_contain and p.guiding_questions and p.minutes > 0 for p in models.sled.parts)
    assert [p.key for p in models.roam.parts] == ["results", "objectives", "activities", "methodology"]
    bench = models.roam.activity_benchmarks
    assert (bench.talk_ratio_target, bench.talk_ratio_warning) == (0.43, 0.65)
    assert (bench.question_count_min, bench.question_count_max) == (11, 14)
    chart = models.solution_chart
    assert sorted(s.key for s in chart.solutions) == ["coaching", "feedback", "other", "training"]
    assert chart.option("training").model == "field_training" and chart.option("coaching").model == "sales_coaching"
    assert "reasonable reading" in chart.note
    assert all(s.signals and len(s.questions) >= 2 for s in chart.solutions)
    assert [s.key for s in models.field_training.steps] == ["tell", "show", "do", "review"]
    assert [s.key for s in models.sales_coaching.steps] == ["engage", "diagnose", "plan", "do", "review"]
    assert models.sales_coaching.engage_questions


def test_misspelled_key_names_file_and_field(copy_dir):
    _edit(copy_dir, "sled", lambda d: d["parts"][1].update(minuts=3))
    with pytest.raises(MethodologyError) as err:
        load_coaching_models(copy_dir)
    msg = str(err.value)
    assert "sled.yaml" in msg and "parts.1.minuts" in msg and "\n" not in msg


def test_reordered_or_renamed_sled_is_rejected(copy_dir):
    _edit(copy_dir, "sled", lambda d: d["parts"].reverse())
    with pytest.raises(MethodologyError, match="sled.yaml.*in this order"):
        load_coaching_models(copy_dir)


def test_renamed_sled_title_is_rejected(tmp_path, copy_dir):
    _edit(copy_dir, "sled", lambda d: d["parts"][0].update(title="Setting the stage"))
    with pytest.raises(MethodologyError, match="must be titled 'Set the Stage'"):
        load_coaching_models(copy_dir)


def test_solution_chart_needs_each_solution(copy_dir):
    _edit(copy_dir, "solution_chart", lambda d: d["solutions"].pop())
    with pytest.raises(MethodologyError, match="solution_chart.yaml.*each of training, coaching, feedback, other"):
        load_coaching_models(copy_dir)


def test_bad_value_type_names_field(copy_dir):
    _edit(copy_dir, "roam", lambda d: d["activity_benchmarks"].update(talk_ratio_warning="lots"))
    with pytest.raises(MethodologyError, match=r"roam.yaml: field 'activity_benchmarks.talk_ratio_warning'"):
        load_coaching_models(copy_dir)


def test_invalid_yaml_and_missing_file(copy_dir):
    (copy_dir / "field_training.yaml").write_text("steps: [tell\n  - show", encoding="utf-8")
    with pytest.raises(MethodologyError, match=r"field_training.yaml:\d+: invalid YAML"):
        load_coaching_models(copy_dir)
    (copy_dir / "field_training.yaml").unlink()
    with pytest.raises(MethodologyError, match="field_training.yaml is missing"):
        load_coaching_models(copy_dir)


def test_sales_coaching_must_start_with_engage(copy_dir):
    _edit(copy_dir, "sales_coaching", lambda d: d["steps"].pop(0))
    with pytest.raises(MethodologyError, match="start with engage"):
        load_coaching_models(copy_dir)
