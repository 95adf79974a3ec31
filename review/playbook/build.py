"""A methodology draft -> a validated `Methodology`, and the report of what the import made.

Ids are slugs of the names, levels the common 0/1/2 rubric (with the playbook's own "what good
looks like" as level 2 when it gives one), or done / not done when the playbook says its checks
are ticked or answered yes / no, keywords escaped regexes of the criterion's wording
and of its example phrases' openings (review.playbook.keyword_rules),
coaching text generic for the team to edit. The draft's questions are kept when they are yes/no
checks and derived from the criterion's wording when not.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from pydantic import ValidationError

from ..errors import MethodologyError
from ..schema import MAX_CRITERIA, MAX_SECTIONS, MAX_WEIGHT, Methodology
from .blocks import LINK
from .draft import CriterionDraft, MethodologyDraft
from .keyword_rules import example_openings, keyword_text, keywords, topic_of
from .wording import build_question, given_question, is_asked_check


@dataclass(frozen=True)
class CriterionSummary:
    name: str
    question: str
    good_examples: int
    poor_examples: int
    weight: float = 1.0


@dataclass(frozen=True)
class SectionSummary:
    name: str
    criteria: tuple[CriterionSummary, ...]


@dataclass(frozen=True)
class ImportReport:
    """What an import made and where it guessed.

    source: the playbook's file name. drafted_by: "rules" or "LLM (<model>)". sections: per
    section, each criterion with its question and example counts. notes: one line per guess.
    """

    source: str
    drafted_by: str
    sections: tuple[SectionSummary, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class PlaybookImport:
    """A playbook's methodology (validated, not yet saved) and the report of how it was read."""

    methodology: Methodology
    report: ImportReport


def slugify(text: str, fallback: str) -> str:
    """A schema id from text: ascii lower-case words joined by '_', at most ~40 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        if slug and len(slug) + 1 + len(word) > 40:
            break
        slug = f"{slug}_{word}" if slug else word[:40]
    return slug or fallback


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}_{n}", n + 1
    taken.add(candidate)
    return candidate


def summarize_errors(exc: ValidationError, limit: int = 8) -> str:
    """Validation errors as one line: `field.path: message; ...`."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        parts.append(f"{loc or 'top level'}: {err['msg']}")
    more = f" (and {len(exc.errors()) - limit} more)" if len(exc.errors()) > limit else ""
    return "; ".join(parts) + more


def _topic(draft: MethodologyDraft) -> frozenset[str]:
    """Stems of the words more than a quarter of the criteria (and at least three) use in their
    wording or example phrases: the methodology's subject ('customer', 'charity'), which matches
    every call. Examples count: a team writes its subject into what reps say ('Save the Children')
    as often as into the checks."""
    criteria = [c for s in draft.sections for c in s.criteria]
    return topic_of([" ".join([keyword_text(c.name, c.description), *c.good_examples, *c.poor_examples])
                     for c in criteria], len(criteria))


# An introduction that says the checks are ticked or answered yes / no ("Score each check yes or
# no", "check whether the volunteer used each move", "Tick each item"), or a title naming the
# document a checklist: each check is done or not, with no "vague" level in between.
_YES_NO_INTRO = re.compile(r"\byes\s*(?:/|or)\s*no\b|\btick(?:ed)?\s+(?:each|every|off)\b|\bcheck(?:ing)?\s+whether\b",
                           re.I)


def is_yes_no(draft: MethodologyDraft) -> bool:
    """Whether the playbook scores its checks yes / no (its introduction or title says so)."""
    return bool(_YES_NO_INTRO.search(draft.description) or re.search(r"\bchecklist\b", draft.name, re.I))


_SCALE_LABELS = {2: ("Not done", "Done"), 3: ("Not covered", "Partly", "Fully")}


def _own_levels(c: CriterionDraft) -> list[str]:
    """The playbook's own scale for a check ("0 = never asks", ...), when it gives two levels or more."""
    own = [" ".join(str(level).split()) for level in c.levels if str(level).strip()]
    return own if len(own) >= 2 else []


