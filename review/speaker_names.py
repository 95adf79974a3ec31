"""Display names in exports: label -> name maps for a transcript or a scorecard's quotes, and quotes
relabelled in rendered text. The naming rule itself is review.speakers.display_name, the one rule for
the app and every export (Markdown, DOCX, PDF, CSV)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .speakers import display_name
from .types import Scorecard, Transcript

__all__ = ["relabel_quotes", "speaker_names"]


def speaker_names(source: Scorecard | Transcript | Iterable[tuple[str, str]], rep_name: str | None) -> dict[str, str]:
    """speaker label -> display name, for every speaker of a transcript, of a scorecard's evidence
    quotes, or of (label, role) pairs. Two customers both shown as "Customer" keep their labels apart
    ("Customer (speaker_2)") so quotes stay attributable."""
    if isinstance(source, Transcript):
        pairs: list[tuple[str, str]] = [(s.speaker, s.role) for s in source.segments]
    elif isinstance(source, Scorecard):
        pairs = [(q.speaker, q.role) for c in source.criteria for q in c.evidence]
    else:
        pairs = list(source)
    roles: dict[str, str] = {}
    for label, role in pairs:
        roles.setdefault(label, role)
    names = {label: display_name(label, role, rep_name) for label, role in roles.items()}
    shown = list(names.values())
    return {label: (f"{name} ({label})" if shown.count(name) > 1 else name) for label, name in names.items()}


def relabel_quotes(text: str, names: Mapping[str, str]) -> str:
    """Text with each quote's speaker label (`[mm:ss] speaker_1: "…"`, the review.render.format_quote
    shape) replaced by its display name; anything else is left as it is."""
    if not names:
        return text

    labels = "|".join(re.escape(label) for label in sorted(names, key=len, reverse=True))
    pattern = re.compile(r"(\[\d{1,2}(?::\d{2}){1,2}\] )(" + labels + r"): \u201c")
    return pattern.sub(lambda m: f"{m.group(1)}{names[m.group(2)]}: \u201c", text)
