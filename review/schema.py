"""Schema of methodology files (`methodology/*.yaml`) and coaching-model files (`coaching/*.yaml`).

Methodology files are written by enablement leads, so every model forbids unknown keys: a
misspelled key is an error that names the field, never a silently ignored setting.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .keywords import keyword_problem

SLUG = r"^[a-z0-9][a-z0-9_\-]*$"
# Limits on one methodology (documented in methodology/README.md): far above any real rubric, low
# enough that a hostile or broken file cannot make validation or a review slow.
MAX_SECTIONS = 50
MAX_CRITERIA = 200
MAX_LEVELS = 11  # scores 0..10
MAX_KEYWORDS = 50  # per criterion
MAX_EXAMPLES = 50  # good_examples / poor_examples per criterion
MAX_WEIGHT = 100.0
ShownBy = Literal["rep", "customer", "either"]
Solution = Literal["training", "coaching", "feedback", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Level(_Strict):
    score: int = Field(ge=0)
    label: str
    description: str


class CriterionCoaching(_Strict):
    usual_cause: str  # the usual reason reps miss this criterion
    drill: str  # a practice exercise for it
    likely_solution: Solution = "coaching"


def _criterion_label(info: ValidationInfo) -> str:
    return f"criterion '{info.data.get('id', '?')}'"


class Criterion(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    section: str
    question: str  # the question a reviewer answers, phrased as an observable check
    shown_by: ShownBy = "rep"
    levels: list[Level] = Field(min_length=2, max_length=MAX_LEVELS)
    good_examples: list[str] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    poor_examples: list[str] = Field(default_factory=list, max_length=MAX_EXAMPLES)
    keywords: list[str] = Field(default_factory=list, max_length=MAX_KEYWORDS)  # regexes that signal evidence
    needs_question: bool = False  # evidence must be a question asked by `shown_by`
    weight: float = 1.0  # checked below: finite, above 0, at most MAX_WEIGHT
    target_level: int | None = None  # the objective; defaults to the top level
    coaching: CriterionCoaching

    @field_validator("name", "question")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"{_criterion_label(info)}: {info.field_name} is empty; write one")
        return value

    @field_validator("keywords")
    @classmethod
    def _safe_keywords(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for pattern in value:
            problem = keyword_problem(pattern)
            if problem:
                shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
                raise ValueError(f"{_criterion_label(info)}: keyword {shown!r} {problem}")
        return value

    @field_validator("weight", mode="before")
    @classmethod
    def _weight_is_a_number(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, bool):  # YAML's yes/true would count as 1
            raise ValueError(f"{_criterion_label(info)}: weight {str(value).lower()} is not a number; use a number "
                             f"above 0 and at most {MAX_WEIGHT:g} (1 is normal, 2 counts double)")
        return value

    @field_validator("weight")
    @classmethod
    def _sane_weight(cls, value: float, info: ValidationInfo) -> float:
        if not math.isfinite(value) or not 0 < value <= MAX_WEIGHT:
            raise ValueError(
                f"{_criterion_label(info)}: weight {value!r} is not allowed; use a number above 0 and at "
                f"most {MAX_WEIGHT:g} (1 is normal, 2 counts double)"
            )
        return value

    @model_validator(mode="after")
    def _levels_contiguous(self) -> Criterion:
        scores = [lv.score for lv in self.levels]
        if scores != list(range(len(scores))):
            raise ValueError(
                f"criterion '{self.id}': levels must be scored 0, 1, 2, ... in order (got {scores})"
            )
        if self.target_level is not None and self.target_level > scores[-1]:
            raise ValueError(f"criterion '{self.id}': target_level {self.target_level} is above the top level")
        return self

    @property
    def max_score(self) -> int:
        return self.levels[-1].score

    @property
    def target(self) -> int:
        return self.max_score if self.target_level is None else self.target_level


class Section(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    description: str = ""

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError(f"section '{info.data.get('id', '?')}': name is empty; write one")
        return value


class Methodology(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    version: str
    description: str
    source: str = ""  # where the methodology comes from (book, vendor, team)
    sections: list[Section] = Field(min_length=1, max_length=MAX_SECTIONS)
    criteria: list[Criterion] = Field(min_length=1, max_length=MAX_CRITERIA)

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the methodology's name is empty; write one")
        return value

    @model_validator(mode="after")
    def _references(self) -> Methodology:
        section_ids = [s.id for s in self.sections]
        dup = {s for s in section_ids if section_ids.count(s) > 1}
        if dup:
            raise ValueError(f"duplicate section id(s): {', '.join(sorted(dup))}")
        ids = [c.id for c in self.criteria]
        dup = {c for c in ids if ids.count(c) > 1}
        if dup:
            raise ValueError(f"duplicate criterion id(s): {', '.join(sorted(dup))}; give each criterion its own id")
        for c in self.criteria:
            if c.section not in section_ids:
                raise ValueError(
                    f"criterion '{c.id}' names section '{c.section}', which is not in sections "
                    f"({', '.join(section_ids)})"
                )
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)
