"""The coaching agenda as an editable document: its parts, talking points and action plan.

The manager edits the agenda part by part on the Coaching prep page; each part is stored as a
versioned document in the store (review.store document methods):
- "agenda/<part key>": the part's Markdown, edited as a list of talking points (one per line);
- "agenda/actions": the action plan as JSON, a list of {action, owner, due, watch_criterion};
- "prep_note": the manager's one-page prep note, Markdown;
- "draft": a redrafted CoachingDraft as JSON, when the manager redrafted the agenda after
  overrides changed the focus (its parts are then saved as new versions of the documents above,
  so the earlier text stays in their history).
`edited_draft` puts the latest versions back into a CoachingDraft, which every export renders.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from pydantic import TypeAdapter, ValidationError

from .errors import InputError
from .types import ActionItem, CoachingDraft

__all__ = [
    "ACTIONS_KEY", "DRAFT_KEY", "PREP_NOTE_KEY", "READ_KEY", "SHARED_KEY", "actions_from_rows", "actions_json", "actions_to_rows",
    "base_draft", "documents_of", "edited_draft", "from_points", "is_agenda_key", "part_key", "read_marker", "rep_view", "stored_actions",
    "to_points", "without_action_table",
]

ACTIONS_KEY = "agenda/actions"
PREP_NOTE_KEY = "prep_note"
DRAFT_KEY = "draft"
# whether the rep may read the agenda: the manager turns it "on" once the agenda is ready ("off" again
# to withdraw it); a document, so who did it and when is kept in its versions
SHARED_KEY = "shared_with_rep"
SHARED = "on"
# the rep opened the shared agenda: a version per share they read ("read share <share version>"), its
# author and time telling the manager who read it and when (review.store.scoped.mark_agenda_read)
READ_KEY = "read_by_rep"
_LIST_ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s")
_TABLE_ROW = re.compile(r"^\s*\|")
_ACTIONS = TypeAdapter(list[ActionItem])


def part_key(key: str) -> str:
    """The document key of an agenda part ("set_the_stage" -> "agenda/set_the_stage")."""
    return f"agenda/{key}"


def read_marker(share_version: int) -> str:
    """The READ_KEY content for a rep who read the agenda shared as `share_version` of SHARED_KEY."""
    return f"read share {share_version}"


def is_agenda_key(key: str | None) -> bool:
    """Whether a document key holds the agenda (a part, the action plan or a redraft): what a rep
    reads once the manager shares it."""
    return key is not None and (key.startswith("agenda/") or key == DRAFT_KEY)


def rep_view(draft: CoachingDraft) -> CoachingDraft:
    """What a rep may read of a draft: the focus, the agenda and the action plan, without the
    manager's preparation (the prep note, the Solution Chart's reasons and questions, ROAM, and the
    advice to the manager that follows a pattern after a dash: "first reviewed call — validate
    whether it is a pattern ..." reads "first reviewed call")."""
    from .coach_analysis import pattern_finding

    return draft.model_copy(update={"prep_note_markdown": "", "solution_reason": "", "confirm_questions": [],
                                    "roam": {}, "pattern": pattern_finding(draft.pattern)})


def to_points(markdown: str) -> list[str]:
    """A part's Markdown as talking points: one per non-empty line, as written."""
    return [line.rstrip() for line in markdown.splitlines() if line.strip()]


def from_points(points: list[str]) -> str:
    """Talking points back to Markdown: list items stay together as one list, anything else is its
    own paragraph. Empty points are dropped; a point spanning lines is joined into one line."""
    lines = [" ".join(str(p).split()) for p in points if p is not None and str(p).strip()]
    out: list[str] = []
    for line in lines:
        if out and not (_LIST_ITEM.match(line) and _LIST_ITEM.match(out[-1])):
            out.append("")
        out.append(line)
    return "\n".join(out)


