"""callreview's app for sales managers: `streamlit run app.py` from a checkout, or `callreview app`.

A thin layer over the `review` package: the navigation is `review/ui/main.py` (the script
`callreview app` serves from an installed package), each page a script in `review/ui/` that calls
the pipeline and the store and renders the result; `review/ui/state.py` holds what pages share.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run app.py` from a checkout works without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from review.ui.main import run  # noqa: E402

run()
