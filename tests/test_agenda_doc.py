"""The agenda as a document: talking points, the action table, stored parts back into a draft, a
redraft saved over edits (history kept), and speakers by display name in exports."""

from __future__ import annotations

from datetime import date

import pytest
from test_coach import REP, _card_with_evidence, make_methodology

from review.agenda_doc import (
    ACTIONS_KEY,
    actions_from_rows,
    actions_json,
    actions_to_rows,
    documents_of,
    edited_draft,
    from_points,
    to_points,
    without_action_table,
)
from review.coach import draft_coaching
from review.errors import InputError
from review.redraft import check_focus, redraft, save_redraft
from review.speaker_names import relabel_quotes, speaker_names
from review.speakers import display_name
from review.types import ActionItem


def draft():
    return draft_coaching(_card_with_evidence(), make_methodology(), rep=REP, today=date(2026, 3, 2))


def test_talking_points_round_trip_keeps_lists_together_and_paragraphs_apart():
    text = "**Purpose:** one skill.\n\n**Objectives:**\n- one\n- two\n\n1. first\n2. second\n\nClosing line."
    points = to_points(text)
    assert points == ["**Purpose:** one skill.", "**Objectives:**", "- one", "- two", "1. first", "2. second",
                      "Closing line."]
    assert from_points(points) == "**Purpose:** one skill.\n\n**Objectives:**\n\n- one\n- two\n1. first\n2. second\n\nClosing line."
    assert to_points(from_points(points)) == points
    assert from_points(["  a   point\nover lines ", "", None, "- x"]) == "a point over lines\n\n- x"


def test_action_rows_are_checked_and_converted():
    rows = [{"action": "Role-play it", "owner": "rep", "due": date(2026, 3, 9), "watch": "pain"},
            {"action": "", "owner": "", "due": None, "watch": None}]  # an empty new row is dropped
    assert actions_from_rows(rows) == [ActionItem(action="Role-play it", owner="rep", due="2026-03-09",
                                                  watch_criterion="pain")]
    with pytest.raises(InputError, match="no owner"):
        actions_from_rows([{"action": "Send notes", "owner": " ", "due": "2026-03-09"}])
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        actions_from_rows([{"action": "Send notes", "owner": "rep", "due": "next week"}])
    import pandas as pd

    stamp = actions_from_rows([{"action": "a", "owner": "rep", "due": pd.Timestamp("2026-03-10")}])
    assert stamp[0].due == "2026-03-10"  # what a table's date column gives back
    items = draft().actions
    assert actions_from_rows(actions_to_rows(items)) == items


def test_edited_draft_takes_the_latest_documents_and_drops_an_old_action_table():
    d = draft()
    stored = {
        "agenda/set_the_stage": ("My opening", 2),
        "agenda/develop_plan": ("| Action | Owner |\n|---|---|\n| x | rep |\n\nCheck in on Friday.", 3),
        ACTIONS_KEY: (actions_json([ActionItem(action="Call back", owner="manager", due="2026-03-10")]), 1),
        "prep_note": ("# Mine", 2),
    }
    out = edited_draft(d, stored.get)
    bodies = {s.key: s.body_markdown for s in out.agenda}
    assert bodies["set_the_stage"] == "My opening" and bodies["develop_plan"] == "Check in on Friday."
    assert bodies["lead_analysis"] == d.agenda[1].body_markdown
    assert [a.action for a in out.actions] == ["Call back"] and out.prep_note_markdown == "# Mine"
    assert without_action_table("a\n| x |\n|---|\nb") == "a\nb"
    with pytest.raises(InputError, match="restore an earlier version"):
        edited_draft(d, {ACTIONS_KEY: ("{not json", 1)}.get)


class _Docs:
    """The store's document methods, in memory (versions and the base-version rule)."""

    def __init__(self):
        self.versions: dict[str, list[str]] = {}

    def get_document(self, review_id, key):
        v = self.versions.get(key)
        return (v[-1], len(v)) if v else None

    def save_document(self, review_id, key, content, base_version, author="manager"):
        v = self.versions.setdefault(key, [])
        assert base_version == (len(v) or None)
        if not v or v[-1] != content:
            v.append(content)
        return len(v)


def test_a_redraft_is_saved_over_the_edits_and_keeps_them_in_history():
    d = draft()
    docs = _Docs()
    for key, content in documents_of(d).items():
        docs.save_document(1, key, content, None)
    docs.save_document(1, "agenda/set_the_stage", "My edited opening", 1)

    class Review:
        scorecard = _card_with_evidence()

    overrides = {d.focus_criterion_id: {"score": 2, "comment": "it was there"}}
    check = check_focus(Review, d, overrides, make_methodology())
    assert check.changed and check.new_focus != d.focus_criterion_id
    new = redraft(Review, overrides, make_methodology(), rep=REP)
    save_redraft(docs, 1, new)
    history = docs.versions["agenda/set_the_stage"]
    assert history[1] == "My edited opening" and len(history) == 3 and check.new_focus_name in history[2]
    assert edited_draft(d, lambda key: docs.get_document(1, key)).focus_criterion_id == check.new_focus
    assert not check_focus(Review, d, {}, make_methodology()).changed


def test_display_names_in_exports():
    assert display_name("speaker_1", "rep", "Alex Rivera") == "Alex Rivera (rep)"
    assert display_name("speaker_2", "customer", "Alex Rivera") == "Customer"
    assert display_name("speaker_1", "rep", None) == "speaker_1 (rep)"  # no name known: the label stays
    assert display_name("Jordan Lee", "customer", None) == "Jordan Lee (customer)"
    names = speaker_names([("speaker_1", "rep"), ("speaker_2", "customer"), ("speaker_3", "customer")], "Alex")
    assert names == {"speaker_1": "Alex (rep)", "speaker_2": "Customer (speaker_2)", "speaker_3": "Customer (speaker_3)"}
    text = "- **Moment:** [01:05] speaker_1: \u201cSo?\u201d then [1:02:03] speaker_2: \u201cYes.\u201d speaker_1: kept"
    assert relabel_quotes(text, names) == (  # names are Markdown-escaped: they come from the transcript
        "- **Moment:** [01:05] Alex (rep): \u201cSo?\u201d then [1:02:03] Customer (speaker\\_2): \u201cYes.\u201d "
        "speaker_1: kept")
    escaped = "[00:27] speaker\\_2: \u201cYes.\u201d"  # the form a Markdown export carries
    assert relabel_quotes(escaped, names) == "[00:27] Customer (speaker\\_2): \u201cYes.\u201d"
    hostile = relabel_quotes("[00:01] speaker_1: \u201cHi\u201d", {"speaker_1": "![x](http://host/p.png)"})
    from review.markdown_text import escape_markdown

    assert hostile == f"[00:01] {escape_markdown('![x](http://host/p.png)')}: \u201cHi\u201d"
    assert "![x](http" not in hostile
