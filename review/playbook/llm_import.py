"""The LLM reads the playbook: structured output as a `MethodologyDraft`, then built and
validated like any methodology (review.playbook.build), re-asked once with the error, and
replaced by the rule-based reading (with a warning) when still unusable.

The engine contract is `engine.complete(system, user, output, name) -> (instance, usage)`, with
`output` a Pydantic model class (review.llm's seam).
"""

from __future__ import annotations

import warnings

from pydantic import ValidationError

from ..errors import MethodologyError
from ..prompts import load_prompt
from .build import PlaybookImport, build_methodology, summarize_errors
from .draft import MethodologyDraft
from .wording import is_quote_line


class PlaybookImportWarning(UserWarning):
    """The LLM's draft was unusable and the rule-based reading was used instead."""


def make_import_engine(settings):
    """The configured LLM engine for reading playbooks, or None for the rule-based import."""
    if settings.llm_engine == "rules":
        return None
    from ..llm import make_chat_engine

    return make_chat_engine(settings)


def _check(draft: MethodologyDraft) -> None:
    """What the schema cannot say: every criterion has a name, and no example became a criterion."""
    for s, section in enumerate(draft.sections):
        for c, criterion in enumerate(section.criteria):
            where = f"sections[{s}].criteria[{c}]"
            if not criterion.name.strip():
                raise ValueError(f"{where}.name is empty; every criterion needs its name")
            if is_quote_line(criterion.name):
                raise ValueError(f"{where}.name {criterion.name!r} is a quoted example phrase, not a "
                                 "criterion; put it in good_examples or poor_examples of its criterion")


def draft_with_engine(engine, text: str, source_name: str) -> PlaybookImport | None:
    """The engine's reading of a playbook, validated; None (with a warning) if still invalid
    after one re-ask that quotes the error.

    engine: implements `complete(system, user, output, name)`. text: the playbook as text.
    source_name: its file name.
    """
    prompt = load_prompt("import_playbook")
    system, user = prompt.render(source_name=source_name, playbook=text)
    model = getattr(engine, "model", None) or getattr(engine, "name", "") or "configured model"
    notes = [f"drafted by the LLM ({model}, prompt {prompt.id} v{prompt.version}): check every criterion "
             "before saving"]
    error = ""
    for attempt in (1, 2):
        try:
            draft, _usage = engine.complete(system, user, MethodologyDraft, "methodology_draft")
            if not isinstance(draft, MethodologyDraft):
                draft = MethodologyDraft.model_validate(draft)
            _check(draft)
            return build_methodology(draft, source_name, f"LLM ({model})", notes)
        except ValidationError as exc:
            error = summarize_errors(exc)
        except (ValueError, MethodologyError) as exc:
            error = str(exc)
        if attempt == 1:
            user = (f"{user}\n\nYour previous answer failed validation: {error}\n"
                    "Answer again with the complete corrected draft.")
    warnings.warn(
        f"{source_name}: the LLM's draft was still invalid after one retry ({error}); "
        "used the rule-based import instead — check the questions and examples",
        PlaybookImportWarning,
        stacklevel=3,
    )
    return None
