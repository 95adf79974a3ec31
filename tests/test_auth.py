# ruff: noqa: F811  (pytest fixtures imported from test_app are used as parameters)
"""Sign-in and access: password accounts, slowed repeated failures, expiring sessions, the users CLI,
and what each role sees in the app (AppTest with the fakes of test_app)."""

from __future__ import annotations

import time

import pytest
from test_app import PASSWORD, add_account, app, seams, store, store_review, texts, tiny_wav  # noqa: F401

from review import auth
from review.auth import AccessDenied, AuthError
from review.cli import main
from review.store.scoped import ScopedStore

# --------------------------------------------------------------------------- accounts, sign-in


def test_passwords_are_hashed_and_checked(store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    user = store.get_user("KIM ")  # names are case- and space-insensitive
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    scope = auth.sign_in(store, "kim", PASSWORD)
    assert (scope.role, scope.team) == ("manager", "east")
    with pytest.raises(AuthError, match="wrong username or password"):
        auth.sign_in(store, "kim", "not the password")
    with pytest.raises(AuthError, match="wrong username or password"):  # the same words for no such user
        auth.sign_in(store, "nobody", PASSWORD)
    with pytest.raises(AuthError, match="at least 10 characters"):
        auth.hash_password("short")


def test_repeated_failures_lock_the_account_for_a_growing_time(store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    now = 1_000_000.0
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(AuthError, match="wrong username or password"):
            auth.sign_in(store, "kim", "guess", now=now)
    with pytest.raises(AuthError, match="too many failed sign-ins; try again in"):
        auth.sign_in(store, "kim", PASSWORD, now=now + 1)  # even the right password waits
    assert auth.sign_in(store, "kim", PASSWORD, now=now + auth.LOCK_BASE_S + 1).username == "kim"
    assert store.get_user("kim").failed_logins == 0
    assert auth.lock_seconds(auth.FREE_FAILURES + 3) == 8 * auth.LOCK_BASE_S
    assert auth.lock_seconds(100) == auth.LOCK_MAX_S


def test_disabled_accounts_and_expired_sessions(store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    store.update_user("kim", disabled=True)
    with pytest.raises(AuthError, match="disabled"):
        auth.sign_in(store, "kim", PASSWORD)
    assert auth.session_expired(signed_in_at=0.0, hours=12, now=13 * 3600)
    assert not auth.session_expired(signed_in_at=0.0, hours=12, now=11 * 3600)


def test_users_cli(settings, monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "ada", "--admin", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long one\n"))
    assert main(["users", "add", "kim", "--role", "manager", "--team", "east", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long one\n"))
    assert main(["users", "add", "kim", "--password-stdin"]) == 2
    assert "exists already" in capsys.readouterr().err
    assert main(["users", "disable", "kim"]) == 0
    assert main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ada" in listing and "admin" in listing and "disabled" in listing and "east" in listing
    assert main(["users", "add", "sam", "--role", "rep", "--password-stdin"]) == 2
    assert "a rep needs --name" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
    assert main(["users", "reset", "kim", "--password-stdin"]) == 0
    assert main(["users", "enable", "kim"]) == 0


# --------------------------------------------------------------------------- the scoped store


def _two_teams(store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    add_account(store, "lou", "manager", "Lou Park", team="west")
    add_account(store, "sam", "rep", "Sam Ortiz", team="east")
    store.assign_rep("Sam Ortiz", "east")
    store.assign_rep("Wes Hall", "west")
    east = store_review(store, tiny_wav(tone=1), "east-call.wav", rep="Sam Ortiz")
    west = store_review(store, tiny_wav(tone=2), "west-call.wav", rep="Wes Hall")
    return east, west


def test_each_manager_sees_only_their_team_and_ids_outside_it_are_refused(store):
    east, west = _two_teams(store)
    kim = ScopedStore(store, auth.scope_for(store, "kim"))
    assert [c.filename for c in kim.list_calls()] == ["east-call.wav"]
    assert kim.reps() == ["Sam Ortiz"]
    assert kim.get_call(east.call_id).rep == "Sam Ortiz"
    for call_method in ("get_call", "get_transcript", "latest_review", "comments"):
        with pytest.raises(AccessDenied, match="not in your calls"):
            getattr(kim, call_method)(west.call_id)
    with pytest.raises(AccessDenied):
        kim.get_review(west.review_id)
    with pytest.raises(AccessDenied):
        kim.add_override(west.review_id, "pain_quantified", 2, "no")
    with pytest.raises(AccessDenied):
        kim.rep_trend_rows("Wes Hall", "discovery")
    with pytest.raises(AccessDenied):
        kim.rep_methodologies("Wes Hall")
    assert kim.rep_methodologies("Sam Ortiz") == ["discovery"]
    with pytest.raises(AccessDenied, match="only an admin"):
        kim.list_users()  # a method nobody opened up is closed to all but admins
    admin_scope = auth.Scope("root", "Root", "admin", None, None)
    assert len(ScopedStore(store, admin_scope).list_calls()) == 2


def test_a_rep_sees_their_own_calls_and_cannot_change_a_review(store):
    east, west = _two_teams(store)
    store_review(store, tiny_wav(tone=3), "east-other.wav", rep="Ana Ruiz")
    store.assign_rep("Ana Ruiz", "east")
    sam = ScopedStore(store, auth.scope_for(store, "sam"))
    assert [c.filename for c in sam.list_calls()] == ["east-call.wav"]
    assert sam.get_review(east.review_id).id == east.review_id
    with pytest.raises(AccessDenied, match="may read this review but not change it"):
        sam.add_override(east.review_id, "pain_quantified", 2, "I did ask")
    with pytest.raises(AccessDenied):
        sam.get_call(west.call_id)
    # the agenda is the rep's to read; the prep note is the manager's own preparation
    kim = ScopedStore(store, auth.scope_for(store, "kim"))
    for key, text in (("prep_note", "Check the cost question first"), ("agenda/set_stage", "We look at your cost question")):
        found = kim.get_document(east.review_id, key)
        kim.save_document(east.review_id, key, text, found[1] if found else None)
    # the agenda, once the manager shares it; the prep note never
    for read in (sam.get_document, sam.document_history):
        with pytest.raises(AccessDenied, match="has not shared this agenda"):
            read(east.review_id, "agenda/set_stage")
        with pytest.raises(AccessDenied, match="has not shared this agenda"):
            read(review_id=east.review_id, key="agenda/set_stage")
    kim.save_document(east.review_id, "shared_with_rep", "on", None)
    assert sam.get_document(east.review_id, "agenda/set_stage")[0] == "We look at your cost question"
    for read in (sam.get_document, sam.document_history):
        with pytest.raises(AccessDenied, match="the prep note is your manager's"):
            read(east.review_id, "prep_note")
        with pytest.raises(AccessDenied, match="the prep note is your manager's"):
            read(east.review_id, key="prep_note")
    assert kim.get_document(east.review_id, "prep_note")[0] == "Check the cost question first"


def test_the_store_hands_a_rep_no_agenda_until_shared_and_never_the_managers_preparation(seams, store):
    from test_app import draft_for

    from review.types import CoachingDraft

    east, west = _two_teams(store)
    sam = ScopedStore(store, auth.scope_for(store, "sam"))
    kim = ScopedStore(store, auth.scope_for(store, "kim"))
    redraft = draft_for("Sam Ortiz").model_copy(update={
        "prep_note_markdown": "Redraft: he rushes the close",
        "pattern": "first reviewed call — validate whether it is a pattern before deciding on training"})
    kim.save_document(east.review_id, "draft", redraft.model_dump_json(), None)
    # not shared: no draft, no focus skill, no agenda document (whichever way the arguments come)
    for review in (sam.get_review(east.review_id), sam.latest_review(east.call_id), *sam.reviews_for_call(east.call_id)):
        assert review.draft is None and review.focus_criterion_id is None and review.scorecard.criteria
    assert [(c.focus_criterion_id, c.focus_criterion_name) for c in sam.list_calls()] == [(None, None)]
    assert "Agenda shared" not in texts(app(user="kim"))
    with pytest.raises(AccessDenied, match="has not shared this agenda"):
        sam.get_document(key="draft", review_id=east.review_id)
    assert kim.get_review(east.review_id).draft.prep_note_markdown  # the manager's view is whole
    assert kim.list_calls()[0].focus_criterion_name == "Pain quantified"
    # shared: the focus, the agenda and the plan, without the prep note, the Solution Chart's reasons or ROAM
    kim.save_document(east.review_id, "shared_with_rep", "on", None)
    for draft in (sam.get_review(east.review_id).draft, sam.latest_review(east.call_id).draft):
        assert draft.focus_criterion_name == "Pain quantified" and draft.agenda[0].body_markdown
        assert (draft.prep_note_markdown, draft.solution_reason, draft.confirm_questions, draft.roam) == ("", "", [], {})
    assert sam.list_calls()[0].focus_criterion_name == "Pain quantified" and sam.list_calls()[0].agenda_shared
    assert "Agenda shared with you" in texts(app(user="sam")) and "Agenda shared with the rep" in texts(app(user="kim"))
    assert not [b for b in app(user="sam").selectbox if b.label == "Rep"]  # a rep has no rep to filter by
    assert [b for b in app(user="kim").selectbox if b.label == "Rep"]
    stored = sam.get_document(east.review_id, "draft")[0]
    assert "rushes the close" not in stored and "Deals stall" not in stored and "Set the stage" in stored
    assert CoachingDraft.model_validate_json(stored).pattern == "first reviewed call"  # not the advice to the manager
    assert all("rushes the close" not in v.content for v in sam.document_history(east.review_id, "draft"))
    # reading is recorded for the rep only, once per share, and only for their own calls
    assert kim.mark_agenda_read(east.review_id, "Kim Lee") is False
    assert sam.mark_agenda_read(east.review_id, "anyone") is True and sam.mark_agenda_read(east.review_id) is False
    assert [v.author for v in store.document_history(east.review_id, "read_by_rep")] == ["Sam Ortiz"]
    kim.save_document(east.review_id, "shared_with_rep", "off", 1)
    assert sam.mark_agenda_read(east.review_id) is False  # withdrawn: nothing to read
    kim.save_document(east.review_id, "shared_with_rep", "on", 2)
    assert sam.mark_agenda_read(east.review_id) is True  # shared again: read again
    with pytest.raises(AccessDenied, match="not in your calls"):
        sam.mark_agenda_read(west.review_id)
    # another team's review, by id or by its cache key: nothing, not even whether it is shared
    with pytest.raises(AccessDenied, match="not in your calls"):
        sam.get_document(west.review_id, "agenda/set_the_stage")
    keyed = store.save_review(west.call_id, west.scorecard, west.draft, "west-key")
    assert store.find_review_by_cache_key("west-key").id == keyed
    assert sam.find_review_by_cache_key("west-key") is None and kim.find_review_by_cache_key("west-key") is None
    mine = store.save_review(east.call_id, east.scorecard, east.draft, "east-key")
    assert sam.find_review_by_cache_key("east-key").draft is None  # this review is not shared
    assert kim.find_review_by_cache_key("east-key").id == mine


def test_overrides_comments_and_edits_carry_the_signed_in_author(store):
    east, _ = _two_teams(store)
    kim = ScopedStore(store, auth.scope_for(store, "kim"))
    kim.add_override(east.review_id, "pain_quantified", 2, "asked for the cost", author="manager")
    kim.add_comment(east.call_id, 12.0, "good question here")
    found = kim.get_document(east.review_id, "prep_note")
    kim.save_document(east.review_id, "prep_note", "edited", found[1] if found else None)
    assert store.overrides(east.review_id)["pain_quantified"].author == "Kim Lee"
    assert store.comments(east.call_id)[0].author == "Kim Lee"
    assert store.document_history(east.review_id, "prep_note")[-1].author == "Kim Lee"


# --------------------------------------------------------------------------- the app


def test_the_app_asks_for_sign_in_and_renders_nothing_else(seams, store):
    store_review(store, tiny_wav(), "secret-call.wav")
    at = app(user=None)
    assert [t.value for t in at.title] == ["Sign in to callreview"]
    assert "secret-call" not in texts(at)
    at.text_input(key="sign_in_username").input("admin")
    at.text_input(key="sign_in_password").input("wrong password!")
    at.button[0].click().run()
    assert at.error[0].value == "wrong username or password"
    at.text_input(key="sign_in_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state["auth_username"] == "admin"
    assert "secret-call" in texts(at)


def test_a_fresh_install_creates_the_first_admin(seams, store):
    from review.migrations import users

    with store.engine.begin() as conn:
        conn.execute(users.delete())
    at = app(user=None)
    assert "Welcome to callreview" in [t.value for t in at.title]
    at.text_input(key="first_admin_username").input("ada")
    at.text_input(key="first_admin_name").input("Ada Admin")
    at.text_input(key="first_admin_pw").input("a long password")
    at.text_input(key="first_admin_pw2").input("a long password")
    at.button[0].click().run()
    assert not at.exception
    assert store.get_user("ada").role == "admin"
    assert at.session_state["auth_username"] == "ada"


def test_two_managers_each_see_only_their_teams_calls_in_the_app(seams, store):
    east, west = _two_teams(store)
    kim = app(user="kim")
    assert "east-call" in texts(kim) and "west-call" not in texts(kim)
    lou = app(user="lou")
    assert "west-call" in texts(lou) and "east-call" not in texts(lou)
    # opening the other team's call by its id (a shared link) shows nothing of it
    at = app("review", user="kim", call_id=west.call_id)
    assert "west-call" not in texts(at) and "Wes Hall" not in texts(at)
    assert any("not in your calls" in e.value for e in at.error)


def test_coaching_prep_offers_only_the_managers_own_reviewed_calls(seams, store):
    _two_teams(store)
    at = app("prep", user="kim")
    options = [str(o) for o in at.selectbox(key="prep_pick_call").options]
    assert len(options) == 1 and "east-call" in options[0] and "west-call" not in " ".join(options)


def test_a_rep_reads_the_agenda_of_their_call_but_not_the_managers_preparation(seams, store):
    east, _ = _two_teams(store)
    kim = app("prep", user="kim", call_id=east.call_id)
    assert [t.label for t in kim.tabs] == ["SLED agenda", "Prep note", "Export"]
    assert any(t.label == "Edit" for t in kim.toggle) and "Solution Chart" in texts(kim)
    found = store.get_document(east.review_id, "prep_note")
    store.save_document(east.review_id, "prep_note", "Sam rushes the close; check his pricing answer",
                        found[1] if found else None)
    # until the manager shares it, the rep's page says so and shows nothing of it
    at = app("prep", user="sam", call_id=east.call_id)
    assert not at.exception
    assert any("has not shared this agenda" in i.value for i in at.info)
    assert "AI text for Set the stage." not in texts(at) and not at.tabs
    waiting = app("review", user="sam", call_id=east.call_id)
    assert "Coaching focus" not in texts(waiting)
    to_prep = next(b for b in waiting.button if b.key == "to_prep")
    assert (to_prep.label, to_prep.disabled) == ("Agenda not shared yet", True)
    assert "Coaching focus" in texts(app("review", user="kim", call_id=east.call_id))
    kim.toggle(key=f"share_{east.review_id}").set_value(True).run()
    assert not kim.exception
    assert "Shared by Kim Lee on" in texts(kim) and "Not opened by the rep yet." in texts(kim)
    at = app("prep", user="sam", call_id=east.call_id)
    app("prep", user="sam", call_id=east.call_id)  # opened twice: read once
    assert [v.author for v in store.document_history(east.review_id, "read_by_rep")] == ["Sam Ortiz"]
    assert "Read by Sam Ortiz on" in texts(kim.run())
    assert not at.exception and not at.info
    assert "Coaching agenda: Sam Ortiz" in [t.value for t in at.title]
    assert [t.label for t in at.tabs] == ["SLED agenda", "Export"]
    shown = texts(at)
    assert "AI text for Set the stage." in shown and "Action plan" in shown and not at.error
    assert "Pattern across your calls: **missed in 3 of the last 3 calls**" in shown
    assert "Sam rushes the close" not in shown and "Focus on quantifying pain" not in shown
    assert "Solution Chart" not in shown and "ROAM" not in shown and "Deals stall" not in shown
    assert not any(t.label == "Edit" for t in at.toggle) and not at.get("data_editor")
    assert [b.label for b in at.get("download_button")] == [
        "Agenda (Markdown)", "Agenda (Word)", "Agenda (PDF)", "Scorecard (CSV)", "Scorecard (JSON)"]
    # the call page: the review to read and hear, without the manager's corrections
    page = app("review", user="sam", call_id=east.call_id)
    assert not page.exception and not page.error
    keys = [str(b.key) for b in page.button]
    assert "to_prep" in keys and any(b.label == "Open the coaching agenda" and not b.disabled for b in page.button)
    assert any(k.startswith("play_") for k in keys)
    assert not any(k.startswith(("mark_" + str(east.review_id), "nearest_right_", "unmark_")) for k in keys)
    assert not page.get("number_input")  # no override form
    manager = app("review", user="kim", call_id=east.call_id)
    assert any(str(b.key).startswith(f"mark_{east.review_id}_") for b in manager.button)
    assert manager.get("number_input")


def test_settings_are_for_admins_only(seams, store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    assert "Settings" not in texts(app(user="kim"))
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app("settings", user="kim")  # not registered for a manager: no URL reaches it
    at = app("settings", user="admin")
    assert any(t.value == "Settings" for t in at.title)


def test_a_managers_upload_puts_the_new_rep_in_their_team(seams, store):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    at = app("upload", user="kim")
    at.text_input(key="upload_rep").input("Nia Cole")
    at.file_uploader(key="upload_files").set_value([("monday.wav", tiny_wav(tone=9), "audio/wav")])
    at.button[0].click().run()
    assert not at.exception
    assert store.team_of_rep("Nia Cole") == "east"
    assert [j.created_by for j in store.list_jobs()] == ["kim"]
    assert "**monday**" in texts(app(user="kim"))  # the reviewed call is in her list


def test_a_reps_upload_is_filed_under_their_own_name(seams, store):
    _two_teams(store)
    at = app("upload", user="sam")
    box = at.text_input(key="upload_rep_self")
    assert box.value == "Sam Ortiz" and box.disabled  # shown, not a field to fill in and have ignored
    at.file_uploader(key="upload_files").set_value([("my_call.wav", tiny_wav(tone=14), "audio/wav")])
    at.button[0].click().run()
    assert not at.exception
    assert [c.rep for c in store.list_calls() if c.filename == "my_call.wav"] == ["Sam Ortiz"]


def test_an_expired_session_signs_out(seams, store):
    at = app(user=None, auth_username="admin", auth_signed_in_at=time.time() - 13 * 3600)
    assert "Sign in to callreview" in [t.value for t in at.title]
    assert any("session expired" in w.value for w in at.warning)


def test_oidc_sign_in_offers_the_company_sign_in(seams, store, monkeypatch):
    monkeypatch.setenv("CALLREVIEW_AUTH", "oidc")
    at = app(user=None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in with your company account"]
    assert "Sign in to callreview" in [t.value for t in at.title]


def test_a_session_token_keeps_a_browser_signed_in_until_it_expires_or_the_password_changes(store, settings):
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    home = settings.home_path
    token = auth.session_token(store, home, "kim", hours=12, now=1_000_000.0)
    assert auth.user_of_token(store, home, token, now=1_000_000.0 + 3600) == "kim"
    assert auth.user_of_token(store, home, token, now=1_000_000.0 + 13 * 3600) is None  # expired
    name, expires, mac = token.rsplit("|", 2)
    assert auth.user_of_token(store, home, f"ada|{expires}|{mac}", now=1_000_000.0) is None  # another name
    assert auth.user_of_token(store, home, f"{name}|{int(expires) + 9999}|{mac}", now=1_000_000.0) is None
    assert auth.user_of_token(store, home, "garbage", now=1_000_000.0) is None
    assert (home / "session.key").stat().st_mode & 0o777 == 0o600
    store.update_user("kim", password_hash=auth.hash_password("a brand new password"))
    assert auth.user_of_token(store, home, token, now=1_000_000.0 + 60) is None  # a reset ends it
    fresh = auth.session_token(store, home, "kim", hours=12, now=1_000_000.0)
    store.update_user("kim", disabled=True)
    assert auth.user_of_token(store, home, fresh, now=1_000_000.0 + 60) is None
