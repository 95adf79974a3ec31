"""Exports: the coaching agenda and scorecard as Markdown, CSV and JSON, and any of that Markdown as
DOCX (python-docx) or PDF (fpdf2).

The DOCX and PDF writers understand the Markdown this project produces: `#` headings, `-` and
`1.` lists, `**bold**` / `*italic*` / `` `code` `` inline, pipe tables and plain paragraphs.
Files are written atomically (a temp file in the same folder, then `os.replace`), so a failed
export never leaves half a file where the previous one was.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from .coach import format_quote
from .errors import InputError
from .types import CoachingDraft, Scorecard

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
        lines += [f"### {c.name} \u2014 {c.score}/{c.max_score} ({c.verdict.replace('_', ' ')})", "", c.rationale, ""]
        lines += [f"- {format_quote(q)}" for q in c.evidence] or ["- No quote in this call."]
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


def _override_value(override: object, key: str) -> str:
    value = override.get(key) if isinstance(override, Mapping) else getattr(override, key, None)
    return "" if value is None else str(value)


def scorecard_to_csv(scorecard: Scorecard, overrides: Mapping[str, object] | None = None) -> str:
    """One row per criterion; evidence quotes joined as `[mm:ss] Speaker: "quote"` separated by " | ".

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
        writer.writerow(row)
    return out.getvalue()


def scorecard_to_json(scorecard: Scorecard) -> str:
    """The scorecard as indented JSON (the `scorecard.json` shape documented in README.md)."""
    return scorecard.model_dump_json(indent=2) + "\n"


# --------------------------------------------------------------------------- Markdown -> blocks

_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_INLINE = re.compile(r"(\*\*[^*]+\*\*|`[^`]+`|(?<![\w*])\*[^*\s][^*]*\*(?![\w*]))")


def _blocks(markdown: str) -> list[tuple]:
    """("heading", level, text) | ("bullet", text) | ("number", n, text) | ("table", rows) | ("para", text)."""
    blocks: list[tuple] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
        elif m := re.match(r"^(#{1,6})\s+(.*)$", line):
            blocks.append(("heading", len(m.group(1)), m.group(2)))
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                if not _TABLE_RULE.match(lines[i].strip()):
                    rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                i += 1
            blocks.append(("table", rows))
        elif m := re.match(r"^[-*+]\s+(.*)$", line):
            blocks.append(("bullet", m.group(1)))
            i += 1
        elif m := re.match(r"^(\d+)[.)]\s+(.*)$", line):
            blocks.append(("number", int(m.group(1)), m.group(2)))
            i += 1
        else:
            para = [line]
            i += 1
            while (
                i < len(lines)
                and lines[i].strip()
                and not re.match(r"^(#{1,6}\s|\||[-*+]\s|\d+[.)]\s)", lines[i].strip())
            ):
                para.append(lines[i].strip())
                i += 1
            blocks.append(("para", " ".join(para)))
    return blocks


def _runs(text: str) -> list[tuple[str, str]]:
    """Inline runs: (style, text) with style "" / "B" / "I" / "C" (code)."""
    runs = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            runs.append(("B", part[2:-2]))
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            runs.append(("C", part[1:-1]))
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            runs.append(("I", part[1:-1]))
        else:
            runs.append(("", part))
    return runs


