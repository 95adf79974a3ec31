"""The Streamlit app's pages (`review/ui/<page>.py`, run by `app.py`) and what they share
(`state`: services, selection, navigation; `processing`: uploads; `charts`; `exports`)."""