def without_action_table(markdown: str) -> str:
    """A develop-the-plan body without its Markdown action table (older drafts carried the table in
    the text; the plan is now its own document, rendered by the exports)."""
    kept = [line for line in markdown.splitlines() if not _TABLE_ROW.match(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def actions_to_rows(actions: list[ActionItem]) -> list[dict]:
    """Action items as table rows for an editor (keys action, owner, due, watch)."""
    return [{"action": a.action, "owner": a.owner, "due": a.due, "watch": a.watch_criterion or ""} for a in actions]


def actions_from_rows(rows: list[dict]) -> list[ActionItem]:
    """Edited table rows back to action items. A row with no action text is dropped (an empty new
    row); a row with an action needs an owner and a due date (YYYY-MM-DD), else InputError."""
    from datetime import date

    items = []
    for n, row in enumerate(rows, 1):
        action = " ".join(str(row.get("action") or "").split())
        if not action:
            continue
        owner = " ".join(str(row.get("owner") or "").split())
        due = row.get("due")
        due = (due.isoformat() if isinstance(due, date) else str(due or "")).strip()[:10]  # a date or a timestamp
        if not owner:
            raise InputError(f"action {n} ('{action[:40]}') has no owner; write who does it (rep or manager)")
        try:
            date.fromisoformat(due)
        except ValueError:
            raise InputError(f"action {n} ('{action[:40]}') needs a due date as YYYY-MM-DD, not '{due}'") from None
        watch = " ".join(str(row.get("watch") or "").split()) or None
        items.append(ActionItem(action=action, owner=owner, due=due, watch_criterion=watch))
    return items


def actions_json(actions: list[ActionItem]) -> str:
    """The stored form of the action plan (the "agenda/actions" document)."""
    return json.dumps([a.model_dump() for a in actions], indent=1, ensure_ascii=False)


def stored_actions(content: str) -> list[ActionItem]:
    """The action plan from its stored JSON (InputError if it is not a list of actions)."""
    try:
        return _ACTIONS.validate_json(content)
    except ValidationError as exc:
        raise InputError(f"the stored action plan is not a list of actions ({exc.error_count()} error(s)); "
                         "restore an earlier version from its history") from None


def base_draft(draft: CoachingDraft, latest: Callable[[str], tuple[str, int] | None]) -> CoachingDraft:
    """The draft the documents start from: the latest redraft if there is one, else the review's."""
    found = latest(DRAFT_KEY)
    if not found:
        return draft
    try:
        return CoachingDraft.model_validate_json(found[0])
    except ValidationError:
        raise InputError("the stored redraft of this agenda is not a coaching draft; redraft it again") from None


def documents_of(draft: CoachingDraft) -> dict[str, str]:
    """Every document of a (re)draft, key -> content, as the store keeps them."""
    docs = {part_key(s.key): without_action_table(s.body_markdown) if s.key == "develop_plan" else s.body_markdown
            for s in draft.agenda}
    return docs | {ACTIONS_KEY: actions_json(draft.actions), PREP_NOTE_KEY: draft.prep_note_markdown,
                   DRAFT_KEY: draft.model_dump_json()}


def edited_draft(draft: CoachingDraft, latest: Callable[[str], tuple[str, int] | None]) -> CoachingDraft:
    """The draft with the manager's latest saved parts, action plan and prep note.

    draft: the review's CoachingDraft (a later redraft, if stored, replaces it). latest: document
    key -> (content, version) or None, e.g. `lambda key: store.get_document(review_id, key)`.
    """
    draft = base_draft(draft, latest)
    sections = []
    for section in draft.agenda:
        found = latest(part_key(section.key))
        body = found[0] if found else section.body_markdown
        if section.key == "develop_plan":
            body = without_action_table(body)
        sections.append(section.model_copy(update={"body_markdown": body}))
    actions = latest(ACTIONS_KEY)
    note = latest(PREP_NOTE_KEY)
    return draft.model_copy(update={
        "agenda": sections,
        "actions": stored_actions(actions[0]) if actions else draft.actions,
        "prep_note_markdown": note[0] if note else draft.prep_note_markdown,
    })
