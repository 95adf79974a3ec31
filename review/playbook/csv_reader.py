"""A scorecard kept in a spreadsheet (.csv / .tsv, as Google Sheets or Excel save it) -> blocks.

A sheet holds one table: the first row with two or more cells is its header. A single cell above
it is the title (the first) or an introduction; a short single cell in the first column below it
("DISCOVERY", "Close") heads the rows after it as a stage, which the table gets as a Stage column;
a longer single cell there is a note, never a check. Comma, semicolon (Excel in most of Europe)
and tab separators are recognised.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import PurePath

from ..errors import InputError
from .blocks import Block, clean
from .tables import SECTION_HEADER

_STAGE_COLUMN = re.compile(SECTION_HEADER, re.I)


def _dialect(text: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _is_stage(cell: str) -> bool:
    return len(cell.split()) <= 6 and not cell.rstrip().endswith((".", "!", "?"))


def read_csv(text: str, source_name: str, tabs: bool = False) -> list[Block]:
    """The sheet's title, introduction and table as blocks (see the module docstring); tabs: the
    cells are tab-separated whatever the file's name (Excel's "Unicode Text" .txt)."""
    delimiter = "\t" if tabs else _dialect(text, PurePath(source_name).suffix.lower())
    try:
        rows = [[clean(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise InputError(f"{source_name}: not a readable spreadsheet file ({exc}); save it from your "
                         "spreadsheet as CSV UTF-8") from None
    rows = [row for row in rows if any(row)]
    header_at = next((i for i, row in enumerate(rows) if sum(bool(c) for c in row) >= 2), None)
    if header_at is None:
        return []
    blocks: list[Block] = []
    for n, row in enumerate(rows[:header_at]):
        cell = next(c for c in row if c)
        title = n == 0 and len(cell.split()) <= 10
        blocks.append(Block("heading", cell, level=1, paragraph=n) if title else Block("text", cell, paragraph=n))
    header = rows[header_at]
    width = max(len(header), 1)
    body: list[tuple[str, list[str]]] = []
    stage = ""
    for row in rows[header_at + 1:]:
        filled = [c for c in row if c]
        if len(filled) == 1 and row[0] and width > 1:
            if _is_stage(row[0]):
                stage = row[0]
            continue  # a note under the table ("Scores go into the pipeline sheet.")
        body.append((stage, (row + [""] * width)[:width]))
    stage_at = next((i for i, h in enumerate(header) if _STAGE_COLUMN.match(h)), None)
    if not any(s for s, _ in body):
        table = [header, *[row for _, row in body]]
    elif stage_at is None:
        table = [["Stage", *header], *[[s, *row] for s, row in body]]
    else:  # a Stage / Category column left blank under the stage rows: they fill it
        table = [header, *[[*row[:stage_at], row[stage_at] or s, *row[stage_at + 1:]] for s, row in body]]
    blocks.append(Block("table", rows=table, paragraph=len(blocks)))
    return blocks
