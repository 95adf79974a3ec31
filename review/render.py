"""Exports: the coaching agenda and scorecard as Markdown, CSV and JSON, and the quote format they
share (`format_quote`).

Text files are written atomically (a temp file in the same folder, then `os.replace`), so a failed
export never leaves half a file where the previous one was. DOCX and PDF live in
review.render_docs.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .markdown_text import escape_markdown
from .render_docs import write_export
from .snippets import cut_at_word
from .timefmt import clock
from .types import CoachingDraft, EvidenceQuote, Scorecard

__all__ = [
    "CSV_COLUMNS", "OVERRIDE_COLUMNS", "QuotedMoment", "actions_table", "agenda_to_markdown", "csv_safe",
    "format_quote", "prep_note_to_markdown", "quoted_moments",
    "scorecard_to_csv", "scorecard_to_json", "scorecard_to_markdown", "timestamp", "write_text_atomic",
]


def timestamp(seconds: float) -> str:
    """`[mm:ss]` (or `[h:mm:ss]` past an hour) for a position in the call."""
    return f"[{clock(seconds)}]"


@dataclass(frozen=True)
class QuotedMoment:
    """A moment of the call quoted in a text: where it is, who said it and what (as written there,
    Markdown-escaped in a Markdown document)."""

    seconds: float
    speaker: str
    quote: str


_QUOTED = re.compile(r"\[(\d{1,2}(?::\d{2}){1,2})\] ([^\n\u201c\[\]]{1,120}?): \u201c([^\u201d\n]*)")


def quoted_moments(text: str) -> list[QuotedMoment]:
    """The moments a text quotes in format_quote's shape (`[mm:ss] speaker: “quote”`), in the order
    they first appear, each time once; a stamp that is not a time (`[99:99]`) is skipped.

    text: an agenda part or prep note, as drafted or as the manager edited it.
    """
    from .timefmt import parse_clock

    seen: set[float] = set()
    out = []
    for match in _QUOTED.finditer(text or ""):
        try:
            seconds = parse_clock(match.group(1))
        except ValueError:
            continue
        if seconds not in seen:
            seen.add(seconds)
            out.append(QuotedMoment(seconds, match.group(2).strip(), match.group(3).strip()))
    return out


def format_quote(q: EvidenceQuote, limit: int | None = None, markdown: bool = False,
                 names: Mapping[str, str] | None = None) -> str:
    """One evidence moment: timestamp, speaker and the verbatim quote.

    q: the quote. limit: cut a longer quote at a word boundary and mark the cut with an ellipsis
    (what remains is still verbatim); None keeps it whole. markdown: for a Markdown document, the
    speaker and quote are escaped (review.markdown_text), so what was said is never rendered.
    names: speaker label -> display name (review.speaker_names.speaker_names); a label not in it
    is shown as is.
    """
    text = q.quote if limit is None else cut_at_word(q.quote, limit)
    speaker = names.get(q.speaker, q.speaker) if names else q.speaker
    if markdown:
        text, speaker = escape_markdown(text), escape_markdown(speaker)
    return f"{timestamp(q.start)} {speaker}: \u201c{text}\u201d"


# --------------------------------------------------------------------------- Markdown


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "/")


def _demote(markdown: str, levels: int) -> str:
    return re.sub(r"^(#{1,6}) ", lambda m: "#" * min(6, len(m.group(1)) + levels) + " ", markdown, flags=re.M)


def prep_note_to_markdown(
    draft: CoachingDraft, scorecard: Scorecard | None = None, call_title: str | None = None
) -> str:
    """The one-page prep note on its own, for the manager (it carries its own heading and names the
    call): the note, then the ROAM diagnosis.

    draft: the coaching draft. scorecard and call_title: when a title is given, a line with it
    (and the scoring date, from the scorecard) goes under the heading.
    """
    note = draft.prep_note_markdown.strip()
    if call_title:
        head, _, rest = note.partition("\n")
        when = f", scored {scorecard.provenance.created_at[:10]}" if scorecard is not None else ""
        note = f"{head}\n\n*{call_title}{when}*\n{rest}"
    missing = [w for w in draft.warnings if w not in note]
    if missing:
        head, _, rest = note.partition("\n")
        note = head + "\n\n" + "\n".join(f"> **Warning:** {w}\n" for w in missing) + rest
    if draft.roam and "**ROAM" not in note:
        note += "\n\n**ROAM:**\n\n" + "\n".join(f"- **{k.capitalize()}:** {v}" for k, v in draft.roam.items())
    return note + "\n"


def actions_table(draft: CoachingDraft, scorecard: Scorecard | None = None) -> list[str]:
    """The action plan as Markdown table lines (the criterion to watch by name, not id)."""
    names = {c.id: c.name for c in scorecard.criteria} if scorecard is not None else {}
    names[draft.focus_criterion_id] = draft.focus_criterion_name
    lines = ["| Action | Owner | Due | Criterion to watch |", "|---|---|---|---|"]
    lines += [f"| {_cell(a.action)} | {_cell(a.owner)} | {a.due} | "
              f"{_cell(names.get(a.watch_criterion or '', a.watch_criterion or ''))} |" for a in draft.actions]
    return lines


def agenda_to_markdown(
    draft: CoachingDraft, scorecard: Scorecard, call_title: str | None = None, include_prep_note: bool = False
) -> str:
    """The SLED coaching agenda as one Markdown document, written for the rep to read.

    draft: the coaching draft. scorecard: the scorecard it was drafted from, with the manager's
    overrides applied (header facts). call_title: a human title of the call, shown in the header.
    include_prep_note: append the manager's prep note as the last section (not for the rep).
    """
    p = scorecard.provenance
    call = f"{call_title} (scored {p.created_at[:10]})" if call_title else f"scored {p.created_at[:10]}"
    lines = [f"# Coaching session: {draft.focus_criterion_name}", ""]
    lines += [f"> **Warning:** {w}\n" for w in draft.warnings]
    lines += [
        f"- **Rep:** {draft.rep or 'not named'}",
        f"- **Call:** {call}",
        f"- **Score:** {scorecard.total_score:g}/{scorecard.total_max:g} ({scorecard.total_percent:.0f}%) on "
        f"{scorecard.methodology_name}",
        f"- **Focus:** {draft.focus_criterion_name} \u2014 {draft.pattern}",
        "",
    ]
    develop = next((s for s in draft.agenda if s.key == "develop_plan"), None)
    table_in_text = develop is not None and "| Action |" in develop.body_markdown
    for i, section in enumerate(draft.agenda, 1):
        lines += [f"## {i}. {section.title} ({section.minutes} min)", ""]
        if section.key == "develop_plan" and draft.actions and not table_in_text:
            lines += [*actions_table(draft, scorecard), ""]
        lines += [section.body_markdown.strip(), ""]
    if draft.actions and develop is None:
        lines += ["## Action plan", "", *actions_table(draft, scorecard), ""]
    if include_prep_note:
        lines += ["## Prep note", "", _demote(prep_note_to_markdown(draft).strip(), 2), ""]
    return "\n".join(lines)


def scorecard_to_markdown(scorecard: Scorecard, call_title: str | None = None,
                          names: Mapping[str, str] | None = None) -> str:
    """The scorecard as Markdown: totals, sections, each criterion with its quotes, metrics, provenance.

    scorecard: the scorecard (overrides applied, if any: review.overrides). call_title: a human
    title of the call for the heading. names: speaker label -> display name (review.speaker_names).
    """
    names = names or {}
    p = scorecard.provenance
    lines = [
        f"# Scorecard: {call_title or scorecard.methodology_name}",
        "",
        f"**Total:** {scorecard.total_score:g}/{scorecard.total_max:g} ({scorecard.total_percent:.0f}%) \u2014 "
        f"{scorecard.methodology_name} {p.methodology_version}; {p.engine_label}",
        "",
    ]
    if scorecard.sections:
        lines += ["| Section | Score | Percent |", "|---|---|---|"]
        lines += [
            f"| {_cell(s.section)} | {s.score:g}/{s.max_score:g} | {s.percent:.0f}% |" for s in scorecard.sections
        ]
        lines.append("")
    lines += ["## Criteria", ""]
    for c in scorecard.criteria:
        lines += [f"### {escape_markdown(c.name)} \u2014 {c.score}/{c.max_score} ({c.verdict.replace('_', ' ')})",
                  "", escape_markdown(c.rationale), ""]
        if c.ai_score is not None:
            note = f": {escape_markdown(c.manager_note)}" if c.manager_note else ""
            lines += [f"*Manager's score; the AI gave {c.ai_score}/{c.max_score} "
                      f"({(c.ai_verdict or '').replace('_', ' ')}){note}*", ""]
        lines += [f"- {format_quote(q, markdown=True, names=names)}" for q in c.evidence] or ["- No quote in this call."]
        if c.nearest is not None and not c.evidence:
            lines.append(f"- Closest moment the AI found, not counted: {format_quote(c.nearest, markdown=True, names=names)}")
        lines.append("")
    speakers = scorecard.metrics.speakers
    if speakers:
        lines += [
            "## Conversation metrics",
            "",
            "| Speaker | Talk ratio | Longest monologue | Questions | Words/min |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(names.get(n, n))} | {m.talk_ratio:.0%} | {m.longest_monologue_s:.0f} s | {m.question_count} | "
            f"{m.words_per_minute:.0f} |"
            for n, m in speakers.items()
        ]
        patience = "n/a" if scorecard.metrics.patience_s is None else f"{scorecard.metrics.patience_s:.1f} s"
        lines += ["", f"Interactivity {scorecard.metrics.interactivity:.1f} switches/min; patience {patience}.", ""]
    names = {c.id: c.name for c in scorecard.criteria}
    if scorecard.strengths or scorecard.gaps:
        lines += [
            "## Strengths and gaps",
            "",
            f"- **Strengths:** {', '.join(names.get(i, i) for i in scorecard.strengths) or 'none'}",
            f"- **Gaps:** {', '.join(names.get(i, i) for i in scorecard.gaps) or 'none'}",
            "",
        ]
    if scorecard.flags:
        lines += ["## Flags", "", *[f"- {f}" for f in scorecard.flags], ""]
    lines += [
        "## Provenance",
        "",
        f"- Engine: {p.engine_label}" + (f" ({p.model})" if p.model else ""),
        f"- Methodology: {p.methodology_id} {p.methodology_version} (sha256 {p.methodology_sha256[:12]})",
        f"- Prompt: {p.prompt_version or 'none'}; transcript sha256 {p.transcript_sha256[:12]}; created {p.created_at}",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CSV / JSON

CSV_COLUMNS = ["id", "name", "section", "score", "max_score", "verdict", "evidence", "rationale"]
OVERRIDE_COLUMNS = ["ai_score", "ai_verdict", "manager_note"]


# OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula
# (=HYPERLINK(...) phones home, @SUM(...) runs). Such cells get a leading apostrophe, which
# spreadsheets show as text; a plain number ("-1", "+2.5") cannot be a formula and is kept.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def csv_safe(value: object) -> object:
    """`value` made safe for a spreadsheet cell: text starting with = + - @ tab or CR is prefixed with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _effective(scorecard: Scorecard, overrides: Mapping[str, object] | None) -> Scorecard:
    from .overrides import apply_overrides

    return apply_overrides(scorecard, overrides)


