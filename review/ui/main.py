"""The app's main script: `callreview app` runs `streamlit run` on this file (it ships in the
package, so the app starts from an installed wheel in any folder); the repository's thin `app.py`
calls `run()` so `streamlit run app.py` gives the same app from a checkout.
"""

from __future__ import annotations


def run() -> None:
    """Set up the page and run the navigation over the pages in `review/ui/`."""
    import streamlit as st

    from review.ui.state import PAGE_FILES

    st.set_page_config(page_title="callreview", page_icon=":material/headset_mic:", layout="wide")
    pages = {
        "Review calls": [
            st.Page(PAGE_FILES["calls"], title="Calls", icon=":material/list:", url_path="calls", default=True),
            st.Page(PAGE_FILES["upload"], title="Upload", icon=":material/upload:", url_path="upload"),
            st.Page(PAGE_FILES["review"], title="Call review", icon=":material/fact_check:", url_path="review"),
            st.Page(PAGE_FILES["prep"], title="Coaching prep", icon=":material/edit_note:", url_path="prep"),
            st.Page(PAGE_FILES["trends"], title="Rep trends", icon=":material/trending_up:", url_path="trends"),
        ],
        "Setup": [
            st.Page(PAGE_FILES["settings"], title="Settings", icon=":material/settings:", url_path="settings"),
        ],
    }
    st.navigation(pages).run()


if __name__ == "__main__":  # streamlit runs this file as the main script
    run()
