"""A playbook's text -> a `Methodology`, the one-call form tests and benchmarks use.

The runtime entry point is `review.playbook.import_playbook` (bytes in, an import report out).
"""

from __future__ import annotations

from review.playbook import import_playbook
from review.schema import Methodology


def playbook_to_methodology(text: str, source_name: str, engine=None) -> Methodology:
    """The methodology of a Markdown or plain-text playbook (review.playbook.import_playbook)."""
    return import_playbook(text.encode("utf-8"), source_name, engine=engine).methodology
