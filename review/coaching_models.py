"""The seed's coaching models as data: SLED, ROAM, the Solution Chart, Field Training and Sales
Coaching, read from the repository's `coaching/*.yaml`.

The files are prose a manager or enablement lead may edit (questions, minutes, what each part
must contain), so they are validated strictly: an unknown key, a missing part or a reordered
SLED is a MethodologyError naming the file and the field, never a silently different agenda.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import MethodologyError
from .resources import coaching_dir
from .schema import Solution

SledKey = Literal["set_the_stage", "lead_analysis", "explore_options", "develop_plan"]
SLED_TITLES: dict[str, str] = {
    "set_the_stage": "Set the Stage",
    "lead_analysis": "Lead the Performance Analysis",
    "explore_options": "Explore Solution Options",
    "develop_plan": "Develop the Action Plan",
}
SOLUTIONS: tuple[str, ...] = ("training", "coaching", "feedback", "other")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- SLED


class SledPart(_Strict):
    key: SledKey
    title: str
    minutes: int = Field(gt=0, le=120)
    purpose: str
    must_contain: list[str] = Field(min_length=1)
    guiding_questions: list[str] = Field(min_length=1)


class Sled(_Strict):
    id: Literal["sled"]
    name: str
    source: str = ""
    parts: list[SledPart]

    @model_validator(mode="after")
    def _four_parts_in_order(self) -> Sled:
        keys = [p.key for p in self.parts]
        if keys != list(SLED_TITLES):
            raise ValueError(f"parts must be {', '.join(SLED_TITLES)} in this order (got {', '.join(keys)})")
        for part in self.parts:
            if part.title != SLED_TITLES[part.key]:
                raise ValueError(f"part '{part.key}' must be titled '{SLED_TITLES[part.key]}' (got '{part.title}')")
        return self

    def part(self, key: str) -> SledPart:
        return next(p for p in self.parts if p.key == key)


# --------------------------------------------------------------------------- ROAM


class RoamPart(_Strict):
    key: Literal["results", "objectives", "activities", "methodology"]
    name: str
    compares: str
    data_here: str


class ActivityBenchmarks(_Strict):
    talk_ratio_target: float = Field(gt=0, lt=1)
    talk_ratio_warning: float = Field(gt=0, le=1)
    talk_ratio_tolerance: float = Field(default=0.05, ge=0, lt=1)
    question_count_min: int = Field(ge=0)
    question_count_max: int = Field(ge=0)
    question_count_call_minutes: float = Field(default=45, gt=0)  # the call length min/max are for
    question_count_min_call_minutes: float = Field(default=10, ge=0)  # shorter calls get no question benchmark
    longest_monologue_warning_s: float = Field(gt=0)
    patience_target_s: float = Field(ge=0)
    patience_tolerance_s: float = Field(default=0.25, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> ActivityBenchmarks:
        if self.talk_ratio_warning <= self.talk_ratio_target:
            raise ValueError("talk_ratio_warning must be above talk_ratio_target")
        if self.question_count_max < self.question_count_min:
            raise ValueError("question_count_max must not be below question_count_min")
        return self


class Roam(_Strict):
    id: Literal["roam"]
    name: str
    source: str = ""
    parts: list[RoamPart]
    activity_benchmarks: ActivityBenchmarks

    @model_validator(mode="after")
    def _all_parts(self) -> Roam:
        keys = [p.key for p in self.parts]
        if keys != ["results", "objectives", "activities", "methodology"]:
            raise ValueError(
                f"parts must be results, objectives, activities, methodology in order (got {', '.join(keys)})"
            )
        return self

    def part(self, key: str) -> RoamPart:
        return next(p for p in self.parts if p.key == key)


# --------------------------------------------------------------------------- Solution Chart


class SolutionOption(_Strict):
    key: Solution
    cause: str
    signals: list[str] = Field(min_length=1)
    questions: list[str] = Field(min_length=1)
    what_to_do: str
    model: Literal["field_training", "sales_coaching"] | None = None


class SolutionChart(_Strict):
    id: Literal["solution_chart"]
    name: str
    note: str
    solutions: list[SolutionOption]

    @model_validator(mode="after")
    def _each_solution_once(self) -> SolutionChart:
        keys = [s.key for s in self.solutions]
        if sorted(keys) != sorted(SOLUTIONS):
            raise ValueError(f"solutions must hold each of {', '.join(SOLUTIONS)} once (got {', '.join(keys)})")
        return self

    def option(self, key: str) -> SolutionOption:
        return next(s for s in self.solutions if s.key == key)


# --------------------------------------------------------------------------- Field Training / Sales Coaching


class ModelStep(_Strict):
    key: str
    name: str
    manager_does: str


class FieldTraining(_Strict):
    id: Literal["field_training"]
    name: str
    style: Literal["directive"]
    source: str = ""
    steps: list[ModelStep]

    @model_validator(mode="after")
    def _tell_show_do_review(self) -> FieldTraining:
        keys = [s.key for s in self.steps]
        if keys != ["tell", "show", "do", "review"]:
            raise ValueError(f"steps must be tell, show, do, review in order (got {', '.join(keys)})")
        return self


class SalesCoaching(_Strict):
    id: Literal["sales_coaching"]
    name: str
    style: Literal["two-way"]
    source: str = ""
    engage_questions: list[str] = Field(min_length=1)
    steps: list[ModelStep]

    @model_validator(mode="after")
    def _starts_with_engage(self) -> SalesCoaching:
        keys = [s.key for s in self.steps]
        if not keys or keys[0] != "engage":
            raise ValueError(f"steps must start with engage (got {', '.join(keys) or 'none'})")
        return self


class CoachingModels(_Strict):
    sled: Sled
    roam: Roam
    solution_chart: SolutionChart
    field_training: FieldTraining
    sales_coaching: SalesCoaching


_FILES: dict[str, type[BaseModel]] = {
    "sled": Sled,
    "roam": Roam,
    "solution_chart": SolutionChart,
    "field_training": FieldTraining,
    "sales_coaching": SalesCoaching,
}


def _load_one(path: Path, model: type[BaseModel]) -> BaseModel:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MethodologyError(f"coaching model file {path} is missing; restore it from the repository") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MethodologyError(
            f"coaching model file {path} cannot be read ({type(exc).__name__}); save it as UTF-8 text"
        ) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise MethodologyError(f"{where}: invalid YAML ({problem}); fix the indentation or quoting there") from None
    if not isinstance(data, dict):
        raise MethodologyError(f"{path}: expected a YAML mapping at the top level; see coaching/README.md")
    try:
        return model(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        where = f"{path}: field '{field}'" if field else str(path)  # whole-file rules name their field in the message
        raise MethodologyError(f"{where}: {message}; see coaching/README.md") from None


@lru_cache(maxsize=8)
def _load_cached(folder: str) -> CoachingModels:
    base = Path(folder)
    loaded: dict[str, Any] = {name: _load_one(base / f"{name}.yaml", model) for name, model in _FILES.items()}
    return CoachingModels(**loaded)


def load_coaching_models(folder: str | Path | None = None) -> CoachingModels:
    """The five coaching models, validated; cached per folder (the files ship with the code).

    folder: where the `*.yaml` files are; default the coaching models shipped with callreview.
    Raises MethodologyError naming the file and field when a file is missing or invalid.
    """
    return _load_cached(str(Path(folder) if folder else coaching_dir()))