def _plain(text: str) -> str:
    return "".join(t for _, t in _runs(text))


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text to `path` atomically (for agenda.md, prep_note.md, CSV exports).

    path: the file to write; its folder must exist. text: the content.
    """
    return _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _atomic_write(path: str | Path, write) -> Path:
    """Call `write(tmp_path)` on a temp file next to `path`, then move it into place."""
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: folder {target.parent} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)  # mkstemp creates 0600; give the export the user's usual permissions
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(
            f"cannot write {target}: {exc.strerror or exc}; check the folder's permissions and free space"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# --------------------------------------------------------------------------- DOCX


def markdown_to_docx(markdown: str, path: str | Path) -> Path:
    """Write Markdown as a Word document (headings, bullets, numbered items, bold/italic, tables).

    markdown: the text. path: the .docx file to write (atomically).
    """
    from docx import Document  # heavy-ish import, only for this export

    doc = Document()

    def fill(paragraph, text: str) -> None:
        for style, t in _runs(text):
            run = paragraph.add_run(t)
            run.bold, run.italic = style == "B", style == "I"
            if style == "C":
                run.font.name = "Courier New"

    for block in _blocks(markdown):
        kind = block[0]
        if kind == "heading":
            fill(doc.add_heading(level=min(block[1], 4)), block[2])
        elif kind == "bullet":
            fill(doc.add_paragraph(style="List Bullet"), block[1])
        elif kind == "number":
            fill(doc.add_paragraph(style="List Number"), block[2])
        elif kind == "table":
            rows = block[1]
            width = max(len(r) for r in rows)
            table = doc.add_table(rows=len(rows), cols=width)
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c in range(width):
                    cell = table.cell(r, c)
                    fill(cell.paragraphs[0], row[c] if c < len(row) else "")
                    if r == 0:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True
        else:
            fill(doc.add_paragraph(), block[1])
    return _atomic_write(path, doc.save)


# --------------------------------------------------------------------------- PDF

_LATIN1 = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\u26a0": "(!)",
    "\u2192": "->",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00a0": " ",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u0131": "i",
}


def to_latin1(text: str) -> str:
    """`text` safe for the PDF core fonts: typographic marks mapped, accents kept where Latin-1
    has them, stripped where not, anything else as '?'."""
    out = []
    for ch in text:
        ch = _LATIN1.get(ch, ch)
        if ord(ch[0]) > 255:
            ch = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1") or "?"
        out.append(ch)
    return "".join(out)


def find_unicode_font() -> tuple[str, str | None, str | None] | None:
    """(regular, bold, italic) TTF paths of DejaVu Sans if installed (fonts-dejavu-core), else None."""
    candidates = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")]
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True, timeout=5
            ).stdout.strip()
            candidates.insert(0, Path(found))
        except (OSError, subprocess.SubprocessError):
            pass
    for regular in candidates:
        if regular.suffix.lower() == ".ttf" and regular.is_file() and "DejaVuSans" in regular.name:
            variants = [regular.with_name(n) for n in ("DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")]
            return str(regular), *(str(v) if v.is_file() else None for v in variants)
    return None


def markdown_to_pdf(markdown: str, path: str | Path, font: tuple | bool = True) -> Path:
    """Write Markdown as a PDF (A4). Uses DejaVu Sans when installed so any character prints;
    without it, text is transliterated to Latin-1 for the built-in Helvetica.

    markdown: the text. path: the .pdf file to write (atomically). font: True to look for DejaVu,
    False to force the Latin-1 fallback, or explicit (regular, bold, italic) TTF paths (bold and
    italic may be None).
    """
    from fpdf import FPDF  # heavy-ish import, only for this export

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    fonts = find_unicode_font() if font is True else (font or None)
    if fonts:
        pdf.add_font("body", "", fonts[0])
        variants = (*fonts[1:], None, None)
        pdf.add_font("body", "B", variants[0] or fonts[0])
        pdf.add_font("body", "I", variants[1] or fonts[0])
        family, fix = "body", (lambda s: s)
    else:
        family, fix = "helvetica", to_latin1
    size = {1: 16, 2: 13, 3: 11.5}

    def write_runs(text: str, pt: float, line_h: float) -> None:
        for style, t in _runs(text):
            pdf.set_font(family, "B" if style == "B" else "I" if style == "I" else "", pt)
            pdf.write(line_h, fix(t))

    for block in _blocks(markdown):
        kind = block[0]
        pdf.set_x(pdf.l_margin)
        if kind == "heading":
            pdf.ln(2)
            pdf.set_font(family, "B", size.get(block[1], 10.5))
            pdf.multi_cell(0, 7, fix(_plain(block[2])), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind in ("bullet", "number"):
            marker = "\u2022 " if kind == "bullet" and fonts else "- " if kind == "bullet" else f"{block[1]}. "
            pdf.set_font(family, "", 10)
            pdf.set_x(pdf.l_margin + 4)
            pdf.write(5, marker)
            old_margin = pdf.l_margin
            pdf.set_left_margin(old_margin + 4 + pdf.get_string_width(marker))
            write_runs(block[-1], 10, 5)
            pdf.set_left_margin(old_margin)
            pdf.ln(6)
        elif kind == "table":
            pdf.set_font(family, "", 8.5)
            rows = block[1]
            ncols = max(len(r) for r in rows)
            # columns as wide as their longest text (capped), so short ones (owner, date) stay narrow
            widths = [min(60, max(9, *(len(_plain(r[c])) + 2 for r in rows if c < len(r)))) for c in range(ncols)]
            with pdf.table(first_row_as_headings=True, line_height=4.5, col_widths=widths, text_align="LEFT") as table:
                for row in rows:
                    cells = table.row()
                    for c in range(ncols):
                        cells.cell(fix(_plain(row[c])) if c < len(row) else "")
            pdf.ln(2)
        else:
            write_runs(block[1], 10, 5)
            pdf.ln(7)
    return _atomic_write(path, pdf.output)
