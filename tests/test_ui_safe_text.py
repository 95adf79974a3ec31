"""Untrusted text in the app is shown as TEXT (issue 12 item 10): a turn, quote, rationale, comment or
flag holding Markdown/HTML (an image beacon, a heading, a Streamlit colour directive, LaTeX) reaches
the page escaped, so the browser fetches nothing and nothing is formatted."""

from __future__ import annotations

import hashlib
import re

import pytest
from test_app import app, draft_for, scorecard_for, seams, store, tiny_wav, transcript  # noqa: F401

from review.types import EvidenceQuote
from review.ui.safe_text import md_text

BEACON = "![x](http://host/p.png)"
HOSTILE = f"{BEACON} # heading :red[**boom**] $x^2$ <img src=http://host/q.png> :material/flag:"
UNESCAPED = [re.compile(r"(?<!\\)!?(?<!\\)\[[^\]]*(?<!\\)\]\("),  # a link or image
             re.compile(r"(?m)^\s*#"),  # a heading
             re.compile(r"(?<!\\):red(?<!\\)\["),  # a colour directive
             re.compile(r"(?<!\\)<img"), re.compile(r"(?<!\\)\$x"), re.compile(r"(?<!\\):material/flag(?<!\\):")]


def test_md_text_escapes_what_markdown_would_render():
    assert md_text(BEACON) == r"!\[x\](http\://host/p.png)"
    assert md_text("# heading\n- item\n1. first") == "\\# heading  \n\\- item  \n1\\. first"
    assert md_text(":red[**boom**]") == r":red\[\*\*boom\*\*\]"
    assert md_text("at 04:10 it's fine, costs 5 dollars.") == "at 04:10 it's fine, costs 5 dollars."
    for pattern in UNESCAPED:
        assert not pattern.search(md_text(HOSTILE)), pattern


@pytest.mark.usefixtures("seams")
def test_the_review_page_shows_hostile_text_escaped(store):  # noqa: F811
    data = tiny_wav(tone=33)
    sha = hashlib.sha256(data).hexdigest()
    kept = store.keep_upload(data, sha, "hostile.wav")
    call_id = store.add_call(filename="hostile.wav", audio_sha256=sha, stored_path=kept, rep="Alex Rivera",
                             call_date="2026-11-20", call_type="discovery", methodology_id="discovery",
                             title="hostile")
    t = transcript()
    seg = t.segments[2]
    t.segments[2] = seg.model_copy(update={"text": HOSTILE})
    store.save_transcript(call_id, t)
    card = scorecard_for(t)
    quote = EvidenceQuote(segment_id=seg.id, quote=HOSTILE, start=seg.start, end=seg.end, speaker=seg.speaker,
                          role=seg.role)
    card.criteria[0] = card.criteria[0].model_copy(update={"evidence": [quote], "rationale": HOSTILE})
    card.flags.append(f'possible prompt injection at 00:10 (segment {seg.id}, customer): "{HOSTILE}"')
    review_id = store.save_review(call_id, card, draft_for(), None)
    store.add_comment(call_id, 5.0, HOSTILE)
    store.add_override(review_id, "pain_quantified", 1, HOSTILE)
    from review.self_review import SELF_REVIEW_KEY, SelfReview, dump

    store.save_document(review_id, SELF_REVIEW_KEY, dump(SelfReview(
        levels={"agenda_set": 1}, notes={"agenda_set": HOSTILE}, reflection=HOSTILE), card), None, author="Alex")

    at = app("review", call_id=call_id)
    sources = [str(e.value) for kind in ("markdown", "caption", "warning", "info") for e in getattr(at, kind)]
    sources += [e.label for e in at.expander]
    carrying = [s for s in sources if "host/p.png" in s]
    assert len(carrying) >= 7  # turn, quote, rationale, comment, override, flag, the self-review's note and reflection
    for source in carrying:
        for pattern in UNESCAPED:
            assert not pattern.search(source), (pattern.pattern, source)


def test_markdown_exports_and_the_agenda_escape_what_was_said(tmp_path):
    from datetime import date

    from docx import Document
    from test_coach import REP, make_methodology, make_scorecard, quote

    from review.coach import draft_coaching
    from review.render import agenda_to_markdown, scorecard_to_markdown
    from review.render_docs import markdown_to_docx

    card = make_scorecard({"agenda_set": 2, "open_questions": 1, "next_step": 0},
                          evidence={"open_questions": [quote(4, 65, HOSTILE)]})
    card.criteria[1] = card.criteria[1].model_copy(update={"rationale": HOSTILE})
    draft = draft_coaching(card, make_methodology(), rep=REP, today=date(2026, 3, 2))
    for markdown in (scorecard_to_markdown(card), agenda_to_markdown(draft, card), draft.prep_note_markdown):
        carrying = [line for line in markdown.splitlines() if "host/p.png" in line]
        assert carrying
        for line in carrying:
            for pattern in UNESCAPED:
                assert not pattern.search(line.lstrip("- ").split("** ", 1)[-1]), (pattern.pattern, line)
    path = markdown_to_docx(agenda_to_markdown(draft, card), tmp_path / "agenda.docx")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert BEACON in text and "\\[" not in text  # the DOCX shows the words as said, without escapes


@pytest.mark.usefixtures("seams")
def test_the_team_view_shows_hostile_names_escaped(store):  # noqa: F811
    """Rep names are typed by whoever uploads; the team view's gaps name them."""
    from test_app import store_review

    for i, rep in enumerate((f"Eve {BEACON}", "Sam :red[**Ortiz**]")):
        store_review(store, tiny_wav(tone=60 + i), f"team-{i}.wav", rep=rep)
    at = app("trends", trend_view="The team")
    sources = [str(e.value) for kind in ("markdown", "caption", "warning", "info") for e in getattr(at, kind)]
    carrying = [s for s in sources if "host/p.png" in s]
    assert carrying  # the gaps name the reps under the target
    for source in carrying:
        for pattern in UNESCAPED:
            assert not pattern.search(source), (pattern.pattern, source)
