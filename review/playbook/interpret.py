"""Blocks -> a methodology draft, by the rules a manager reads a playbook with.

- The first heading, when no other heading is as large, is the title; prose before the first
  section is the introduction.
- A heading with subheadings is a section (a call stage); a heading under a section with no
  subheadings of its own is a criterion, and its lines are the criterion's question, description
  and examples.
- A heading directly under the title with list items is a stage: each item is a criterion.
  Such a heading with only prose under it ("Why this matters") is context, not a criterion.
- Quoted lines and lines labelled "Good:" / "Avoid:" / 'Ask: "..."' are example phrases of the
  criterion they follow, never criteria.
- A "What good looks like: ..." line (or "Definition:", "Goal:") says what the criterion under that
  heading means: such a heading is one criterion, never a stage with a check named "What good looks like".
- A table's rows are criteria; its columns are recognised by their headers (criterion, what good
  looks like, example, avoid, question, stage), by position when the headers say nothing.
- In prose, a paragraph is a criterion only when it opens with a lead-in: "**Budget.** ...",
  "Budget: ..." or a short imperative sentence ("Review usage. Walk the buyer through ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import snippets
from .blocks import Block, clean
from .draft import CriterionDraft, MethodologyDraft, SectionDraft
from .tables import read_table
from .wording import (
    as_action,
    build_question,
    description_label,
    embedded_examples,
    example_label,
    given_question,
    heading_name,
    is_question_label,
    is_quote_line,
    level_line,
    quoted_phrases,
    split_name,
    strip_numbering,
)

_FINITE = set("is are was were be been has have had will would we you they this these it i our its there".split())
# "Owner: Priya" / "Last reviewed: May" lines are about the document, not checks.
_METADATA = re.compile(r"^(owner|author|authors|last (reviewed|updated|edited)|updated|version|date|status|"
                       r"audience|applies to|contact|note|notes|nb|see also|source|draft|confidential|tip|tips|"
                       r"hint|remember|reminder|important|why|purpose|goal|the goal|objective|objectives)\b.*?[:\-–—]",
                       re.I)


@dataclass
class _Criterion:
    name: str
    rest: str = ""
    question: str = ""
    details: list[str] = field(default_factory=list)
    good: list[str] = field(default_factory=list)
    poor: list[str] = field(default_factory=list)
    levels: dict[int, str] = field(default_factory=dict)  # the check's own scale ("0 = never asks")
    weight: float | None = None  # a table's Points / Weight column
    done_or_not: bool = False  # a Points column: done / not done, for its points

    def level(self, text: str) -> bool:
        """Keep `text` as a level of this check's scale when it is one ("2 = the buyer confirms")."""
        found = level_line(text)
        if found is None or found[0] in self.levels:
            return False
        self.levels[found[0]] = found[1]
        return True

    def scale(self) -> list[str]:
        """The levels, lowest first, when they run 0, 1, ... without a gap (else none)."""
        scores = sorted(self.levels)
        return [self.levels[n] for n in scores] if len(scores) >= 2 and scores == list(range(len(scores))) else []


@dataclass
class _Section:
    name: str
    description: list[str] = field(default_factory=list)
    criteria: list[_Criterion] = field(default_factory=list)


@dataclass
class _Node:
    """A heading and what is under it, up to the next heading of the same or a larger level."""

    text: str
    level: int
    blocks: list[Block] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


@dataclass
class Interpretation:
    """The draft and what the reader had to guess (one line each, for the import report)."""

    draft: MethodologyDraft | None
    notes: list[str]


