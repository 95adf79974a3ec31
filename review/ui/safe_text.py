"""Untrusted text (transcript turns, evidence quotes, comments, model rationale, flags that quote a
turn) shown through Streamlit's Markdown elements as plain TEXT.

Streamlit renders Markdown everywhere (st.markdown, st.caption, st.warning, expander labels): a turn
holding `![x](http://host/p.png)` would make the manager's browser fetch that URL (a tracking
beacon), `# heading` would become a heading and `:red[**...**]` coloured text, `$x$` LaTeX. `md_text`
backslash-escapes every ASCII punctuation character that Markdown, Streamlit's directives
(`:red[...]`, `:material/icon:`) or LaTeX give a meaning to; CommonMark shows an escaped character
as itself, so the manager sees exactly the words that were said.
"""

from __future__ import annotations

from review.markdown_text import escape_markdown as md_text

__all__ = ["md_text"]
