"""Untrusted text (what was said on a call, what a model wrote) placed inside Markdown as plain TEXT.

A turn holding `![x](http://host/p.png)` must not make a browser or a Markdown viewer fetch that
URL (a tracking beacon), `# heading` must not become a heading, `:red[**...**]` (a Streamlit
directive) must not colour anything. `escape_markdown` backslash-escapes what Markdown, Streamlit
and LaTeX give a meaning to; CommonMark shows an escaped character as itself, and
`unescape_markdown` turns it back for the DOCX/PDF writers. Used by the app (review.ui.safe_text),
the Markdown exports (review.render) and the coaching draft (review.coach).
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


def escape_markdown(text: object) -> str:
    """`text` made inert inside Markdown: special characters escaped, newlines kept as line breaks."""
    escaped = _ALWAYS.sub(r"\\\1", "" if text is None else str(text))
    escaped = _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), escaped)
    escaped = _SHORTCODE.sub(r"\\:\1\\:", escaped)
    escaped = _AUTOLINK.sub(lambda m: "\\://" if m.group(1) else m.group(2) + "\\.", escaped)  # no bare links
    return "  \n".join(escaped.splitlines()) if "\n" in escaped else escaped


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape_markdown(text: str) -> str:
    """Markdown text with backslash escapes turned back into the characters (for DOCX/PDF output)."""
    return _ESCAPED.sub(r"\1", text)
