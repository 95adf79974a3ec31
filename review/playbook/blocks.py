"""A playbook as a flat list of blocks (headings, list items, text lines, quotes, tables).

Markdown, plain text and .docx readers all produce these blocks, so one interpreter
(review.playbook.interpret) decides what is a section, a criterion or an example, whatever
the file format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "item", "text", "quote", "table"]

ATX_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$")
# bullets, including the boxes and arrows of checklists pasted from Docs, Notion or Word ("☐ Ask ...")
ITEM = re.compile(r"^(\s*)(?:([-*+•▪◦‣–☐☑☒✓✔✅❑❒□▢○●◆◇►▶➢➤→])|(\d+|[a-zA-Z])[.)])\s+(.*)$")
RULE = re.compile(r"^\s*([-*_]\s*){3,}$")
SETEXT = re.compile(r"^\s*(=+|-+)\s*$")
TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
CHECKBOX = re.compile(r"^(?:\[[ xX]\]|[☐☑☒✓✔✅❑❒□▢])\s+")
BOLD_LINE = re.compile(r"^\s*(\*\*|__)([^*_]{2,80}?)\1\s*:?\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass
class Block:
    """One unit of the playbook.

    kind: heading, item (bullet or numbered), text (a line of prose), quote (a blockquote line),
    table. text: the block's text, Markdown marks kept (emphasis marks name lead-ins). level:
    a heading's level (1 = largest) or an item's nesting depth (0 = top). ordered: a numbered item.
    paragraph: text lines with the same number belong to one paragraph. rows: a table's cells.
    """

    kind: BlockKind
    text: str = ""
    level: int = 0
    ordered: bool = False
    paragraph: int = 0
    rows: list[list[str]] = field(default_factory=list)


LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # a Markdown link or image: its text is group 1


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)  # a line break inside a table cell
# <b>, </span>, <a href="...">: HTML's inline tags by name, so a name in angle brackets ("Hi <first name>") stays
_TAG = re.compile(r"</?(?:a|b|i|u|s|em|strong|span|div|p|font|sup|sub|mark|del|ins|small|code|li|ul|ol)"
                  r"(?:\s[^<>]*)?/?>", re.IGNORECASE)


def clean(text: str) -> str:
    """Markdown emphasis, links, code marks and HTML tags removed; whitespace collapsed."""
    text = _TAG.sub("", _BREAK.sub(" ", text))
    text = LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = re.sub(r"(?<!\w)_(.+?)_(?!\w)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _could_be_heading(text: str) -> bool:
    """A line above '===' / '---' is a heading unless it reads as a line of content ("Good: ...",
    "Tip: read ...", a long sentence): writers put rules under those, not headings."""
    text = clean(text)
    return len(text.split()) <= 10 and not re.search(r":\s+\S", text) and not text.startswith(('"', "“"))


def _continues_item(blocks: list[Block], line: str, paragraph: int) -> bool:
    """An indented line right under a list item, with no blank line between, wraps that item
    (Markdown's continuation line): 'e.g. "..."' on the next line is the same check's example."""
    previous = blocks[-1] if blocks else None
    indent = len(line) - len(line.lstrip())
    return previous is not None and previous.kind == "item" and previous.paragraph == paragraph \
        and indent > 2 * previous.level and not line.lstrip().startswith(('"', "“"))


def read_markdown(text: str) -> list[Block]:
    """Blocks of a Markdown playbook (ATX and setext headings, lists, blockquotes, pipe tables)."""
    blocks: list[Block] = []
    paragraph = 0
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            paragraph += 1
            continue
        if TABLE_ROW.match(line):
            rows = [_cells(line)]
            while i < len(lines) and TABLE_ROW.match(lines[i]):
                if not TABLE_RULE.match(lines[i]):
                    rows.append(_cells(lines[i]))
                i += 1
            blocks.append(Block("table", rows=rows, paragraph=paragraph))
            paragraph += 1
            continue
        heading = ATX_HEADING.match(line)
        setext = SETEXT.match(line)
        if setext and blocks and blocks[-1].kind == "text" and blocks[-1].paragraph == paragraph \
                and _could_be_heading(blocks[-1].text):
            previous = blocks.pop()  # the line above, underlined, is a heading
            blocks.append(Block("heading", previous.text, level=1 if "=" in line else 2, paragraph=paragraph))
            paragraph += 1
        elif RULE.match(line) or setext:
            paragraph += 1
        elif heading:
            blocks.append(Block("heading", heading.group(2) or "", level=len(heading.group(1)), paragraph=paragraph))
            paragraph += 1
        elif line.lstrip().startswith(">"):
            blocks.append(Block("quote", line.lstrip().lstrip(">").strip(), paragraph=paragraph))
        elif item := ITEM.match(line):
            indent = len(item.group(1).expandtabs(4))
            text = CHECKBOX.sub("", item.group(4))  # "- [ ] Ask about budget": a task list item
            blocks.append(Block("item", text, level=indent // 2 if indent else 0,
                                ordered=item.group(2) is None, paragraph=paragraph))
        elif _continues_item(blocks, line, paragraph):
            blocks[-1].text = f"{blocks[-1].text} {line.strip()}"  # a wrapped item: one check, one text
        else:
            blocks.append(Block("text", line.strip(), paragraph=paragraph))
    # A line with no letter or digit ("##", '""', "- ") holds nothing a manager wrote.
    return promote_bold_lines([b for b in blocks if b.kind == "table" or re.search(r"[^\W_]", clean(b.text))])


def first_line_title(blocks: list[Block]) -> list[Block]:
    """A short first line standing alone above the rest ("Cold Call Standards", pasted from a
    document without its '#') is the title, when no heading of the file is already at the top level."""
    from .wording import example_label, given_question

    if len(blocks) < 2 or blocks[0].kind != "text" or blocks[1].paragraph == blocks[0].paragraph:
        return blocks
    text = clean(blocks[0].text)
    if len(text.split()) > 8 or text.rstrip().endswith((".", "!", "?", ":")) or not _could_be_heading(text) \
            or example_label(text) is not None or given_question(text) is not None \
            or any(b.kind == "heading" and b.level <= 1 for b in blocks):
        return blocks
    return [Block("heading", text, level=1, paragraph=blocks[0].paragraph), *blocks[1:]]


def promote_bold_lines(blocks: list[Block]) -> list[Block]:
    """A short line that is all bold ("**Opening**") and has content after it is a heading, below
    every real heading level: documents exported from Word, Google Docs or Notion head stages so."""
    from .wording import example_label, given_question

    out = list(blocks)
    for n, block in enumerate(out):
        bold = BOLD_LINE.match(block.text) if block.kind == "text" else None
        if bold and n + 1 < len(out) and len(bold.group(2).split()) <= 8 \
                and example_label(block.text) is None and given_question(block.text) is None:
            out[n] = Block("heading", bold.group(2).strip(), level=7, paragraph=block.paragraph)
    return out


def _is_section_line(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    short = len(line.split()) <= 8
    return short and (line.endswith(":") or (len(letters) > 1 and all(ch.isupper() for ch in letters)))


def _numbered_stages(blocks: list[Block]) -> list[Block]:
    """'1. Opening' followed by bullet checks ('• Greet by name') heads a stage, as a Google Docs
    export writes its numbered headings: a short numbered line with no sentence punctuation whose
    next line is a bullet (not an example) of the same paragraph."""
    from .wording import example_label, is_quote_line

    out = list(blocks)
    for n, block in enumerate(out[:-1]):
        after = out[n + 1]
        text = clean(block.text)
        if block.kind == "item" and block.level == 0 and block.ordered and 0 < len(text.split()) <= 6 \
                and not re.search(r"[.?!:;\"“”]$", text) and after.kind == "item" and not after.ordered \
                and after.level == 0 and after.paragraph == block.paragraph \
                and example_label(after.text) is None and not is_quote_line(after.text):
            out[n] = Block("heading", text, level=2, paragraph=block.paragraph)
    return out


def read_plain_text(text: str) -> list[Block]:
    """Blocks of a plain-text playbook: short lines ending in ':' or in CAPITALS are headings.

    A first line followed directly by such a heading is the title. Lines labelled as examples
    ("Good:", "Avoid:") are never headings, whatever their case.
    """
    from .wording import example_label

    blocks = read_markdown(text)  # lists, quotes and tables read the same way in plain text
    first_labels = bool(blocks) and blocks[0].text.strip().endswith(":")  # "OPENING:" heads a stage
    for n, block in enumerate(blocks):
        line = block.text.strip()
        if block.kind == "text" and _is_section_line(line) and example_label(line) is None:
            blocks[n] = Block("heading", line.rstrip(":").strip(), level=2, paragraph=block.paragraph)
    blocks = _numbered_stages(blocks)
    first = blocks[0] if blocks else None
    if first is not None and first.kind == "heading" and not first_labels and len(blocks) > 1 \
            and any(b.kind == "heading" for b in blocks[1:]) \
            and blocks[1].kind in ("text", "heading") and blocks[1].paragraph != first.paragraph:
        # "INBOUND CALL STANDARDS" over an introduction, or straight over the first stage: the title
        blocks[0] = Block("heading", first.text, level=1, paragraph=first.paragraph)
    if first is not None and first.kind == "text" and blocks[1:2] and blocks[1].kind == "heading":
        blocks[0] = Block("heading", first.text, level=1, paragraph=first.paragraph)
    return first_line_title(blocks)  # a short line standing alone above the rest, as in Markdown
