"""Blocks of a Word playbook (.docx), read with python-docx.

Headings come from paragraph styles (Title, Heading 1-9), list items from list styles or Word
numbering, quotes from the Quote styles; bold runs keep their `**` marks so a bold lead-in names
its criterion as in Markdown; tables keep their cells. Body order is preserved.
"""

from __future__ import annotations

import re

from .blocks import CHECKBOX, ITEM, Block, promote_bold_lines


def _styled_text(paragraph) -> str:
    parts = []
    for run in paragraph.runs:
        text = run.text
        if run.bold and text.strip():
            match = re.match(r"^(\s*)(.*?)(\s*)$", text, re.S)
            assert match is not None  # the pattern matches any string
            lead, core, trail = match.groups()
            text = f"{lead}**{core}**{trail}"
        parts.append(text)
    return re.sub(r"\*\*\s*\*\*", "", "".join(parts)).strip() or paragraph.text.strip()


def _list_level(paragraph, style: str) -> int | None:
    """The nesting depth of a list paragraph (0 = top), None when it is not a list item."""
    p_pr = paragraph._p.pPr
    num = p_pr.numPr if p_pr is not None else None
    if num is not None and num.ilvl is not None:
        return int(num.ilvl.val)
    if style.startswith("list"):
        depth = re.search(r"(\d+)$", style)
        return int(depth.group(1)) - 1 if depth else 0
    return 0 if num is not None else None


def read_docx(raw: bytes, label: str) -> list[Block]:
    """The blocks of a .docx file's body, in order.

    raw: the file's bytes. label: its name, for the error message.
    Raises InputError when the bytes are not a Word document.
    """
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    from ..docx_text import open_docx

    document = open_docx(raw, label)  # refuses what is not a Word file, or would unpack too large
    blocks: list[Block] = []
    for n, item in enumerate(document.iter_inner_content()):
        if isinstance(item, Table):
            rows = [[cell.text.strip() for cell in row.cells] for row in item.rows]
            blocks.append(Block("table", rows=rows, paragraph=n))
            continue
        assert isinstance(item, Paragraph)
        text = _styled_text(item)
        if not re.search(r"[^\W_]", text):
            continue
        style = (item.style.name if item.style is not None else "").lower()
        heading = re.match(r"heading (\d)", style)
        level = _list_level(item, style)
        ordered = "number" in style
        if style == "title":
            blocks.append(Block("heading", text.replace("**", ""), level=0, paragraph=n))
        elif heading:
            blocks.append(Block("heading", text.replace("**", ""), level=int(heading.group(1)), paragraph=n))
        elif "quote" in style:
            blocks.append(Block("quote", text, paragraph=n))
        elif level is not None:
            blocks.append(Block("item", CHECKBOX.sub("", text), level=level, ordered=ordered, paragraph=n))
        elif (box := ITEM.match(text)) and box.group(2) and box.group(2) not in "-*+":
            # "☐ Ask ...", "• Ask ..." typed into a plain paragraph (a checklist pasted from Docs or Notion)
            blocks.append(Block("item", CHECKBOX.sub("", box.group(4)), paragraph=n))
        else:
            blocks.append(Block("text", text, paragraph=n))
    return promote_bold_lines(blocks)