def scorecard_to_csv(scorecard: Scorecard, overrides: Mapping[str, object] | None = None,
                     names: Mapping[str, str] | None = None) -> str:
    """One row per criterion; evidence quotes joined as `[mm:ss] Speaker: "quote"` separated by " | ".
    Text cells that a spreadsheet would run as a formula are escaped (`csv_safe`).

    scorecard: the scorecard. overrides: optional manager overrides by criterion id (see
    review.overrides.apply_overrides); score and verdict are then the manager's where overridden,
    and the columns ai_score, ai_verdict, manager_note carry the AI's values beside them (empty
    where not overridden). An id that is not a criterion of the scorecard raises InputError.
    names: speaker label -> display name for the quotes (review.speaker_names.speaker_names).
    """
    scorecard = _effective(scorecard, overrides)
    extra = overrides is not None or any(c.ai_score is not None for c in scorecard.criteria)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + (OVERRIDE_COLUMNS if extra else []))
    for c in scorecard.criteria:
        row = [
            c.id,
            c.name,
            c.section,
            c.score,
            c.max_score,
            c.verdict,
            " | ".join(format_quote(q, names=names) for q in c.evidence),
            c.rationale,
        ]
        if extra:
            row += ["" if v is None else str(v) for v in (c.ai_score, c.ai_verdict, c.manager_note)]
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def override_verdict(score: int, max_score: int) -> str:
    """The verdict a manager's score implies (the scorer's rule, review.score.verdict_for)."""
    from .score import verdict_for

    return verdict_for(score, max_score)


def scorecard_to_json(scorecard: Scorecard, overrides: Mapping[str, object] | None = None) -> str:
    """The scorecard as indented JSON (the `scorecard.json` shape documented in README.md).

    overrides: optional manager overrides by criterion id (review.overrides.apply_overrides): the
    JSON is then the effective scorecard (the manager's scores, totals recomputed) and each
    overridden criterion carries `ai_score`, `ai_verdict` and `manager_note` beside them.
    """
    data = _effective(scorecard, overrides).model_dump(mode="json", exclude_none=False)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to `path` atomically (for agenda.md, prep_note.md, CSV exports).

    path: the file to write; its folder must exist. text: the content.
    """
    return write_export(path, text)
