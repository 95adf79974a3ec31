# ruff: noqa: F811  (pytest fixtures imported from test_app are used as parameters)
"""Coaching prep keeps the manager's edits when an editor is closed and opened again.

Streamlit drops a data_editor's own state while it is not shown (Edit turned off, another page). The
editor must then reopen on the latest saved text, and save nothing until the manager changes something.
"""

from __future__ import annotations

from test_app import PAGES, _edit, app, seams, store, store_review, texts, tiny_wav  # noqa: F401

KEY = "agenda/lead_analysis"
AI_TEXT = "AI text for Lead the analysis."
ROW = {"action": "Role-play the cost question", "owner": "rep", "due": "2026-12-08", "watch": "Pain quantified"}


def _points(at, doc: str) -> list[str]:
    editor = next(e for e in at.data_editor if e.key.startswith(f"points_{doc}_"))
    return list(editor.value["point"])


def _history(store, review_id: int, key: str) -> list[str]:
    return [v.content for v in store.document_history(review_id, key)]


def _edit_lead_analysis(store, tone: int):
    result = store_review(store, tiny_wav(tone=tone), f"kept{tone}.wav")
    doc = f"doc_{result.review_id}_{KEY}"
    at = app("prep", call_id=result.call_id)
    at.toggle(key=f"edit_{doc}").set_value(True).run()
    _edit(at, f"points_{doc}_0", {"edited_rows": {0: {"point": "MY EDIT"}}})
    assert store.get_document(result.review_id, KEY) == ("MY EDIT", 2)
    return result, doc, at


def test_turning_edit_off_and_on_again_keeps_the_talking_point_edits(seams, store):
    result, doc, at = _edit_lead_analysis(store, tone=50)
    at.toggle(key=f"edit_{doc}").set_value(False).run()
    assert not at.exception
    assert "MY EDIT" in [m.value for m in at.markdown]
    at.toggle(key=f"edit_{doc}").set_value(True).run()
    assert not at.exception
    assert _points(at, doc) == ["MY EDIT"]  # the editor opens on the saved text
    assert store.get_document(result.review_id, KEY) == ("MY EDIT", 2)  # nothing saved on opening
    assert _history(store, result.review_id, KEY) == [AI_TEXT, "MY EDIT"]
    at.run()  # and nothing on the next run either
    assert store.get_document(result.review_id, KEY) == ("MY EDIT", 2) and _points(at, doc) == ["MY EDIT"]
    # editing again starts from the reopened text and saves on top of it
    _edit(at, next(e.key for e in at.data_editor if e.key.startswith(f"points_{doc}_")),
          {"added_rows": [{"point": "- and a second point"}]})
    assert store.get_document(result.review_id, KEY) == ("MY EDIT\n\n- and a second point", 3)
    assert _history(store, result.review_id, KEY) == [AI_TEXT, "MY EDIT", "MY EDIT\n\n- and a second point"]


def test_leaving_the_page_and_editing_again_keeps_the_talking_point_edits(seams, store):
    result, doc, at = _edit_lead_analysis(store, tone=51)
    at.switch_page(PAGES["review"]).run()
    at.switch_page(PAGES["prep"]).run()
    assert not at.exception
    assert "MY EDIT" in [m.value for m in at.markdown]
    at.toggle(key=f"edit_{doc}").set_value(True).run()
    assert not at.exception
    assert _points(at, doc) == ["MY EDIT"]
    assert store.get_document(result.review_id, KEY) == ("MY EDIT", 2)
    assert _history(store, result.review_id, KEY) == [AI_TEXT, "MY EDIT"]


def test_leaving_the_page_keeps_the_action_plan_rows(seams, store):
    result = store_review(store, tiny_wav(tone=52), "kept_actions.wav")
    doc = f"doc_{result.review_id}_agenda/actions"
    at = app("prep", call_id=result.call_id)
    _edit(at, f"actions_{doc}_0", {"added_rows": [ROW]})
    content, version = store.get_document(result.review_id, "agenda/actions")
    assert version == 1 and "Role-play the cost question" in content
    at.switch_page(PAGES["review"]).run()
    at.switch_page(PAGES["prep"]).run()
    assert not at.exception
    assert store.get_document(result.review_id, "agenda/actions") == (content, 1)  # nothing saved on coming back
    editor = next(e for e in at.data_editor if e.key.startswith(f"actions_{doc}_"))
    assert list(editor.value["action"]) == ["Role-play the cost question"]
    assert list(editor.value["watch"]) == ["Pain quantified"]
    at.run()
    assert store.get_document(result.review_id, "agenda/actions") == (content, 1)
    # a further row is added on top of the kept one
    more = {"action": "Send the ROI sheet", "owner": "manager", "due": "2026-12-09", "watch": "Pain quantified"}
    _edit(at, editor.key, {"added_rows": [more]})
    content, version = store.get_document(result.review_id, "agenda/actions")
    assert version == 2 and "Role-play the cost question" in content and "Send the ROI sheet" in content
    assert "has no owner" not in texts(at)


def test_an_edit_conflict_after_reopening_the_editor_still_shows_both_texts(seams, store):
    result, doc, at = _edit_lead_analysis(store, tone=53)
    at.toggle(key=f"edit_{doc}").set_value(False).run()
    at.toggle(key=f"edit_{doc}").set_value(True).run()
    store.save_document(result.review_id, KEY, "Text from the other tab", base_version=2)
    _edit(at, next(e.key for e in at.data_editor if e.key.startswith(f"points_{doc}_")),
          {"edited_rows": {0: {"point": "My newer idea"}}})
    assert store.get_document(result.review_id, KEY) == ("Text from the other tab", 3)  # nothing overwritten
    shown = texts(at)
    assert "changed elsewhere" in shown and "Text from the other tab" in shown
    assert at.session_state[doc] == "My newer idea"
    next(b for b in at.button if b.label == "Keep my text as the newest version").click().run()
    assert store.get_document(result.review_id, KEY) == ("My newer idea", 4)
    assert _history(store, result.review_id, KEY) == [AI_TEXT, "MY EDIT", "Text from the other tab", "My newer idea"]
