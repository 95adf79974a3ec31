"""A playbook table -> one check per row, its columns recognised by their headers.

Headers name the columns (criterion, what good looks like, example, avoid, question, stage, points
or weight); when
they say nothing, the first free column is the criterion and the next the good-practice
description, and the import says it guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..schema import MAX_WEIGHT
from .blocks import clean
from .wording import example_label, given_question, is_quote_line, quoted_phrases, strip_numbering

_ORDINAL = ["", "1st", "2nd", "3rd", "4th", "5th", "6th"]
# Tried in this order, each header used once: "What good looks like" is a description, not a name.
SECTION_HEADER = r"^(call )?(stage|section|phase|step|category|categories)s?$"  # a column naming the stage
_ROLES = {
    "section": SECTION_HEADER,
    "weight": r"^(max(imum)? )?(points?|pts|weight(ing)?|score weight)\b",
    "question": r"question",
    "poor": r"avoid|bad|poor|red flag|don.?t",
    "example": r"example|sample|say|phrase|sounds like|quote",
    "good": r"good|looks like|description|standard|definition|means|detail|how",
    "name": r"criteri|behaviou?r|check|skill|competenc|item|area|element|what",
}
_EMPTY = re.compile(r"(?i)[-–—]|n/?a|none")


@dataclass
class TableRow:
    """One row as a check: its section (from a stage column), name, description, question, examples."""

    section: str
    name: str
    description: str = ""
    question: str = ""
    good_examples: list[str] = field(default_factory=list)
    poor_examples: list[str] = field(default_factory=list)
    weight: float | None = None  # a Points / Weight column's number, when the sheet gives one
    points: bool = False  # that column counts points: the check is done or not, for its points


_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:%|pts?|points?)?\s*$", re.I)


def _weight(text: str) -> float | None:
    """'2', '1.5', '10%', '3 pts' -> the number; anything else (blank, 'n/a', '0') -> None."""
    match = _NUMBER.match(text)
    value = float(match.group(1).replace(",", ".")) if match else 0.0
    return value if 0 < value <= MAX_WEIGHT else None


def _ordinal(i: int) -> str:
    return _ORDINAL[i + 1] if i < 6 else f"{i + 1}th"


def read_table(rows: list[list[str]]) -> tuple[list[TableRow], list[str]]:
    """(checks, notes): the table's rows after its header row, and the column roles it guessed."""
    if len(rows) < 2:
        return [], []
    header = [clean(h).lower() for h in rows[0]]
    roles: dict[str, int] = {}
    for role, pattern in _ROLES.items():
        for i, h in enumerate(header):
            if i not in roles.values() and re.search(pattern, h):
                roles[role] = i
                break
    if "name" not in roles and "section" in roles and "categor" in header[roles["section"]]:
        roles["name"] = roles.pop("section")  # "Category | Description": the category is the check
    notes: list[str] = []
    for role, meaning in (("name", "criterion name"), ("good", "good-practice description")):
        free = [i for i in range(len(header)) if i not in roles.values()]
        if role not in roles and free:
            roles[role] = free[0]
            notes.append(f"treated the table's {_ordinal(free[0])} column ('{rows[0][free[0]]}') as the {meaning}")
    if "name" not in roles:
        return [], notes
    out = []
    for row in rows[1:]:
        cell = {role: clean(row[i]) if i < len(row) else "" for role, i in roles.items()}
        if not re.search(r"[^\W\d_]", cell["name"]) or is_quote_line(cell["name"]):
            continue  # an empty name or a number, or an example phrase where the name goes: no check
        found = TableRow(strip_numbering(cell.get("section", "")) if cell.get("section") else "",
                         strip_numbering(cell["name"]).rstrip(":."), cell.get("good", ""),
                         given_question(cell.get("question", "")) or "")
        found.weight = _weight(cell.get("weight", ""))
        found.points = found.weight is not None and bool(re.search(r"\bp(oin)?ts?\b", header[roles["weight"]]))
        for role in ("example", "poor"):
            text = cell.get(role, "")
            if text and not _EMPTY.fullmatch(text):
                labelled = example_label(text)  # 'Not "I'll send you an email"' in the example column
                poor = role == "poor" or labelled is not None and labelled[0] == "poor"
                phrases = quoted_phrases(text) or [(labelled[1] if labelled else text).strip(" \"“”")]
                (found.poor_examples if poor else found.good_examples).extend(p for p in phrases if p)
        out.append(found)
    return out, notes
