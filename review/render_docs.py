"""Markdown -> DOCX (python-docx) and PDF (fpdf2) files, and the atomic file write every export uses.

The writers understand the Markdown this project produces: `#` headings, `-` and `1.` lists,
`**bold**` / `*italic*` / `` `code` `` inline, pipe tables and plain paragraphs. Files are written
atomically (a temp file in the same folder, then `os.replace`), so a failed export never leaves
half a file where the previous one was.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

from .errors import InputError
from .files import write_atomic

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
    from .markdown_text import unescape_markdown  # escaped call text (\\[, \\*) shows as written

    runs = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            runs.append(("B", unescape_markdown(part[2:-2])))
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            runs.append(("C", part[1:-1]))
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            runs.append(("I", unescape_markdown(part[1:-1])))
        else:
            runs.append(("", unescape_markdown(part)))
    return runs


def _plain(text: str) -> str:
    return "".join(t for _, t in _runs(text))


def write_export(path: str | Path, content) -> Path:
    """Write an export atomically with the user's usual permissions (see `review.files`).

    path: the file to write; its folder must exist. content: text, bytes, or a callable that
    writes the whole file to the path it is given (e.g. `Document.save`, `FPDF.output`).
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise InputError(f"cannot write {target}: folder {target.parent} does not exist; create it first")
    try:
        return write_atomic(target, content)
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: {exc.strerror or exc}; check the folder's permissions and free space"
        ) from None


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
    return write_export(path, doc.save)


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
            bold, italic = (str(v) if v.is_file() else None for v in variants)
            return str(regular), bold, italic
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
    return write_export(path, pdf.output)
