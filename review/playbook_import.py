"""Compatibility entry point: a playbook's text -> a `Methodology` (see review.playbook)."""

from __future__ import annotations

from .playbook import PlaybookImportWarning, import_playbook
from .playbook.build import slugify, summarize_errors
from .playbook.wording import build_question
from .schema import Methodology

__all__ = ["PlaybookImportWarning", "build_question", "playbook_to_methodology", "slugify", "summarize_errors"]


def playbook_to_methodology(text: str, source_name: str, engine=None) -> Methodology:
    """The methodology of a Markdown or plain-text playbook (review.playbook.import_playbook)."""
    return import_playbook(text.encode("utf-8"), source_name, engine=engine).methodology
