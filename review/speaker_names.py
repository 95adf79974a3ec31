"""Display names in exports: label -> name maps for a transcript or a scorecard's quotes, and quotes
relabelled in rendered text. The naming rule itself is review.speakers.display_name (`names_of` for a
set of speakers), the one rule for the app and every export (Markdown, DOCX, PDF, CSV)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .speakers import names_of
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
    return names_of(pairs, rep_name)


def relabel_quotes(text: str, names: Mapping[str, str]) -> str:
    """Text with each quote's speaker label (`[mm:ss] speaker_1: "…"`, the review.render.format_quote
    shape) replaced by its display name; anything else is left as it is."""
    if not names:
        return text

    from .markdown_text import escape_markdown

    # a Markdown document carries the label escaped ("speaker\_1", review.render.format_quote)
    forms = {label: label for label in names} | {escape_markdown(label): label for label in names}
    labels = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    pattern = re.compile(r"(\[\d{1,2}(?::\d{2}){1,2}\] )(" + labels + r"): \u201c")
    # the name is escaped too: a speaker's name comes from the transcript, which is untrusted
    return pattern.sub(lambda m: f"{m.group(1)}{escape_markdown(names[forms[m.group(2)]])}: \u201c", text)
