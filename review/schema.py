"""Schema of methodology files (`methodology/*.yaml`) and coaching-model files (`coaching/*.yaml`).

Methodology files are written by enablement leads, so every model forbids unknown keys: a
misspelled key is an error that names the field, never a silently ignored setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SLUG = r"^[a-z0-9][a-z0-9_\-]*$"
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


class Criterion(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    section: str
    question: str  # the question a reviewer answers, phrased as an observable check
    shown_by: ShownBy = "rep"
    levels: list[Level] = Field(min_length=2)
    good_examples: list[str] = Field(default_factory=list)
    poor_examples: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)  # phrases/regexes that signal evidence
    needs_question: bool = False  # evidence must be a question asked by `shown_by`
    weight: float = Field(default=1.0, gt=0)
    target_level: int | None = None  # the objective; defaults to the top level
    coaching: CriterionCoaching

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


class Methodology(_Strict):
    id: str = Field(pattern=SLUG)
    name: str
    version: str
    description: str
    source: str = ""  # where the methodology comes from (book, vendor, team)
    sections: list[Section] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)

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
