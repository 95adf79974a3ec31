"""Sign-in for the app: nothing renders until someone is signed in, and a session expires.

Password accounts live in the store (review.auth); with CALLREVIEW_AUTH=oidc, Streamlit's own
`st.login` signs people in through the company's identity provider and the account with that
e-mail address gives the role and team. With no account at all yet, the first visitor of a fresh
install (the app listens on 127.0.0.1 unless configured otherwise) creates the first admin.
"""

from __future__ import annotations

import time

import streamlit as st

from review.auth import AuthError, Scope, hash_password, scope_for, session_expired, sign_in
from review.errors import CallreviewError

SESSION_USER = "auth_username"
SESSION_AT = "auth_signed_in_at"
COOKIE = "callreview_session"


def _first_admin(store) -> None:
    st.title("Welcome to callreview")
    st.write("No account exists yet. Create the first admin account (you can add managers and reps "
             "later with `callreview users add`).")
    with st.form("first_admin"):
        username = st.text_input("Username", key="first_admin_username")
        name = st.text_input("Your name", key="first_admin_name")
        password = st.text_input("Password (10 characters or more)", type="password", key="first_admin_pw")
        again = st.text_input("Password again", type="password", key="first_admin_pw2")
        if st.form_submit_button("Create the admin account", type="primary"):
            try:
                if password != again:
                    raise AuthError("the two passwords differ; type them again")
                if store.count_users():  # someone else was quicker: they are the admin now
                    raise AuthError("an account was created meanwhile; sign in instead")
                store.add_user(username, "admin", hash_password(password), display_name=name)
                _start_session(username)
                st.rerun()
            except CallreviewError as exc:
                st.error(str(exc))
    st.stop()


def _start_session(username: str, remember: bool = True) -> None:
    st.session_state[SESSION_USER] = username.strip().lower()
    st.session_state[SESSION_AT] = time.time()
    st.session_state["_auth_remember"] = remember


def _set_cookie(value: str, max_age: int) -> None:
    """Set (or with max_age 0, clear) the session cookie of this app's page (SameSite=Strict).

    Streamlit has no server-side cookies, so a script sets it in the browser: in the page itself
    where st.html runs scripts (Streamlit 1.5x and later), else from a component frame
    (components.v1.html, deprecated in newer Streamlit).
    """
    import inspect
    import json

    cookie = json.dumps(f"{COOKIE}={value}; path=/; max-age={max_age}; SameSite=Strict")
    if "unsafe_allow_javascript" in inspect.signature(st.html).parameters:
        st.html(f"<script>document.cookie = {cookie};</script>", unsafe_allow_javascript=True)
        return
    import streamlit.components.v1 as components

    components.html(f"<script>window.parent.document.cookie = {cookie};</script>", height=0)


def _remember(store, settings, username: str) -> None:
    """After a sign-in: the cookie that keeps this browser signed in until the session expires."""
    from review.auth import session_token

    if st.session_state.pop("_auth_remember", False):
        token = session_token(store, settings.home_path, username, settings.session_hours)
        _set_cookie(token, int(settings.session_hours * 3600))


def _from_cookie(store, settings) -> str | None:
    from review.auth import user_of_token

    token = (getattr(st.context, "cookies", None) or {}).get(COOKIE)
    return user_of_token(store, settings.home_path, token) if token else None


def sign_out() -> None:
    for key in (SESSION_USER, SESSION_AT):
        st.session_state.pop(key, None)
    st.session_state["_auth_signed_out"] = True  # the cookie is cleared on the next run
    for key in [k for k in st.session_state if str(k).startswith("_services:")]:
        del st.session_state[key]
    if _oidc():
        st.logout()


def _oidc() -> bool:
    from review.ui import state

    return state.settings().auth.strip().lower() == "oidc"


def _password_form(store) -> None:
    st.title("Sign in to callreview")
    with st.form("sign_in"):
        username = st.text_input("Username", key="sign_in_username")
        password = st.text_input("Password", type="password", key="sign_in_password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                sign_in(store, username, password)
                _start_session(username)
                st.session_state.pop("_auth_ignore_cookie", None)
                st.rerun()
            except AuthError as exc:
                st.error(str(exc))
    st.stop()


def _oidc_sign_in(store) -> None:
    user = getattr(st, "user", None)
    if user is None or not getattr(user, "is_logged_in", False):
        st.title("Sign in to callreview")
        st.button("Sign in with your company account", type="primary", on_click=st.login)
        st.stop()
    email = str(user.get("email") or "")
    if store.get_user(email) is None:
        st.error(f"{email} has no callreview account; ask an admin to add it "
                 "(`callreview users add EMAIL --sso --role manager --team TEAM`)")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    _start_session(email)


def require_sign_in(store, settings) -> Scope:
    """The signed-in person's scope; otherwise render the sign-in (or first-admin) form and stop.

    store: the real Store (accounts). settings: the app's settings (auth, session_hours).
    """
    if st.session_state.pop("_auth_signed_out", False):
        _set_cookie("", 0)
        st.session_state["_auth_ignore_cookie"] = True
    username = st.session_state.get(SESSION_USER)
    if not username and not st.session_state.get("_auth_ignore_cookie"):
        username = _from_cookie(store, settings)  # a reload or a new tab of a signed-in browser
        if username:
            _start_session(username, remember=False)
    if username and session_expired(st.session_state.get(SESSION_AT, 0.0), settings.session_hours):
        sign_out()
        st.warning("Your session expired; sign in again.")
        username = None
    if username:
        try:
            scope = scope_for(store, username)
            _remember(store, settings, username)
            return scope
        except AuthError as exc:  # disabled or deleted meanwhile
            sign_out()
            st.error(str(exc))
    if settings.auth.strip().lower() == "oidc":
        _oidc_sign_in(store)
        return scope_for(store, st.session_state[SESSION_USER])
    if store.count_users() == 0:
        _first_admin(store)
    _password_form(store)
    raise AssertionError("unreachable: the forms above stop the script")
