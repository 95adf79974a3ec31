"""The methodology draft: what a playbook says, before ids, levels and coaching text are added.

Both readers produce it: the rule-based interpreter (review.playbook.interpret) and the LLM
(review.playbook.llm_import, as structured output). One builder (review.playbook.build) turns
either into a `Methodology`, so an LLM's draft is validated exactly like any methodology file.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriterionDraft(_Strict):
    """One observable check the team scores calls against."""

    name: str = Field(description="the check's short name as the playbook words it, e.g. 'Upfront contract'")
    question: str = Field(description="a yes/no check phrased 'Did the rep ...?'")
    description: str = Field(default="", description="what good looks like, in the playbook's words")
    good_examples: list[str] = Field(default_factory=list,
                                     description="phrases the playbook gives as good examples, verbatim")
    poor_examples: list[str] = Field(default_factory=list,
                                     description="phrases the playbook says to avoid, verbatim")
    levels: list[str] = Field(default_factory=list,
                              description="the playbook's own score levels for this check, lowest first "
                                          "('0 = never asks' -> 'never asks'); empty when it gives none")
    weight: float | None = Field(default=None, description="the points or weight the playbook gives this check "
                                                           "(a Points / Weight column); null when it gives none")
    done_or_not: bool = Field(default=False, description="true when the playbook scores this check done / not "
                                                         "done for its points (a Points column), not on a scale")


class SectionDraft(_Strict):
    """A stage or topic of the call, holding its checks."""

    name: str = Field(description="the stage or topic name, e.g. 'Opening'")
    description: str = ""
    criteria: list[CriterionDraft] = Field(min_length=1)


class MethodologyDraft(_Strict):
    """A team playbook as sections of checks (quoted example lines are examples, never checks)."""

    name: str = Field(description="the playbook's title")
    description: str = Field(default="", description="the playbook's introduction, one or two sentences")
    sections: list[SectionDraft] = Field(min_length=1)