class _Reader:
    def __init__(self, plain_text: bool):
        self.plain_text = plain_text
        self.sections: list[_Section] = []
        self.intro: list[str] = []
        self.notes: list[str] = []
        self.guessed: list[str] = []
        self.shortened: list[str] = []  # long checks named by their opening phrase
        self.stray_examples = 0
        self.skipped: list[str] = []

    # ----------------------------------------------------------------- example and question lines

    def _examples(self, criterion: _Criterion | None, text: str, mode: str | None) -> str | None:
        """Attach an example line to `criterion`; the label mode that follows (None: not an example)."""
        polarity: str
        label = example_label(text)
        if label is not None:
            polarity, rest = label
            phrases = quoted_phrases(rest) or ([clean(rest).strip(" \"“”")] if rest else [])
            self._add(criterion, polarity, phrases)
            return polarity
        if is_quote_line(text):
            polarity = "poor" if re.search(r"\((avoid|poor|bad|weak)\)", text, re.I) else (mode or "good")
            self._add(criterion, polarity, quoted_phrases(text))
            return mode or "good"
        return None

    def _add(self, criterion: _Criterion | None, polarity: str, phrases: list[str]) -> None:
        if criterion is None:
            self.stray_examples += len(phrases)
            return
        (criterion.good if polarity == "good" else criterion.poor).extend(p for p in phrases if p)

    # ----------------------------------------------------------------- prose

    def _lead_in(self, text: str) -> bool:
        """Whether a paragraph opens with a criterion's name ("**Budget.** ...", "Review usage. ...")."""
        # "Question: ...", "Good: ..." label a line of the criterion it is under, never name one
        if _METADATA.match(clean(text)) or description_label(text) is not None or is_question_label(text) \
                or example_label(text) is not None:
            return False
        if re.match(r"^\s*(\*\*|__).+?\1", text):
            return True
        explicit = re.match(r"^([^.:!?\"“]{2,60}?)(?:\.\s+(?=[A-Z])|:\s+|\s[-–—]\s)\S", clean(text))
        if not explicit:  # only "Name. More", "Name: more" or "Name - more" name a criterion
            return False
        name = explicit.group(1)
        words = [w.lower() for w in re.findall(r"[\w']+", name)]
        return 0 < len(words) <= 6 and (as_action(name) is not None or not (set(words) & _FINITE))

    def _checklist_line(self, text: str) -> bool:
        """A plain-text line that is one short check ("Rep asks who approves the spend")."""
        words = clean(text).split()
        if not self.plain_text or _METADATA.match(clean(text)) or description_label(text) is not None:
            return False
        return len(snippets.sentences(clean(text))) == 1 and 0 < len(words) <= 14 and not ({w.lower() for w in words[:2]} & _FINITE)

    def _new_criterion(self, section: _Section, text: str) -> _Criterion:
        name, rest, shortened = split_name(text)
        asked = re.match(r"^(?:did|does) the rep\s+(.+?)\?$", clean(name), re.I)
        if asked and not rest:  # a check written as its question: "Did the rep book the next meeting?"
            name, rest = asked.group(1)[:1].upper() + asked.group(1)[1:], clean(text)
        criterion = _Criterion(strip_numbering(name), rest)
        if shortened:
            self.shortened.append(criterion.name)
        for polarity, phrase in embedded_examples(text):  # 'Ask "Who else signs?"': the check and its phrase
            self._add(criterion, polarity, [phrase])
        section.criteria.append(criterion)
        return criterion

    # ----------------------------------------------------------------- content of one heading

    def _stage(self, section: _Section, blocks: list[Block], prose: bool = True) -> None:
        """List items, prose and tables under a stage heading (or before any heading).

        prose: whether a paragraph with a lead-in may be a criterion; never where the checks are
        listed (items or a table), where prose is the stage's description.
        """
        prose = prose and not any(b.kind in ("item", "table") for b in blocks)
        last: _Criterion | None = None
        mode: str | None = None  # "good"/"poor" after a label line such as "Avoid:"
        last_paragraph = -1
        for block in blocks:
            if block.kind == "table":
                self._table(section, block.rows)
                last, mode = None, None
                continue
            text = block.text
            if block.kind == "quote":
                if self._examples(last, text, mode) is None:
                    self._add(last, mode or "good", quoted_phrases(text) or [clean(text)])
                continue
            new_mode = self._examples(last, text, mode)
            if new_mode is not None:
                label = example_label(text)
                mode = new_mode if label is not None and not label[1] else mode
                continue
            question = given_question(text)
            # "Question: ..." (or a bare "Did the rep ...?" line under a check) is that check's question;
            # a bare question as a list item or a checklist line is a check of its own.
            if question and (is_question_label(text) or block.level > 0
                             or (block.kind == "text" and not self.plain_text)):
                if last is not None and not last.question:
                    last.question = question
                else:
                    section.description.append(clean(text))
            elif mode and last is not None and (block.kind == "text" or block.level > 0):
                self._add(last, mode, [clean(text).strip(" \"“”")])  # under "Avoid:" every line is one
            elif block.kind == "item" and block.level > 0 and last is not None:
                if not last.level(text):
                    last.details.append(clean(text))
            elif block.kind == "item":
                last, mode = self._new_criterion(section, text), None
            elif last is not None and block.paragraph == last_paragraph and not self.plain_text:
                last.details.append(clean(text))  # a continuation line of the item above
            elif (prose and self._lead_in(text)) or self._checklist_line(text):
                last, mode = self._new_criterion(section, text), None
            else:  # context: the stage's description, and what follows no longer belongs to a check
                last = None
                section.description.append(clean(text))
            last_paragraph = block.paragraph

    def _criterion_heading(self, section: _Section, node: _Node) -> None:
        criterion = _Criterion(heading_name(node.text))
        mode: str | None = None
        for block in node.blocks:
            if block.kind == "table":
                continue
            text = block.text
            if block.kind == "quote":
                self._add(criterion, mode or "good", quoted_phrases(text) or [clean(text)])
                continue
            new_mode = self._examples(criterion, text, mode)
            if new_mode is not None:
                label = example_label(text)
                mode = new_mode if label is not None and not label[1] else mode
                continue
            question = given_question(text)
            if question and not criterion.question:
                criterion.question = question
            elif criterion.level(text):
                continue
            elif mode and block.kind == "item":
                self._add(criterion, mode, [clean(text).strip(" \"“”")])
            else:
                mode = None
                criterion.details.append(description_label(text) or clean(text))
                for polarity, phrase in embedded_examples(text):
                    self._add(criterion, polarity, [phrase])
        section.criteria.append(criterion)

    # ----------------------------------------------------------------- tables

    def _table(self, section: _Section, rows: list[list[str]]) -> None:
        table_rows, notes = read_table(rows)
        self.notes.extend(notes)
        current = section
        for row in table_rows:
            if row.section:
                current = self._section_named(row.section)
            criterion = _Criterion(row.name, row.description, row.question, weight=row.weight, done_or_not=row.points)
            for polarity, phrase in embedded_examples(row.description):  # 'Confirm their goals: "What ...?"'
                self._add(criterion, polarity, [phrase])
            self._add(criterion, "good", row.good_examples)
            self._add(criterion, "poor", row.poor_examples)
            current.criteria.append(criterion)

    def _section_named(self, name: str) -> _Section:
        name = heading_name(name)
        for section in self.sections:
            if section.name.lower() == name.lower():
                return section
        self.sections.append(_Section(name))
        return self.sections[-1]

    # ----------------------------------------------------------------- headings

    def node(self, node: _Node, parent: _Section | None) -> None:
        """Read one heading: a section, a stage, a criterion heading, or context."""
        name = heading_name(node.text)
        items = [b for b in node.blocks if b.kind == "item" and b.level == 0
                 and example_label(b.text) is None and not is_quote_line(b.text)]
        tables = [b for b in node.blocks if b.kind == "table"]
        prose_checks = any(self._lead_in(b.text) or self._checklist_line(b.text)
                           for b in node.blocks if b.kind == "text")
        if node.children:
            section = self._section_named(name)
            self._stage(section, node.blocks)
            for child in node.children:
                self.node(child, section)
        elif parent is not None and not tables:
            self._criterion_heading(parent, node)
        elif items or tables or prose_checks:
            self._stage(self._section_named(name), node.blocks)
        elif any(given_question(b.text) or example_label(b.text) or is_quote_line(b.text) or b.kind == "quote"
                 or description_label(b.text) for b in node.blocks):
            self._criterion_heading(self._section_named(""), node)
        else:
            self.skipped.append(name)

    # ----------------------------------------------------------------- whole document

    def finish(self, title: str | None) -> Interpretation:
        for section in self.sections:  # "- 1", "- ???": a list item without a word names no check
            section.criteria = [c for c in section.criteria if re.search(r"[^\W\d_]", c.name)]
            for c in section.criteria:
                if not c.question:
                    # "Why it matters: ..." explains the check; it does not say what the rep does
                    said = [d for d in c.details if not _METADATA.match(d)] + c.scale()[-1:]
                    question, source = build_question(c.name, c.rest or (said[0] if said else ""))
                    c.question = question
                    if source == "guessed":
                        self.guessed.append(c.name)
        sections = [s for s in self.sections if s.criteria]
        if self.guessed:
            shown = ", ".join(f"'{n}'" for n in self.guessed[:3]) + (", ..." if len(self.guessed) > 3 else "")
            self.notes.append(f"guessed the question for {len(self.guessed)} "
                              f"criteri{'on' if len(self.guessed) == 1 else 'a'} from a name alone ({shown}); "
                              "check them")
        if self.shortened:
            shown = ", ".join(f"'{n}'" for n in self.shortened[:3]) + (", ..." if len(self.shortened) > 3 else "")
            self.notes.append(f"named {len(self.shortened)} long check(s) by their opening phrase ({shown}); "
                              "the whole check is kept as its question and top level: check the names")
        if self.skipped:
            self.notes.append("read " + ", ".join(f"'{s}'" for s in self.skipped)
                              + " as context: no checks under the heading")
        if self.stray_examples:
            self.notes.append(f"ignored {self.stray_examples} example line(s) that follow no criterion")
        if not sections:
            return Interpretation(None, self.notes)
        draft = MethodologyDraft(
            name=title or "",
            description=" ".join(self.intro),
            sections=[SectionDraft(
                name=s.name, description=" ".join(s.description),
                criteria=[CriterionDraft(
                    name=c.name, question=c.question,
                    description=" ".join(d for d in [c.rest, *c.details] if d and not _METADATA.match(d)),
                    good_examples=_unique(c.good), poor_examples=_unique(c.poor), levels=c.scale(),
                    weight=c.weight, done_or_not=c.done_or_not,
                ) for c in s.criteria],
            ) for s in sections],
        )
        return Interpretation(draft, self.notes)


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _merge_wrapped(blocks: list[Block]) -> list[Block]:
    """Join a prose line to the one above when it continues it (hard-wrapped paragraphs)."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        starts_own_line = example_label(block.text) is not None or given_question(block.text) is not None \
            or is_quote_line(block.text) or _METADATA.match(clean(block.text)) is not None
        continues = prev is not None and block.kind == prev.kind and block.kind in ("text", "quote") \
            and block.paragraph == prev.paragraph and not starts_own_line and (
                block.text[:1].islower() or (len(prev.text) > 60 and not prev.text.rstrip().endswith(
                    (".", ":", "?", "!", '"', "”"))))
        if continues and prev is not None:  # continues implies prev
            prev.text = f"{prev.text} {block.text}"
        else:
            out.append(Block(block.kind, block.text, block.level, block.ordered, block.paragraph, block.rows))
    return out


def interpret(blocks: list[Block], plain_text: bool = False) -> Interpretation:
    """The methodology draft a playbook's blocks describe (None when they hold no criteria).

    blocks: from review.playbook.blocks or review.playbook.docx_reader. plain_text: short
    one-line checks in prose count as criteria (a .txt checklist), not only lead-in paragraphs.
    """
    blocks = _merge_wrapped(blocks)
    reader = _Reader(plain_text)
    headings = [b for b in blocks if b.kind == "heading"]
    title = None
    if blocks and blocks[0].kind == "heading" and (blocks[0].level <= 1 or len(headings) > 1) \
            and all(h.level > blocks[0].level for h in headings[1:]):
        title, blocks = heading_name(blocks[0].text), blocks[1:]
    root = _Node("", 0)
    stack = [root]
    for block in blocks:
        if block.kind == "heading":
            while stack[-1] is not root and stack[-1].level >= block.level:
                stack.pop()
            node = _Node(block.text, block.level)
            stack[-1].children.append(node)
            stack.append(node)
        else:
            stack[-1].blocks.append(block)
    general = _Section("")
    reader.sections.append(general)
    reader._stage(general, root.blocks, prose=not root.children)  # prose above the headings is the intro
    reader.intro.extend(d for d in general.description if not _METADATA.match(d))
    general.description = []
    for child in root.children:
        reader.node(child, None)
    return reader.finish(title)