def _levels(c: CriterionDraft, yes_no: bool) -> list[dict]:
    topic = f"'{c.name}'"
    own = _own_levels(c)
    if own:  # the playbook's own scale ("0 = never asks", "1 = ...", "2 = ...")
        labels = _SCALE_LABELS.get(len(own), tuple(f"Level {n}" for n in range(len(own))))
        return [{"score": n, "label": label, "description": text[:1].upper() + text[1:]}
                for n, (label, text) in enumerate(zip(labels, own, strict=True))]
    described = c.description[:1].upper() + c.description[1:] if c.description and len(c.description) <= 300 else ""
    if yes_no:
        return [{"score": 0, "label": "Not done", "description": f"Nothing in the call shows {topic}."},
                {"score": 1, "label": "Done", "description": described or f"The call shows {topic}."}]
    return [
        {"score": 0, "label": "Not covered", "description": f"Nothing in the call addresses {topic}."},
        {"score": 1, "label": "Vague", "description":
            f"{topic} comes up, but only in general terms or without the customer confirming it."},
        {"score": 2, "label": "Specific and confirmed", "description":
            described or "Done specifically, and the customer confirms the details."},
    ]


def _criterion_row(c: CriterionDraft, criterion_id: str, section_id: str,
                   topic_words: frozenset[str] = frozenset(), yes_no: bool = False) -> dict:
    topic = f"'{c.name}'"
    question = given_question(c.question) or build_question(c.name, c.description)[0]
    return {
        "id": criterion_id,
        "name": c.name,
        "section": section_id,
        "question": question,
        "levels": _levels(c, yes_no or c.done_or_not),
        "good_examples": list(c.good_examples),
        "poor_examples": list(c.poor_examples),
        "keywords": keywords(keyword_text(c.name, c.description), topic=topic_words)
        + example_openings(c.good_examples, topic_words),
        "needs_question": is_asked_check(question),
        # points the playbook gives (a table's Points / Weight column); a value no weight can be is dropped
        **({"weight": c.weight} if c.weight and math.isfinite(c.weight) and 0 < c.weight <= MAX_WEIGHT else {}),
        "coaching": {
            "usual_cause": (f"The rep knows {topic} matters but does not plan it as a step of the call, "
                            "so it is skipped or left vague when time runs short."),
            "drill": _drill(c, topic, is_asked_check(question)),
            "likely_solution": "coaching",
        },
    }


def _drill(c: CriterionDraft, topic: str, asked: bool) -> str:
    """A practice for the next calls: a question to ask for a check that is asked; the rep's own
    words for one that is said (an appeal, a story, an explanation), with the playbook's example."""
    if asked:
        return (f"Before each of the next three calls, write the question you will ask for {topic} and one "
                "follow-up that makes the answer specific; afterwards, find the customer's answer in the recording.")
    example = next((e for e in c.good_examples if e.strip() and len(e) <= 200), "")
    like = f" (the playbook's example: \"{example}\")" if example else ""
    return (f"Before each of the next three calls, write down in your own words what you will say for {topic}"
            f"{like} and where in the call it fits; afterwards, find that moment in the recording and what "
            "the customer said next.")


def _pretty_stem(source_name: str) -> str:
    stem = re.sub(r"[_\-.]+", " ", re.sub(r"\.[A-Za-z0-9]+$", "", source_name.rsplit("/", 1)[-1])).strip()
    return stem[:1].upper() + stem[1:] if stem else "Imported playbook"


# tags a Markdown viewer would act on ("<id>" in "dialogues/<id>.txt" is text)
_TAG = re.compile(r"</?(?:img|a|script|iframe|style|svg|link|object|embed|video|audio|source|meta|form|input|"
                  r"base|picture|frame|frameset|image)\b[^<>]{0,500}>", re.I)


