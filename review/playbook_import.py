"""Turn a team's written playbook (Markdown or plain text) into a `Methodology`.

Without an LLM the parse is deterministic: headings are sections, bullets are criteria, and
each criterion gets a "Did the rep ...?" question, the common 0/1/2 rubric (not covered / vague /
specific and confirmed), a few keywords and generic coaching text the team can edit afterwards.
With an engine (the `review.llm` seam) the model drafts the file; its reply is validated, re-asked
once with the error, and replaced by the deterministic parse (with a warning) if still invalid.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import PurePath

from pydantic import ValidationError

from .errors import InvalidReplyError, MethodologyError
from .schema import Methodology

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
RULE = re.compile(r"^\s*([-*_=]\s*){3,}$")  # horizontal rules and setext underlines carry no content
# Where a bullet's name ends and its explanation begins: "Budget: ..." or "Budget - ...".
NAME_SPLIT = re.compile(r"\s*:\s+|\s*:$|\s+[-–—]\s+")
STOPWORDS = set(
    """a about above after again all also an and any are as at be because been before being both but by
    can could did do does doing down during each few for from further had has have having he her here
    how i if in into is it its itself just me more most my no nor not now of off on once only or other
    our out over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your set get rep reps customer customers buyer call calls ask asks asked make sure""".split()
)
# Imperatives that can follow "Did the rep ..." as they are.
VERBS = set(
    """ask agree align book check clarify close confirm cover define describe discover discuss establish
    explain explore find gain get handle identify introduce learn listen map mention name open outline
    pin present probe propose qualify quantify question recap reframe review schedule secure set share
    show state summarise summarize tailor teach test uncover understand use validate verify""".split()
)


class PlaybookImportWarning(UserWarning):
    """The LLM's draft was unusable and the deterministic parse was used instead."""


@dataclass
class _Draft:
    """A criterion as read from the playbook, before the methodology is built."""

    name: str
    rest: str = ""
    details: list[str] = field(default_factory=list)
    from_heading: bool = False  # a `###` criterion: the bullets under it describe it


@dataclass
class _SectionDraft:
    name: str
    description: str = ""
    criteria: list[_Draft] = field(default_factory=list)


