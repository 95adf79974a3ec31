"""The optional LLM polish of a coaching draft: two paragraphs reworded and up to three questions.

What is sent is redacted for a non-local engine as the scoring prompt is (settings.redact, and with
settings.redact_names the speakers' and the rep's names and addresses); what comes back loses every
sentence that looks like a quote or a timestamp (`clean_model_text`): quotes and times in the agenda
come only from the scorecard. On any LLMError the caller keeps its template text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from . import snippets
from .errors import LLMError
from .markdown_text import escape_markdown

# Double quotes of any kind, single-quoted spans (not apostrophes: "rep's" stays), and times.
_QUOTE_OR_TIME = re.compile(
    r"[\"\u201c\u201d\u201e\u00ab\u00bb]|(?<!\w)['\u2018][^'\u2018\u2019]{3,}['\u2019](?!\w)|\b\d{1,2}:\d{2}\b"
)


# The model's answer to prompts/coach_agenda.yaml; its JSON schema is sent as response_format (a comment,
# not a docstring, which would be sent along as the schema's description).
class CoachingPolish(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lead_intro: str = Field(max_length=600)
    explore_intro: str = Field(max_length=600)
    rep_questions: list[Annotated[str, Field(max_length=200)]] = Field(max_length=3)


@dataclass
class Polished:
    """The cleaned reply: safe to put into the agenda's Markdown."""

    lead_intro: str
    explore_intro: str
    rep_questions: tuple[str, ...]


def clean_model_text(text: object, limit: int) -> str:
    """Model prose without any sentence that carries a quotation mark or a timestamp."""
    if not isinstance(text, str):
        return ""
    kept = [s for s in snippets.sentences(" ".join(text.split())) if not _QUOTE_OR_TIME.search(s)]
    return escape_markdown(  # it goes into the agenda's Markdown: never rendered
        " ".join(kept)[:limit].strip())


def polish(engine, values: dict[str, str], rep: str | None, moments: list[tuple[str, str, str]],
           speakers: list[str], usage=None, redact_on: bool = True, redact_names: bool = False) -> Polished | None:
    """Ask the engine to reword the draft; None when it fails (the template text stands).

    values: the prompt's other fields (methodology_name, focus_name, ...), nothing personal in them.
    rep: the rep's name or None. moments: (label, speaker, quote) of the key moments. speakers: the
    call's speaker labels (their names are masked with redact_names). usage: a UsageTally to add to.
    """
    from .prompts import load_prompt
    from .redact import name_parts, redact

    names = name_parts([*speakers, *(s for _, s, _ in moments), *([rep] if rep else [])]) if redact_names else ()

    def send(text: str) -> str:  # as the scoring prompt: nothing personal leaves for a remote endpoint
        if getattr(engine, "local", False) or not redact_on:
            return text
        return redact(text, names=names, addresses=redact_names)

    system, user = load_prompt("coach_agenda").render(
        **values, rep=send(rep) if rep else "the rep",
        moments="\n".join(send(f"{label}: {speaker}: {quote}") for label, speaker, quote in moments) or "(none)",
    )
    try:
        reply, used = engine.complete(system, user, CoachingPolish, "coach_agenda")
    except LLMError:
        return None
    if usage is not None:
        usage.add(used or {})
    questions = (clean_model_text(q, 200) for q in reply.rep_questions[:3])
    return Polished(clean_model_text(reply.lead_intro, 600), clean_model_text(reply.explore_intro, 600),
                    tuple(q for q in questions if q.endswith("?")))