def _plain(value):
    """A draft's words without what a browser would act on where they are shown: a Markdown link or
    image becomes its text, an HTML tag goes (an uploaded document, or an LLM reading it, may hold
    `![x](http://host/p.png)`; names and examples end up in the agenda and the app)."""
    if isinstance(value, str):
        if "<" not in value and "](" not in value:
            return value
        return re.sub(r"\s+([?.!,;:])", r"\1", " ".join(_TAG.sub(" ", LINK.sub(r"\1", value)).split()))
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def build_methodology(draft: MethodologyDraft, source_name: str, drafted_by: str,
                      notes: list[str]) -> PlaybookImport:
    """The validated methodology of a draft and its report.

    draft: from the rule-based reader or the LLM. source_name: the playbook's file name (the
    methodology's name when the draft has none). drafted_by: "rules" or "LLM (<model>)".
    notes: the reader's guesses; this adds the criteria that have no examples.
    Raises MethodologyError when the draft does not make a valid methodology.
    """
    draft = MethodologyDraft.model_validate(_plain(draft.model_dump()))
    name = draft.name.strip() or _pretty_stem(source_name)
    section_ids: set[str] = set()
    criterion_ids: set[str] = set()
    section_rows, criteria_rows, summaries = [], [], []
    topic_words = _topic(draft)
    yes_no = is_yes_no(draft)
    for n, section in enumerate(draft.sections, start=1):
        section_name = section.name.strip() or "General"
        section_id = _unique(slugify(section_name, f"section_{n}"), section_ids)
        section_rows.append({"id": section_id, "name": section_name, "description": section.description})
        rows = []
        for c in section.criteria:
            criterion_id = _unique(slugify(c.name, f"criterion_{len(criterion_ids) + 1}"), criterion_ids)
            rows.append(_criterion_row(c, criterion_id, section_id, topic_words, yes_no))
        criteria_rows.extend(rows)
        summaries.append(SectionSummary(section_name, tuple(
            CriterionSummary(r["name"], r["question"], len(r["good_examples"]), len(r["poor_examples"]),
                             r.get("weight", 1.0))
            for r in rows)))
    data = {
        "id": slugify(name, "imported_playbook"),
        "name": name,
        "version": "1.0",
        "description": draft.description.strip()
        or f"Imported from the playbook {source_name}; review the questions and levels.",
        "source": f"Team playbook {source_name}",
        "sections": section_rows,
        "criteria": criteria_rows,
    }
    for count, limit, what in ((len(criteria_rows), MAX_CRITERIA, "criteria"), (len(section_rows), MAX_SECTIONS, "sections")):
        if count > limit:
            raise MethodologyError(f"{source_name}: {count} {what}, more than the {limit} a methodology holds; split "
                                   "the playbook into one per kind of call and import each")
    try:
        methodology = Methodology.model_validate(data)
    except ValidationError as exc:
        raise MethodologyError(f"{source_name}: could not turn the playbook into criteria "
                               f"({summarize_errors(exc)}); write it as a methodology YAML instead") from None
    bare = [r["name"] for r in criteria_rows if not r["good_examples"] and not r["poor_examples"]]
    notes = list(notes)
    scaled = sum(1 for s in draft.sections for c in s.criteria if _own_levels(c))
    if scaled:
        notes.append(f"kept the playbook's own score levels for {scaled} of {len(criteria_rows)} criteria")
    if yes_no:
        notes.append("scored each check yes / no (0-1), as the playbook's introduction says; "
                     "edit the levels for a graded scale")
    pointed = sum(1 for s in draft.sections for c in s.criteria if c.done_or_not and not _own_levels(c))
    if pointed and not yes_no:
        notes.append(f"scored {pointed} of {len(criteria_rows)} checks done / not done, each for its points "
                     "(the Points column); edit the levels for a graded scale")
    if bare:
        notes.append(f"no examples for {len(bare)} of {len(criteria_rows)} criteria; add quoted example "
                     "phrases to the playbook (or the YAML) to help scoring")
    return PlaybookImport(methodology, ImportReport(source_name, drafted_by, tuple(summaries), tuple(notes)))


def format_report(report: ImportReport) -> str:
    """The report as text: a line per section, one per criterion, then the warnings."""
    count = sum(len(s.criteria) for s in report.sections)
    lines = [f"{report.source}: {len(report.sections)} section(s), {count} criteria "
             f"(drafted by {report.drafted_by})"]
    for section in report.sections:
        lines.append(f"  {section.name}")
        for c in section.criteria:
            weight = f", weight {c.weight:g}" if c.weight != 1.0 else ""
            lines.append(f"    - {c.name}: {c.good_examples} good / {c.poor_examples} poor example(s){weight}")
            lines.append(f"      {c.question}")
    return "\n".join(lines)
