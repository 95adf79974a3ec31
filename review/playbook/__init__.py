"""Team playbooks (Markdown, plain text, Word .docx, a spreadsheet saved as .csv) imported as the team wrote them.

`import_playbook(raw, source_name, engine)` reads the file into blocks (review.playbook.blocks,
review.playbook.docx_reader), reads the blocks as a methodology draft by rule
(review.playbook.interpret) or by the LLM (review.playbook.llm_import), and builds a validated
`Methodology` with a report of what it made and where it guessed (review.playbook.build).
Nothing here saves: the caller shows the report and saves through MethodologyLibrary.
"""

from __future__ import annotations

from pathlib import PurePath

from ..errors import InputError, MethodologyError
from ..textfile import Decoded, decode_text, first_non_utf8_byte
from .blocks import ATX_HEADING, TABLE_ROW, Block, first_line_title, read_markdown, read_plain_text
from .build import ImportReport, PlaybookImport, build_methodology, format_report
from .interpret import interpret
from .llm_import import PlaybookImportWarning, draft_with_engine

__all__ = [
    "ImportReport", "PlaybookImport", "PlaybookImportWarning", "format_report", "import_playbook",
    "playbook_text", "read_blocks",
]


SHEET_SUFFIXES = (".csv", ".tsv")


def _is_sheet(source_name: str) -> bool:
    return PurePath(source_name).suffix.lower() in SHEET_SUFFIXES


def _decode(raw: bytes, source_name: str) -> Decoded:
    """The playbook's text (review.textfile: UTF-8, UTF-16 with its mark, else Windows-1252)."""
    decoded = decode_text(raw)
    if decoded is None:
        at = first_non_utf8_byte(raw)
        how = "save it from your spreadsheet as CSV UTF-8" if _is_sheet(source_name) else "save it as UTF-8"
        problem = f"not UTF-8 text (byte {at})" if at is not None else "not a text file (binary content)"
        raise InputError(f"{source_name}: {problem}; {how}")
    return decoded


def _encoding_note(raw: bytes, source_name: str) -> list[str]:
    """A note when the file was not UTF-8 and was read as Windows-1252."""
    if PurePath(source_name).suffix.lower() == ".docx" or _decode(raw, source_name).encoding != "cp1252":
        return []
    return ["read the file as Windows-1252 (it is not UTF-8): check accented letters and dashes, or save it "
            "as UTF-8"]


def read_blocks(raw: bytes, source_name: str) -> tuple[list[Block], bool]:
    """(blocks, plain_text) of a playbook file's bytes, by its suffix (.docx, .md, .txt)."""
    suffix = PurePath(source_name).suffix.lower()
    if suffix == ".docx":
        from .docx_reader import read_docx

        return read_docx(raw, source_name), False
    text = _decode(raw, source_name).text
    lines = text.splitlines()
    filled = [line for line in lines if line.strip()]
    tabbed = suffix in (".txt", ".text") and len(filled) >= 2 and sum("\t" in line for line in filled) >= 0.8 * len(filled)
    if _is_sheet(source_name) or tabbed:  # a sheet; Excel's "Unicode Text" is a tab-separated .txt
        from .csv_reader import read_csv

        return read_csv(text, source_name, tabs=tabbed), False
    markdown = PurePath(source_name).suffix.lower() in (".md", ".markdown") or any(
        ATX_HEADING.match(line) and line.lstrip().startswith("#") and len(line.strip()) > 1 for line in lines
    ) or sum(bool(TABLE_ROW.match(line)) for line in lines) >= 2
    return (first_line_title(read_markdown(text)), False) if markdown else (read_plain_text(text), True)


def playbook_text(raw: bytes, source_name: str) -> str:
    """The playbook as text for the LLM: the file itself, or a .docx rendered as Markdown."""
    if PurePath(source_name).suffix.lower() != ".docx":
        return _decode(raw, source_name).text
    blocks, _ = read_blocks(raw, source_name)
    lines = []
    for b in blocks:
        if b.kind == "heading":
            lines.append("#" * max(1, b.level) + " " + b.text)
        elif b.kind == "item":
            lines.append("  " * b.level + ("1. " if b.ordered else "- ") + b.text)
        elif b.kind == "quote":
            lines.append("> " + b.text)
        elif b.kind == "table":
            lines.extend("| " + " | ".join(row) + " |" for row in b.rows)
        else:
            lines.append(b.text)
    return "\n".join(lines)


def import_playbook(raw: bytes, source_name: str, engine=None) -> PlaybookImport:
    """A playbook's methodology and import report (nothing is saved).

    raw: the file's bytes. source_name: its file name (.md, .markdown, .txt, .text, .docx, .csv or .tsv).
    engine: an LLM engine (`complete(system, user, output, name)`), or None for the rules.
    Raises MethodologyError when the playbook holds no criteria, InputError when it is unreadable.
    """
    if engine is not None:
        drafted = draft_with_engine(engine, playbook_text(raw, source_name), source_name)
        if drafted is not None:
            return drafted
    blocks, plain_text = read_blocks(raw, source_name)
    reading = interpret(blocks, plain_text=plain_text)
    if reading.draft is None:
        if _is_sheet(source_name):
            shape = "a header row naming its columns (criterion, what good looks like, example) and a check per row"
        elif plain_text:
            shape = "section lines ending in ':' (or in CAPITALS), each followed by one criterion per line"
        else:
            shape = ("'#'/'##' headings for sections with bullet points (-, *, 1.), a '###' heading per "
                     "criterion, or a table with a criterion column")
        raise MethodologyError(f"{source_name}: no criteria found; a playbook needs {shape}")
    return build_methodology(reading.draft, source_name, "rules", _encoding_note(raw, source_name) + reading.notes)
