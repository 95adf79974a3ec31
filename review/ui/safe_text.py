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

import re

# Always significant: emphasis, code, links/images/directives ([...]), HTML, headings, tables, LaTeX,
# strikethrough, entities. At the start of a line: list and quote markers. Anywhere: `:name:`
# shortcodes (emoji, :material/icon:) and bare links (http://, www.). Other punctuation ("04:10", "it's", "$"-free prices) stays
# as typed, so the text reads naturally in the page source too.
_ALWAYS = re.compile(r"([\\`*_\[\]<>#|$~&])")
_LINE_START = re.compile(r"^(\s*)(\d*)([-+>=.)])", re.M)
_SHORTCODE = re.compile(r":([\w/+\-]+):")
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(://)|\b(www)(\.)")


def md_text(text: object) -> str:
    """`text` made inert inside Markdown: special characters escaped, newlines kept as line breaks."""
    escaped = _ALWAYS.sub(r"\\\1", "" if text is None else str(text))
    escaped = _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), escaped)
    escaped = _SHORTCODE.sub(r"\\:\1\\:", escaped)
    escaped = _AUTOLINK.sub(lambda m: "\\://" if m.group(1) else m.group(2) + "\\.", escaped)  # no bare links
    return "  \n".join(escaped.splitlines()) if "\n" in escaped else escaped
