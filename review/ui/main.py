"""The app's main script: `callreview app` runs `streamlit run` on this file (it ships in the
package, so the app starts from an installed wheel in any folder); the repository's thin `app.py`
calls `run()` so `streamlit run app.py` gives the same app from a checkout.

Nothing renders before sign-in (review/ui/auth_gate.py); Settings is for admins only.
"""

from __future__ import annotations


def run() -> None:
    """Set up the page, sign in, start the local worker, and run the navigation over `review/ui/`."""
    import streamlit as st

    from review.auth import AccessDenied
    from review.ui import auth_gate, state
    from review.ui.state import PAGE_FILES

    st.set_page_config(page_title="callreview", page_icon=":material/headset_mic:", layout="wide")
    raw = state.raw_services()
    scope = auth_gate.require_sign_in(raw.store, raw.settings)
    st.session_state["_scope"] = scope
    state.start_worker(raw.settings)

    with st.sidebar:
        st.caption(f":material/person: {scope.display_name} · {scope.role}"
                   + (f" · team {scope.team}" if scope.team else ""))
        st.button("Sign out", key="sign_out", on_click=auth_gate.sign_out, icon=":material/logout:")

    pages = {
        "Review calls": [
            st.Page(PAGE_FILES["calls"], title="Calls", icon=":material/list:", url_path="calls", default=True),
            st.Page(PAGE_FILES["upload"], title="Upload", icon=":material/upload:", url_path="upload"),
            st.Page(PAGE_FILES["review"], title="Call review", icon=":material/fact_check:", url_path="review"),
            st.Page(PAGE_FILES["prep"], title="Coaching prep", icon=":material/edit_note:", url_path="prep"),
            st.Page(PAGE_FILES["trends"], title="Rep trends", icon=":material/trending_up:", url_path="trends"),
        ],
    }
    if scope.is_admin:
        pages["Setup"] = [
            st.Page(PAGE_FILES["settings"], title="Settings", icon=":material/settings:", url_path="settings"),
        ]
    try:
        st.navigation(pages).run()
    except AccessDenied as exc:  # an id outside the signed-in person's scope (e.g. a shared link)
        st.error(str(exc), icon=":material/lock:")


if __name__ == "__main__":  # streamlit runs this file as the main script
    run()
