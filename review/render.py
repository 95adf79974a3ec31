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
from pathlib import Path

from .errors import InputError
from .markdown_text import escape_markdown
from .render_docs import write_export
from .timefmt import clock
from .types import CoachingDraft, EvidenceQuote, Scorecard

__all__ = [
    "CSV_COLUMNS", "OVERRIDE_COLUMNS", "agenda_to_markdown", "csv_safe", "format_quote", "prep_note_to_markdown",
    "scorecard_to_csv", "scorecard_to_json", "scorecard_to_markdown", "timestamp", "write_text_atomic",
]


def timestamp(seconds: float) -> str:
    """`[mm:ss]` (or `[h:mm:ss]` past an hour) for a position in the call."""
    return f"[{clock(seconds)}]"


def format_quote(q: EvidenceQuote, limit: int | None = None, markdown: bool = False) -> str:
    """One evidence moment: timestamp, speaker and the verbatim quote.

    q: the quote. limit: cut a longer quote at a word boundary and mark the cut with an ellipsis
    (what remains is still verbatim); None keeps it whole. markdown: for a Markdown document, the
    speaker and quote are escaped (review.markdown_text), so what was said is never rendered.
    """
    text = q.quote
    if limit is not None and len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " \u2026"
    speaker = q.speaker
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
    """The one-page prep note on its own (it carries its own heading and names the call).

    draft: the coaching draft. scorecard and call_title: when a title is given, a line with it
    (and the scoring date, from the scorecard) goes under the heading.
    """
    note = draft.prep_note_markdown.strip()
    if call_title:
        head, _, rest = note.partition("\n")
        when = f", scored {scorecard.provenance.created_at[:10]}" if scorecard is not None else ""
        note = f"{head}\n\n*{call_title}{when}*\n{rest}"
    return note + "\n"


def agenda_to_markdown(
    draft: CoachingDraft, scorecard: Scorecard, call_title: str | None = None, include_prep_note: bool = True
) -> str:
    """The SLED coaching agenda as one Markdown document.

    draft: the coaching draft. scorecard: the scorecard it was drafted from (header facts).
    call_title: a human title of the call, shown in the header. include_prep_note: append the
    one-page prep note as the last section.
    """
    p = scorecard.provenance
    lines = [
        f"# Coaching session: {draft.focus_criterion_name}",
        "",
        f"- **Rep:** {draft.rep or 'not named'}",
        f"- **Call:** {call_title or 'transcript ' + p.transcript_sha256[:8]} (scored {p.created_at[:10]})",
        f"- **Methodology:** {scorecard.methodology_name} {p.methodology_version}; score "
        f"{scorecard.total_score:g}/{scorecard.total_max:g} ({scorecard.total_percent:.0f}%)",
        f"- **Focus:** {draft.focus_criterion_name} \u2014 {draft.pattern}",
        f"- **Recommended:** {draft.solution} \u2014 {draft.solution_reason}",
        f"- **Drafted by:** {draft.engine_label}",
        "",
    ]
    for i, section in enumerate(draft.agenda, 1):
        lines += [f"## {i}. {section.title} ({section.minutes} min)", "", section.body_markdown.strip(), ""]
    develop = next((s for s in draft.agenda if s.key == "develop_plan"), None)
    if draft.actions and (develop is None or "| Action |" not in develop.body_markdown):
        lines += ["## Action items", "", "| Action | Owner | Due | Watch |", "|---|---|---|---|"]
        lines += [f"| {_cell(a.action)} | {a.owner} | {a.due} | {a.watch_criterion or ''} |" for a in draft.actions]
        lines.append("")
    if draft.roam:
        lines += ["## ROAM", ""]
        lines += [f"- **{k.capitalize()}:** {v}" for k, v in draft.roam.items()]
        lines.append("")
    if include_prep_note:
        lines += ["## Prep note", "", _demote(draft.prep_note_markdown.strip(), 2), ""]
    return "\n".join(lines)


def scorecard_to_markdown(scorecard: Scorecard, call_title: str | None = None) -> str:
    """The scorecard as Markdown: totals, sections, each criterion with its quotes, metrics, provenance.

    scorecard: the scorecard. call_title: a human title of the call for the heading.
    """
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
        lines += [f"- {format_quote(q, markdown=True)}" for q in c.evidence] or ["- No quote in this call."]
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
            f"| {_cell(n)} | {m.talk_ratio:.0%} | {m.longest_monologue_s:.0f} s | {m.question_count} | "
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
OVERRIDE_COLUMNS = ["manager_score", "manager_verdict", "manager_note"]


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


def _override_value(override: object, key: str) -> str:
    value = override.get(key) if isinstance(override, Mapping) else getattr(override, key, None)
    return "" if value is None else str(value)


def scorecard_to_csv(scorecard: Scorecard, overrides: Mapping[str, object] | None = None) -> str:
    """One row per criterion; evidence quotes joined as `[mm:ss] Speaker: "quote"` separated by " | ".
    Text cells that a spreadsheet would run as a formula are escaped (`csv_safe`).

    scorecard: the scorecard. overrides: optional manager overrides by criterion id, each a mapping
    or object with any of score, verdict, note; adds the columns manager_score, manager_verdict,
    manager_note. An id that is not a criterion of the scorecard raises InputError.
    """
    columns = CSV_COLUMNS + (OVERRIDE_COLUMNS if overrides is not None else [])
    if overrides:
        unknown = sorted(set(overrides) - {c.id for c in scorecard.criteria})
        if unknown:
            raise InputError(
                f"overrides name criteria not in the scorecard: {', '.join(unknown)}; check the criterion ids"
            )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for c in scorecard.criteria:
        row = [
            c.id,
            c.name,
            c.section,
            c.score,
            c.max_score,
            c.verdict,
            " | ".join(format_quote(q) for q in c.evidence),
            c.rationale,
        ]
        if overrides is not None:
            o = overrides.get(c.id)
            row += ["", "", ""] if o is None else [_override_value(o, k) for k in ("score", "verdict", "note")]
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def override_verdict(score: int, max_score: int) -> str:
    """The verdict a manager's score implies: top level met, 0 not met, in between partly met."""
    return "met" if score >= max_score else "not_met" if score <= 0 else "partly_met"


def scorecard_to_json(scorecard: Scorecard, overrides: Mapping[str, object] | None = None) -> str:
    """The scorecard as indented JSON (the `scorecard.json` shape documented in README.md).

    overrides: optional manager overrides by criterion id (mapping or object with score and note);
    added as `manager_overrides` beside the AI's untouched criteria.
    """
    data = scorecard.model_dump(mode="json")
    if overrides:
        max_by_id = {c.id: c.max_score for c in scorecard.criteria}
        data["manager_overrides"] = {
            cid: {
                "score": int(_override_value(o, "score")),
                "verdict": override_verdict(int(_override_value(o, "score")), max_by_id.get(cid, 0)),
                "note": _override_value(o, "note"),
            }
            for cid, o in overrides.items()
            if cid in max_by_id
        }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to `path` atomically (for agenda.md, prep_note.md, CSV exports).

    path: the file to write; its folder must exist. text: the content.
    """
    return write_export(path, text)