def _clean(text: str) -> str:
    """Markdown emphasis, links and code marks removed; whitespace collapsed."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    text = re.sub(r"(?<!\w)_(.+?)_(?!\w)", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


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


def _split_bullet(text: str) -> _Draft:
    """'Budget: confirm the amount' -> name 'Budget', rest 'confirm the amount'."""
    text = _clean(text)
    parts = NAME_SPLIT.split(text, maxsplit=1)
    name, rest = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
    if len(name.split()) > 8 and not rest:  # a sentence, not a name: keep it whole as the check
        name, rest = " ".join(name.split()[:6]).rstrip(",.;"), name
    return _Draft(name=name.rstrip(".") or text, rest=rest)


def _lower_first(text: str) -> str:
    first = text.split()[0] if text.split() else ""
    return text if first.isupper() and len(first) > 1 else text[:1].lower() + text[1:]


def _as_action(text: str) -> str | None:
    """'Confirms the budget' / 'The rep confirms the budget' -> 'confirm the budget'; None if no verb."""
    words = re.sub(r"^(the\s+)?reps?\s+((must|should|will|needs? to|has to)\s+)?", "", text.strip(),
                   flags=re.I).split()
    if not words:
        return None
    head = words[0].lower()
    for base in (head, head[:-1] if head.endswith("s") else "", head[:-2] if head.endswith("es") else ""):
        if base in VERBS:
            return " ".join([base, *words[1:]])
    return None


def build_question(name: str, rest: str) -> str:
    """An observable check, always phrased "Did the rep ...?"."""
    rest = rest.strip().rstrip(".;")
    for candidate in (rest, name):
        action = _as_action(candidate) if candidate else None
        if action:
            return f"Did the rep {action.rstrip('?.')}?"
    if rest.endswith("?"):
        return f"Did the rep ask {_lower_first(rest)}"
    detail = f" ({_lower_first(rest)})" if rest and len(rest) <= 120 else ""
    return f"Did the rep cover {_lower_first(name)}{detail}?"


def _keywords(text: str, limit: int = 5) -> list[str]:
    """A few content words; generic verbs ("confirm", "ask") only if nothing else is left."""
    words: list[str] = []
    for word in re.findall(r"[A-Za-z][A-Za-z'-]+", text):
        word = word.lower().strip("'-")
        if len(word) > 2 and word not in STOPWORDS and word not in words:
            words.append(word)
    specific = [w for w in words if w not in VERBS]
    return (specific or words)[:limit]


def _criterion(draft: _Draft, criterion_id: str, section_id: str) -> dict:
    detail = " ".join(d for d in [draft.rest, *draft.details] if d)
    quotes = re.findall(r"[\"“]([^\"”]{8,})[\"”]", detail)
    topic = f'"{draft.name}"'
    return {
        "id": criterion_id,
        "name": draft.name,
        "section": section_id,
        "question": build_question(draft.name, draft.rest or (draft.details[0] if draft.details else "")),
        "levels": [
            {"score": 0, "label": "Not covered", "description": f"Nothing in the call addresses {topic}."},
            {"score": 1, "label": "Vague", "description":
                f"{topic} comes up, but only in general terms or without the customer confirming it."},
            {"score": 2, "label": "Specific and confirmed", "description":
                f"{topic} is covered specifically and the customer confirms the details."},
        ],
        "good_examples": quotes[:3],
        "keywords": _keywords(f"{draft.name} {detail}"),
        "coaching": {
            "usual_cause": (f"The rep knows {topic} matters but does not plan it as a step of the call, "
                            "so it is skipped or left vague when time runs short."),
            "drill": (f"Before each of the next three calls, write the question you will ask about {topic} "
                      "and one follow-up that makes the answer specific; afterwards, find the customer's "
                      "answer in the recording."),
            "likely_solution": "coaching",
        },
    }


def _parse_markdown(lines: list[str]) -> tuple[str | None, str, list[_SectionDraft]]:
    """(title, description, sections) from Markdown lines."""
    title, intro, sections = None, [], []
    current: _SectionDraft | None = None
    last: _Draft | None = None  # the criterion that following text and nested bullets belong to

    def section() -> _SectionDraft:
        nonlocal current
        if current is None:  # criteria before the first heading
            current = _SectionDraft("")
            sections.append(current)
        return current

    for line in lines:
        heading, bullet = HEADING.match(line), BULLET.match(line)
        if RULE.match(line):
            continue
        if heading:
            level, text = len(heading.group(1)), _clean(heading.group(2))
            if level == 1 and title is None and not sections:
                title, last = text, None
            elif level <= 2:
                current, last = _SectionDraft(text), None
                sections.append(current)
            else:
                last = _Draft(name=text.rstrip(":."), from_heading=True)
                section().criteria.append(last)
        elif bullet and not _clean(bullet.group(2)):
            continue
        elif bullet and last is not None and (bullet.group(1) or last.from_heading):
            last.details.append(_clean(bullet.group(2)))
        elif bullet:
            last = _split_bullet(bullet.group(2))
            section().criteria.append(last)
        elif line.strip():
            text = _clean(line)
            if last is not None:
                last.details.append(text)
            elif current is not None:
                current.description = f"{current.description} {text}".strip()
            else:
                intro.append(text)
    return title, " ".join(intro), sections


def _is_section_line(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return line.endswith(":") or (bool(letters) and all(ch.isupper() for ch in letters))


def _parse_plain_text(lines: list[str]) -> tuple[str | None, str, list[_SectionDraft]]:
    """(title, description, sections): lines ending in ':' or in CAPITALS open sections."""
    stripped = [line.strip() for line in lines if line.strip()]
    title = None
    # A first line followed directly by a section line is the playbook's title, not a criterion.
    if len(stripped) > 1 and not _is_section_line(stripped[0]) and _is_section_line(stripped[1]):
        title, stripped = _clean(stripped[0]), stripped[1:]
    sections: list[_SectionDraft] = []
    for line in stripped:
        if _is_section_line(line):
            sections.append(_SectionDraft(_clean(line.rstrip(":").strip())))
            continue
        bullet = BULLET.match(line)
        text = bullet.group(2) if bullet else line
        if not sections:
            sections.append(_SectionDraft(""))
        if _clean(text):
            sections[-1].criteria.append(_split_bullet(text))
    return title, "", sections


def _pretty_stem(source_name: str) -> str:
    stem = re.sub(r"[_\-.]+", " ", PurePath(source_name).stem).strip()
    return stem[:1].upper() + stem[1:] if stem else "Imported playbook"


def parse_playbook(text: str, source_name: str) -> Methodology:
    """The deterministic parse (see the module docstring).

    text: the playbook. source_name: its file name (the methodology's name if it has no title).
    """
    lines = text.replace("\r\n", "\n").split("\n")
    markdown = PurePath(source_name).suffix.lower() in (".md", ".markdown") or any(
        HEADING.match(line) for line in lines
    )
    title, intro, sections = (_parse_markdown if markdown else _parse_plain_text)(lines)
    sections = [s for s in sections if s.criteria]
    if not sections:
        shape = ("'#'/'##' headings for sections with bullet points (-, *, 1.) or '###' headings "
                 "under them for the criteria") if markdown else (
                 "section lines ending in ':' (or in CAPITALS), each followed by one criterion per line")
        raise MethodologyError(f"{source_name}: no criteria found; a playbook needs {shape}")
    name = title or _pretty_stem(source_name)
    section_ids: set[str] = set()
    criterion_ids: set[str] = set()
    section_rows, criteria_rows = [], []
    for n, draft_section in enumerate(sections, start=1):
        section_name = draft_section.name or "General"
        section_id = _unique(slugify(section_name, f"section_{n}"), section_ids)
        section_rows.append({"id": section_id, "name": section_name, "description": draft_section.description})
        for draft in draft_section.criteria:
            criterion_id = _unique(slugify(draft.name, f"criterion_{len(criterion_ids) + 1}"), criterion_ids)
            criteria_rows.append(_criterion(draft, criterion_id, section_id))
    data = {
        "id": slugify(name, "imported_playbook"),
        "name": name,
        "version": "1.0",
        "description": intro or f"Imported from the playbook {source_name}; review the questions and levels.",
        "source": f"Team playbook {source_name}",
        "sections": section_rows,
        "criteria": criteria_rows,
    }
    try:
        return Methodology.model_validate(data)
    except ValidationError as exc:  # only reachable through text the rules above do not foresee
        raise MethodologyError(f"{source_name}: could not turn the playbook into criteria "
                               f"({summarize_errors(exc)}); write it as a methodology YAML instead") from None


def summarize_errors(exc: ValidationError, limit: int = 8) -> str:
    """Validation errors as one line: `field.path: message; ...`."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        parts.append(f"{loc or 'top level'}: {err['msg']}")
    more = f" (and {len(exc.errors()) - limit} more)" if len(exc.errors()) > limit else ""
    return "; ".join(parts) + more


SYSTEM_PROMPT = """You turn a sales team's written call playbook into a methodology file used to score \
recorded sales calls. Reply with one JSON object that matches the given JSON schema exactly (no other keys).
Rules:
- One section per stage or topic of the playbook; every criterion names the id of its section.
- Each criterion is one observable behaviour, checkable from a transcript. Its question is a yes/no check
  phrased "Did the rep ...?".
- Levels are scored 0, 1, 2, ... in order; use 0 = not covered, 1 = vague, 2 = specific and confirmed
  unless the playbook defines its own scale.
- Ids are lower-case slugs (letters, digits, '_', '-'), unique within the file.
- keywords are short phrases a transcript would contain when the behaviour happens.
- coaching.usual_cause says why reps usually miss it; coaching.drill is a concrete practice exercise.
- Use only what the playbook says; do not add criteria it does not contain."""


def _ask_engine(engine, text: str, source_name: str) -> Methodology | None:
    """The engine's methodology (the engine re-asks once with the validation error); None if still invalid."""
    user = f"Playbook file: {source_name}\n\n{text}"
    try:
        drafted, _usage = engine.complete(SYSTEM_PROMPT, user, Methodology, "methodology")
        return drafted
    except InvalidReplyError as exc:  # an unreachable endpoint or a bad key still stops the import
        error = str(exc)
    warnings.warn(
        f"{source_name}: the LLM's methodology was still invalid after one retry ({error}); "
        "used the rule-based import instead — check the questions and levels",
        PlaybookImportWarning,
        stacklevel=3,
    )
    return None


def playbook_to_methodology(text: str, source_name: str, engine=None) -> Methodology:
    """A methodology from a Markdown or plain-text playbook.

    text: the playbook's content. source_name: its file name, used in messages and as the name
    when the playbook has no title. engine: a `review.llm` ChatEngine
    (`complete(system, user, Methodology, name) -> (Methodology, usage)`), or None for the rule-based parse.
    Raises MethodologyError when the playbook contains no criteria.
    """
    if engine is not None:
        drafted = _ask_engine(engine, text, source_name)
        if drafted is not None:
            return drafted
    return parse_playbook(text, source_name)
