"""Runtime data shipped with the package, read through `review.resources` only.

In the repository the data lives where users see it (`methodology/`, `prompts/`, `coaching/`,
`examples/`, `.streamlit/`); the entries here are relative symlinks to those folders, so an
editable install, a checkout on `sys.path` and the built wheel (setuptools copies the files the
links point to) all find the same files through `importlib.resources`.
"""
