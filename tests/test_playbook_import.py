"""Team playbooks imported as they are written (review.playbook): real-shaped playbooks read by
rule, the import report and its warnings, the LLM reading with a fake engine on the
`complete(system, user, output, name)` seam, and review before save in the CLI and the Settings page.

The playbooks in tests/data/playbooks/ were written for these tests (no third-party text); the
.docx one is generated here with python-docx. partner_call_guide.md and sdr_call_notes.txt were
first run blind, after the reader was written; what they exposed (a "Tip:" line read as a check,
a "... is banned" quote read as a good example, two awkward guessed questions) was then fixed. So
were acme_discovery_scorecard.md and cold_call_standards.md (a second verb left conjugated,
"Decision process: who signs, ..." read as a bare name, a "not" left where a quoted phrase was
cut out of a question, a plain first line not read as the title). So
was meddicc_field_guide.md's shape (a MEDDICC heading per letter with "What good looks like:" and
'Ask: "..."' lines), which imported as checks named "Ask" and "What good looks like" before.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fakes import fake_engine, requests_of

from review.cli import main
from review.errors import MethodologyError
from review.methodology import MethodologyLibrary, load_methodology_file
from review.playbook import PlaybookImportWarning, format_report, import_playbook, playbook_text
from review.playbook.blocks import clean
from review.playbook.draft import CriterionDraft, MethodologyDraft, SectionDraft
from review.playbook.keyword_rules import example_openings, keywords
from review.playbook.wording import build_question, is_asked_check

REPO = Path(__file__).resolve().parent.parent
PLAYBOOKS = REPO / "tests" / "data" / "playbooks"


def write_docx_playbook(path: Path) -> Path:
    """A field-sales guide as a Word file: Title and Heading 1 styles, bullet and numbered lists, a
    nested example list, a Quote paragraph, a table whose headers say little, and an appendix."""
    import docx

    d = docx.Document()
    d.add_paragraph("Field Sales Discovery Guide", style="Title")
    d.add_paragraph("Prepared by the EMEA enablement team for new account executives. Read it before "
                    "your first ride-along; your manager scores your recorded calls against the checks below.")
    d.add_paragraph("Opening", style="Heading 1")
    d.add_paragraph("Confirm the time the buyer has and the agenda for the call", style="List Bullet")
    d.add_paragraph("Ask what prompted the meeting", style="List Bullet")
    d.add_paragraph("Discovery", style="Heading 1")
    p = d.add_paragraph("Spend at least half of the call here. ")
    p.add_run("Don't demo yet.").bold = True
    d.add_paragraph("Ask how they run route planning today", style="List Number")
    d.add_paragraph("\u201cWalk me through what happens when a driver misses a slot.\u201d", style="Quote")
    d.add_paragraph("Quantify the cost of failed deliveries", style="List Number")
    d.add_paragraph('Good: "What did failed first attempts cost you last quarter?"', style="List Bullet 2")
    d.add_paragraph('Avoid: "I bet failed deliveries are expensive, huh?"', style="List Bullet 2")
    d.add_paragraph("Qualification", style="Heading 1")
    rows = [("Skill", "Notes", "Sample phrasing"),
            ("Budget", "Rep confirms a budget range and who owns it", "\u201cIs there a range you've set aside for this?\u201d"),
            ("Authority", "Rep learns who signs and meets them or plans to", "\u201cWho else will weigh in on the decision?\u201d"),
            ("Timeline", "Go-live date tied to a business event", "-")]
    table = d.add_table(rows=len(rows), cols=3)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.add_paragraph("Appendix: recording consent", style="Heading 1")
    d.add_paragraph("In Germany and France, ask for consent to record at the start of the call and note it "
                    "in the CRM. Legal owns this wording; do not change it.")
    d.save(path)
    return path


@pytest.fixture
def docx_playbook(tmp_path) -> Path:
    return write_docx_playbook(tmp_path / "field_sales_discovery_guide.docx")


NO_EXAMPLES = "no examples for {} of {} criteria; add quoted example phrases to the playbook (or the YAML) to help scoring"

# file -> (title, [(section, [(criterion, question, good examples, poor examples)])], notes)
YES_NO = "scored each check yes / no (0-1), as the playbook's introduction says; edit the levels for a graded scale"
EXPECTED = {
    "northwind_discovery_scorecard.md": ("Northwind Discovery Call Scorecard", [
        ("Opening", [
            ("Upfront contract", "Did the rep agree the purpose, the time available and the outcome of the call "
                                 "with the buyer?", 1, 1),
            ("Buyer's role and priorities", "Did the rep learn what the buyer owns and what they are measured on?", 1, 0),
        ]),
        ("Discovery", [
            ("Cost of the problem", "Did the rep get the buyer to put a number on the problem?", 2, 1),
            ("Decision process", "Did the rep find out who signs off, and by when?", 1, 0),
        ]),
        ("Close", [
            ("Next step with a date", "Did the rep book a next meeting with a date and time before the call ended?", 1, 1),
        ]),
    ], ["read 'How to use this scorecard' as context: no checks under the heading"]),
    "first_meeting_call_flow.md": ("First Meeting Call Flow — Mid-Market Team", [
        ("Opening (first 5 minutes)", [
            ("Thank them for their time and confirm how long they have",
             "Did the rep thank them for their time and confirm how long they have?", 0, 0),
            ("Upfront contract", "Did the rep agree what they'll cover and what a good outcome looks like?", 1, 0),
            ("Ask what prompted them to take the call", "Did the rep ask what prompted them to take the call?", 0, 0),
        ]),
        ("Discovery", [
            ("Current process", "Did the rep ask how they schedule and track deliveries today?", 0, 0),
            ("Ask about the cost of late deliveries", "Did the rep ask about the cost of late deliveries?", 1, 1),
            ("Identify who else is affected by the problem",
             "Did the rep identify who else is affected by the problem?", 0, 0),
            ("Decision process and timeline", "Did the rep establish the decision process and timeline?", 0, 0),
        ]),
        ("Next steps", [
            ("Summarise what you heard in the buyer's words",
             "Did the rep summarise what they heard in the buyer's words?", 0, 0),
            ("Next meeting booked with a date, time and attendees",
             "Did the rep get the next meeting booked with a date, time and attendees?", 0, 0),
        ]),
    ], ["guessed the question for 2 criteria from a name alone ('Decision process and timeline', "
        "'Next meeting booked with a date, time and attendees'); check them",
        "read 'Why this matters' as context: no checks under the heading",
        NO_EXAMPLES.format(7, 9)]),
    "renewal_call_standards.txt": ("Renewal Call Standards", [
        ("General", [
            ("Review usage", "Did the rep open with the customer's own usage numbers for the last quarter and ask "
                             "what is behind them?", 1, 0),
            ("Confirm the renewal decision maker", "Did the rep ask who signs the renewal this year and whether "
                                                   "anything has changed in procurement since last time?", 0, 0),
            ("Surface risks early", "Did the rep ask what would stop them renewing, before they talk about price?", 0, 0),
            ("Agree the renewal timeline", "Did the rep get the date the paperwork needs to be with procurement, "
                                           "working back from the contract end date?", 0, 0),
        ]),
    ], [NO_EXAMPLES.format(3, 4)]),
    "enterprise_qualification_table.md": ("Enterprise Qualification Standard (MEDDPICC-lite)", [
        ("General", [
            ("Metrics", "Did the rep establish metrics?", 1, 0),
            ("Economic buyer", "Did the rep name the person who owns the budget and has met or will meet them?", 1, 0),
            ("Decision criteria", "Did the rep establish the decision criteria (the buyer's must-haves are written "
                                  "down in their words)?", 0, 0),
            ("Decision process", "Did the rep establish the decision process (steps, people and dates from verbal "
                                 "yes to signature)?", 1, 0),
            ("Identify pain", "Did the rep identify pain?", 1, 0),
            ("Champion", "Did the rep establish the champion?", 0, 0),
        ]),
    ], ["guessed the question for 4 criteria from a name alone ('Metrics', 'Decision criteria', "
        "'Decision process', ...); check them", NO_EXAMPLES.format(2, 6)]),
    "inbound_demo_checklist.md": ("Inbound Demo Checklist", [
        ("Before the demo", [
            ("Confirm who is on the call and what each person is responsible for",
             "Did the rep confirm who is on the call and what each person is responsible for?", 0, 0),
            ("Ask what made them request a demo now", "Did the rep ask what made them request a demo now?", 0, 0),
            ("Restate the two or three problems you heard before showing anything",
             "Did the rep restate the two or three problems they heard before showing anything?", 0, 0),
        ]),
        ("During the demo", [
            ("Show only the workflows tied to the problems they named",
             "Did the rep show only the workflows tied to the problems they named?", 0, 0),
            ("Check for reactions after each workflow", "Did the rep check for reactions after each workflow?", 1, 0),
            ("Handle pricing questions with the range from the price sheet",
             "Did the rep handle pricing questions with the range from the price sheet, not a discount?", 0, 0),
        ]),
        ("Wrap-up", [
            ("Agree on a next step and put it in the calendar while they are still on the call",
             "Did the rep agree on a next step and put it in the calendar while they are still on the call?", 0, 0),
            ("Send the recap email the same day", "Did the rep send the recap email the same day?", 0, 0),
        ]),
    ], [YES_NO, NO_EXAMPLES.format(7, 8)]),
    "objection_handling_notion.md": ("Objection Handling — SMB Team", [
        ("Price objections", [
            ("Acknowledge the concern before answering it", "Did the rep acknowledge the concern before answering it?",
             0, 0),
            ("Ask what they are comparing the price with", "Did the rep ask what they are comparing the price with?",
             1, 0),
            ("Tie the price back to the cost of the problem they described",
             "Did the rep tie the price back to the cost of the problem they described?", 0, 0),
        ]),
        ("Not the right time", [
            ("Ask what would need to change for the timing to work",
             "Did the rep ask what would need to change for the timing to work?", 0, 0),
            ('Agree a specific date to revisit, not "next quarter"',
             "Did the rep agree a specific date to revisit, not next quarter?", 0, 1),
        ]),
        ("Competitor mentioned", [
            ("Find out which vendor and how far they have got",
             "Did the rep find out which vendor and how far they have got?", 0, 0),
            ("Never criticise the competitor", "Did the rep avoid criticising the competitor?", 0, 0),
        ]),
    ], [NO_EXAMPLES.format(5, 7)]),
    "partner_call_guide.md": ("Channel Partner Intro Calls", [
        ("On the call", [
            ("Their customer base", "Did the rep ask which industries and company sizes they sell into most?", 0, 0),
            ("Current vendors", "Did the rep find out which vendors they already resell in our category and why?",
             1, 0),
            ("Margin expectations", "Did the rep avoid quoting a discount tier on the first call?", 0, 0),
            ("Ask who runs their technical pre-sales", "Did the rep ask who runs their technical pre-sales?", 0, 0),
        ]),
        ("Wrap up", [
            ("Book the second meeting with their solutions lead",
             "Did the rep book the second meeting with their solutions lead?", 0, 0),
            ("Send the partner deck only after the call, never before",
             "Did the rep send the partner deck only after the call, never before?", 0, 0),
        ]),
    ], ["read 'Before you dial' as context: no checks under the heading", NO_EXAMPLES.format(5, 6)]),
    "sdr_call_notes.txt": ("SDR CALL NOTES - what managers check", [
        ("OPENING", [
            ("Permission-based opener", "Did the rep establish the permission-based opener?", 0, 1),
            ("State the reason for the call in one sentence",
             "Did the rep state the reason for the call in one sentence?", 0, 0),
        ]),
        ("DISCOVERY", [
            ("At least two open questions about their current process",
             "Did the rep ask at least two open questions about their current process?", 0, 0),
            ("Find the person who feels the problem most", "Did the rep find the person who feels the problem most?",
             0, 0),
        ]),
        ("CLOSE", [
            ("Ask for the meeting directly", "Did the rep ask for the meeting directly?", 0, 0),
            ("Confirm the invite email while still on the phone",
             "Did the rep confirm the invite email while still on the phone?", 0, 0),
        ]),
    ], ["guessed the question for 2 criteria from a name alone ('Permission-based opener', "
        "'At least two open questions about their current process'); check them", NO_EXAMPLES.format(5, 6)]),
    "field_sales_discovery_guide.docx": ("Field Sales Discovery Guide", [
        ("Opening", [
            ("Confirm the time the buyer has and the agenda for the call",
             "Did the rep confirm the time the buyer has and the agenda for the call?", 0, 0),
            ("Ask what prompted the meeting", "Did the rep ask what prompted the meeting?", 0, 0),
        ]),
        ("Discovery", [
            ("Ask how they run route planning today", "Did the rep ask how they run route planning today?", 1, 0),
            ("Quantify the cost of failed deliveries", "Did the rep quantify the cost of failed deliveries?", 1, 1),
        ]),
        ("Qualification", [
            ("Budget", "Did the rep confirm a budget range and who owns it?", 1, 0),
            ("Authority", "Did the rep learn who signs and meets them or plans to?", 1, 0),
            ("Timeline", "Did the rep get the go-live date tied to a business event?", 0, 0),
        ]),
    ], ["treated the table's 2nd column ('Notes') as the good-practice description",
        "guessed the question for 1 criterion from a name alone ('Timeline'); check them",
        "read 'Appendix: recording consent' as context: no checks under the heading",
        NO_EXAMPLES.format(3, 7)]),
    "solar_consultation_calls.md": ("Home Solar Consultation Calls: what we score", [
        ("Understanding the home", [
            ("Asks about the energy bill",
             "Did the rep ask what the homeowner pays for electricity in a typical month?", 1, 0),
            ("Asks about the roof", "Did the rep ask how old the roof is and which way it faces?", 2, 0),
            ("Checks awareness of the tax credit",
             "Did the rep check the homeowner's awareness of the federal tax credit?", 1, 0),
        ]),
        ("Building trust", [
            ("Shares their own experience",
             "Did the rep say whether they have solar panels on their home themselves?", 1, 0),
            ("Names installs nearby", "Did the rep mention installs the team has finished in the homeowner's area?",
             1, 1),
        ]),
        ("Next step", [
            ("Books the site survey", "Did the rep book a date for the site survey before hanging up?", 1, 0),
            ("Explains the quote", "Did the rep explain what the written quote will include?", 1, 0),
        ]),
    ], [YES_NO]),
    # a heading per criterion (numbered, with emoji), a "What good looks like:" line, 'Ask: "..."' and
    # "Red flag:" bullets, a nested follow-up: one criterion per heading, the bullets its examples
    "meddicc_field_guide.md": ("Harbor Freight Software — MEDDICC Field Guide", [
        ("General", [
            ("Metrics", "Did the rep establish metrics (the buyer puts a number on the problem in their own words)?",
             2, 1),
            ("Economic Buyer", "Did the rep establish the economic buyer?", 1, 0),
            ("Decision Criteria", "Did the rep get the buyer's must-haves named and confirmed back to them?", 2, 0),
            ("Identify Pain", "Did the rep get past the symptom to the business impact?", 1, 0),
            ("Champion", "Did the rep establish the champion?", 0, 0),
        ]),
    ], ["guessed the question for 4 criteria from a name alone ('Metrics', 'Economic Buyer', 'Decision Criteria', "
        "...); check them", "read 'FAQ' as context: no checks under the heading",
        "no examples for 1 of 5 criteria; add quoted example phrases to the playbook (or the YAML) to help scoring"]),
    # bullets with a bold name and a description after a dash or a colon, examples after "e.g." and
    # "Listen for:", a quoted phrase the rep should not say ("not "I'll follow up"")
    "acme_discovery_scorecard.md": ("Acme Discovery Scorecard (v3, Q4)", [
        ("General", [
            ("Agenda & time check", "Did the rep confirm time available and set an agenda up front?", 2, 0),
            ("Current state", "Did the rep learn how they do it today, who's involved and what tools they use?", 1, 0),
            ("Business pain (quantified)", "Did the rep get a number on the pain: hours, dollars, churn?", 0, 0),
            ("Decision process", "Did the rep establish who signs, what steps, what happened last time they bought "
                                 "something like this?", 1, 0),
            ("Next step w/ date", "Did the rep leave with a calendar invite?", 0, 1),
        ]),
    ], [NO_EXAMPLES.format(1, 5)]),
    # pasted from a wiki: the title a plain first line (no '#'), checks numbered "1)", a question and
    # "Good:" / "Avoid:" lines under each
    "cold_call_standards.md": ("Cold Call Standards", [
        ("General", [
            ("Permission-based opener", "Did the rep ask for 30 seconds and give the reason for the call?", 1, 0),
            ("Problem statement", "Did the rep lead with a problem peers in the same role have, instead of the "
                                  "product?", 1, 1),
            ("Ask for the meeting", "Did the rep ask for a specific time?", 0, 0),
        ]),
    ], [NO_EXAMPLES.format(1, 3)]),
    # a scorecard kept in a spreadsheet, saved as CSV: a title row, a note row, a header row, stage
    # rows in the first column, a Points column, a 'Not "..."' example, a closing note row
    "inside_sales_scorecard.csv": ("Inside Sales Call Scorecard - FY27", [
        ("OPENING", [
            ("Confirms time", "Did the rep check the prospect still has the time booked?", 1, 0),
            ("Sets the agenda", "Did the rep say what they will cover and ask what the prospect wants to add?", 1, 0),
        ]),
        ("DISCOVERY", [
            ("Current process", "Did the rep ask how they handle invoicing today, step by step?", 1, 0),
            ("Impact", "Did the rep get a number on what the problem costs?", 1, 0),
            ("Decision makers", "Did the rep learn who else signs off and how they decide?", 0, 0),
        ]),
        ("CLOSE", [
            ("Next step", "Did the rep book a next meeting with a date before hanging up?", 0, 1),
        ]),
    ], ["scored 6 of 6 checks done / not done, each for its points (the Points column); edit the levels for a "
        "graded scale", NO_EXAMPLES.format(1, 6)]),
}
# Context each playbook holds that must not become a criterion (name, question or example).
CONTEXT = {
    "meddicc_field_guide.md": ["Owner", "This is how we qualify", "What good looks like", "Ask:", "Red flag",
                               "Why MEDDICC", "🧭", "📈"],
    "northwind_discovery_scorecard.md": ["Owner", "How to use this scorecard", "Listen to the whole call"],
    "first_meeting_call_flow.md": ["Why this matters", "win rate", "Keep it short"],
    "renewal_call_standards.txt": ["These standards apply", "Remember that most of our renewals"],
    "enterprise_qualification_table.md": ["We qualify every opportunity", "Notes", "deal desk"],
    "inbound_demo_checklist.md": ["For SDR-booked inbound demos", "Tick each item"],
    "objection_handling_notion.md": ["Exported from Notion", "We lose more SMB deals", "[x]", "[ ]"],
    "partner_call_guide.md": ["Version 2", "These calls are with resellers", "Tip", "case studies", "Tomás"],
    "sdr_call_notes.txt": ["Every cold call we review", "Monday pipeline sheet"],
    "solar_consultation_calls.md": ["Owner", "Our consultants call", "Score each check", "Questions about this page"],
    "acme_discovery_scorecard.md": ["Managers: score", "first 20 minutes", "Last edited", "Dana"],
    "cold_call_standards.md": ["Pasted from the team wiki", "Friday review", "Questions?", "Priya"],
    "inside_sales_scorecard.csv": ["Owner: RevOps", "column F", "Category", "Behavior", "Points",
                                   "Scores over 7", "quarterly review"],
    "field_sales_discovery_guide.docx": ["Prepared by the EMEA", "Spend at least half", "Appendix",
                                         "In Germany and France"],
}


def playbook_path(name: str, docx_playbook: Path) -> Path:
    return docx_playbook if name.endswith(".docx") else PLAYBOOKS / name


def read(path: Path):
    return import_playbook(path.read_bytes(), path.name)


# --------------------------------------------------------------------------- six shapes, read by rule


@pytest.mark.parametrize("name", list(EXPECTED))
def test_playbook_imports_to_the_criteria_a_manager_wrote(name, docx_playbook):
    title, sections, notes = EXPECTED[name]
    result = read(playbook_path(name, docx_playbook))
    m = result.methodology
    assert m.name == title
    got = [(s.name, [(c.name, c.question, len(c.good_examples), len(c.poor_examples))
                     for c in m.criteria if c.section == s.id]) for s in m.sections]
    assert got == sections
    assert list(result.report.notes) == notes
    # The report says the same as the methodology, criterion by criterion.
    assert [(s.name, [(c.name, c.question, c.good_examples, c.poor_examples) for c in s.criteria])
            for s in result.report.sections] == sections


@pytest.mark.parametrize("name", list(EXPECTED))
def test_context_never_becomes_a_criterion_and_names_are_whole_phrases(name, docx_playbook):
    path = playbook_path(name, docx_playbook)
    m = read(path).methodology
    source = clean(playbook_text(path.read_bytes(), path.name))
    made = " | ".join(f"{c.name} {c.question} {' '.join(c.good_examples + c.poor_examples)}" for c in m.criteria)
    for context in CONTEXT[name]:
        assert context not in made
    for c in m.criteria:
        # The name is the playbook's own wording, ending where a phrase ends (never mid-phrase).
        assert re.search(re.escape(c.name) + r"(?=$|[\s:.,;|*(—–-])", source), c.name
        assert c.question.startswith("Did the rep ") and c.question.endswith("?")
        assert not re.search(r"[\"“”]|^Did the rep cover\b", c.question), c.question
        assert c.keywords and all(re.compile(k) for k in c.keywords)
        assert any(re.search(k, f"{c.name} {c.levels[-1].description}", re.I) for k in c.keywords)


def test_examples_are_kept_verbatim_with_their_label(docx_playbook):
    m = read(PLAYBOOKS / "northwind_discovery_scorecard.md").methodology
    cost = m.criterion("cost_of_the_problem")
    assert cost.good_examples == ["Roughly how many late deliveries do you see in a typical month?",
                                  "What does one missed delivery window cost you in credits?"]
    assert cost.poor_examples == ["So late deliveries are a pain, right?"]
    assert m.criterion("upfront_contract").poor_examples == [
        "I'll just run through our deck and you stop me if anything's interesting"]
    assert [s.description for s in m.sections] == ["", "", ""]
    assert m.description.startswith("This scorecard is what managers use in Friday call reviews.")
    table = read(PLAYBOOKS / "enterprise_qualification_table.md").methodology
    assert table.criterion("metrics").levels[2].description == (
        "The buyer states the business outcome as a number they are measured on")  # "what good looks like"
    guide = read(docx_playbook).methodology
    assert guide.criterion("ask_how_they_run_route_planning_today").good_examples == [
        "Walk me through what happens when a driver misses a slot"]
    assert guide.sections[1].description == "Spend at least half of the call here. Don't demo yet."


def test_checks_written_as_questions():
    m = import_playbook(b"BUDGET\nDid the rep confirm the budget?\nDid the rep ask who approves the spend?\n",
                        "q.txt").methodology
    assert [(s.name, [(c.name, c.question) for c in m.criteria]) for s in m.sections] == [
        ("BUDGET", [("Confirm the budget", "Did the rep confirm the budget?"),
                    ("Ask who approves the spend", "Did the rep ask who approves the spend?")])]
    text = (b"## Close\nQuestion: Did the rep recap?\n- Did the rep book the next meeting?\n"
            b"- Next step: agree a date\n  - Question: Did the rep agree a dated next step?\n")
    m = import_playbook(text, "q.md").methodology
    assert [(c.name, c.question) for c in m.criteria] == [
        ("Book the next meeting", "Did the rep book the next meeting?"),
        ("Next step", "Did the rep agree a dated next step?")]
    assert m.sections[0].description == "Question: Did the rep recap?"  # a question of no check: context


def test_a_wrapped_list_item_is_one_check_with_its_example():
    text = ("## Discovery\n\n- Asks about the way they handle dispatch today: asks how orders reach the\n"
            "  warehouse and who checks them, e.g. \"walk me through what happens after an order\n"
            "  comes in\"\n- Tells a customer story: tells how a similar team cut errors,\n"
            "  e.g. \"one of our customers halved their returns in a quarter\".\n")
    m = import_playbook(text.encode(), "wrapped.md").methodology
    assert [(c.name, c.question, c.good_examples) for c in m.criteria] == [
        ("Asks about the way they handle dispatch today",
         "Did the rep ask how orders reach the warehouse and who checks them?",
         ["walk me through what happens after an order comes in"]),
        ("Tells a customer story", "Did the rep tell how a similar team cut errors?",
         ["one of our customers halved their returns in a quarter"])]


def test_the_drill_fits_what_the_check_asks_of_the_rep():
    """A check that is asked gets a question to prepare; one that is said (a story, an appeal) gets the
    rep's own words to prepare, with the playbook's example (it read "write the question you will ask
    for 'Tells a customer story'")."""
    text = ("## Discovery\n\n- Asks about the way they handle dispatch today, e.g. \"walk me through it\"\n"
            "- Tells a customer story: tells how a similar team cut errors,\n"
            "  e.g. \"one of our customers halved their returns in a quarter\".\n")
    asked, said = import_playbook(text.encode(), "drills.md").methodology.criteria
    assert asked.needs_question and "write the question you will ask for 'Asks about the way" in asked.coaching.drill
    assert not said.needs_question and "question" not in said.coaching.drill
    assert ("write down in your own words what you will say for 'Tells a customer story' (the playbook's example: "
            "\"one of our customers halved their returns in a quarter\")") in said.coaching.drill


def test_a_heading_with_no_text_is_never_a_criterion():
    text = "# Call guide\n\n## Opening\n\n###\n\n### **  **\n\n- Ask what prompted the call\n"
    m = import_playbook(text.encode(), "guide.md").methodology
    assert [c.name for c in m.criteria] == ["Ask what prompted the call"]


def test_keywords_match_the_words_and_their_endings():
    found = keywords("Learn the buyer's role and the team's priorities")
    assert found == [r"\brole\w*", r"\bteam\w*", r"\bpriorit\w*"]
    assert all(re.search(k, "our top priority: the team role", re.I) for k in found)


def test_keywords_skip_the_methodology_topic_the_verb_and_the_examples():
    text = ("## Discovery\n\n- Asks about the shipment volume: asks how many shipments the customer's warehouse\n"
            "  sends a week, e.g. \"how many pallets go out weekly?\"\n"
            "- Asks for the shipment deadline: asks when the next shipments must arrive\n"
            "- Quantifies lost shipments: tries to put a figure on shipments lost last quarter\n"
            "- Names the approver: finds out who signs off the contract\n")
    m = import_playbook(text.encode(), "freight.md").methodology
    words = {c.id: [k.replace("\\b", "").replace("\\w*", "") for k in c.keywords] for c in m.criteria}
    assert not any("shipment" in w for ws in words.values() for w in ws)  # in 3 of 4 checks: the topic
    assert {"lost", "figure"} <= set(words["quantifies_lost_shipments"])
    assert not {"quantifie", "trie", "tries"} & set(words["quantifies_lost_shipments"])  # the verbs
    assert "pallet" not in words["asks_about_the_shipment_volume"]  # example phrases are not keywords
    assert "approver" in words["names_the_approver"]
    asked = {c.id: c.needs_question for c in m.criteria}
    assert asked == {"asks_about_the_shipment_volume": True, "asks_for_the_shipment_deadline": True,
                     "quantifies_lost_shipments": False, "names_the_approver": False}


@pytest.mark.parametrize(("question", "asked"), [
    ("Did the rep ask whether the buyer has heard of us?", True),
    ("Did the rep ask about the buyer's current process?", True),
    ("Did the rep ask the buyer's view of the proposal?", True),
    ("Did the rep ask who approves the spend?", True),
    ("Did the rep ask for the order?", False),
    ("Did the rep directly ask whether the buyer has a budget?", True),
    ("Did the rep explicitly ask the buyer to sign?", False),
    ("Did the rep ask the buyer to sign this week?", False),
    ("Did the rep confirm the budget?", False),
])
def test_a_check_met_only_by_asking_needs_a_question(question, asked):
    assert is_asked_check(question) is asked


def test_keywords_include_how_each_example_opens_but_never_the_topic():
    # The wording's words ('energy', 'electricity') are rarely said; how the example opens is.
    m = read(PLAYBOOKS / "solar_consultation_calls.md").methodology
    said = {
        "asks_about_the_energy_bill": "How much do you pay for power each month?",
        "asks_about_the_roof": "Which way is the garage side facing?",
        "shares_their_own_experience": "I put them on my place last year, so I know the process.",
        "names_installs_nearby": "We finished a job two streets over from you in May.",
        "books_the_site_survey": "Can we put Tuesday down for the visit?",
    }
    for cid, sentence in said.items():
        assert any(re.search(k, sentence, re.I) for k in m.criterion(cid).keywords), (cid, m.criterion(cid).keywords)
    # 'solar' and 'panels' are in the examples of three of the seven checks: the topic of every call.
    every = [k for c in m.criteria for k in c.keywords]
    assert not [k for k in every if re.search(k, "solar panels", re.I)]


def test_a_check_about_the_rep_is_keyed_as_the_rep_says_it():
    m = read(PLAYBOOKS / "solar_consultation_calls.md").methodology
    own = m.criterion("shares_their_own_experience").keywords
    assert any(re.search(k, "Honestly, I went with the same installer myself.", re.I) for k in own)
    assert not any("themselve" in k for k in own)  # the description's 'themselves' is 'myself' when said
    aware = m.criterion("checks_awareness_of_the_tax_credit").keywords
    assert any(re.search(k, "Are you aware there is a credit for this?", re.I) for k in aware)  # 'awareness'


def test_example_openings_stop_at_the_first_word_that_carries_the_move():
    topic = frozenset({"solar", "panel"})
    found = example_openings(["Have you budgeted for it?", "Solar panels would pay for themselves", "I’m going to",
                              "Have you budgeted yet?", "is it on the the the list"], topic)
    assert found == [r"\bhave\s+you\s+budgeted\b", r"\bsolar\s+panels\s+would\s+pay\b", r"\bi['’]m\s+going\b"]
    assert re.search(found[2], "I'm going to give too", re.I) and re.search(found[2], "I’m going", re.I)
    assert len(example_openings([f"What about {word * 3} today?" for word in "abcdefghijkl"])) == 5


def test_a_playbook_scored_yes_or_no_imports_two_levels():
    solar = read(PLAYBOOKS / "solar_consultation_calls.md").methodology  # "Score each check yes or no"
    roof = solar.criterion("asks_about_the_roof")
    assert [(lv.score, lv.label) for lv in roof.levels] == [(0, "Not done"), (1, "Done")]
    assert roof.levels[1].description.startswith("Asks how old the roof is and which way it faces")
    assert {c.max_score for c in read(PLAYBOOKS / "inbound_demo_checklist.md").methodology.criteria} == {1}
    # "It replaced the old 20-point checklist" is history, not how this scorecard is scored.
    assert {c.max_score for c in read(PLAYBOOKS / "northwind_discovery_scorecard.md").methodology.criteria} == {2}
    graded = import_playbook(b"# Call review\n\nCheck whether the rep did each of these.\n\n## Open\n"
                             b"- Ask what prompted the call\n", "g.md").methodology
    assert graded.criteria[0].max_score == 1
    assert import_playbook(b"# Call review\n\n## Open\n- Ask what prompted the call\n",
                           "g.md").methodology.criteria[0].max_score == 2


def test_keywords_are_escaped_regexes():
    found = keywords("Ask about C++ (legacy) pricing [beta] for the add-on?")
    assert found == [r"\blegacy\w*", r"\bpricing\w*", r"\bbeta\w*", r"\badd\-on\w*"]
    m = import_playbook(b"## Pricing\n- Quote the C++ (legacy) tier* price [beta]\n", "p.md").methodology
    for k in m.criteria[0].keywords:
        re.compile(k)
    assert any(re.search(k, "the legacy tier costs more", re.I) for k in m.criteria[0].keywords)


@pytest.mark.parametrize(
    ("name", "rest", "question", "source"),
    [
        ("Ask about budget", "", "Did the rep ask about budget?", "derived"),
        ("Budget", "", "Did the rep establish the budget?", "guessed"),
        ("Rapport", "", "Did the rep establish rapport?", "guessed"),
        ("Budget", "confirm the amount and who holds it", "Did the rep confirm the amount and who holds it?", "derived"),
        ("Rep confirms the budget", "", "Did the rep confirm the budget?", "derived"),
        # The description says more than the name, adverb included; "Weekly reviews" is no adverb.
        ("Asks for the order", "explicitly asks the buyer to sign, e.g. \"shall we go ahead?\"",
         "Did the rep explicitly ask the buyer to sign?", "derived"),
        ("Weekly reviews of the pipeline", "", "Did the rep establish the weekly reviews of the pipeline?", "guessed"),
        ("Budget", "The rep must ask who owns the budget.", "Did the rep ask who owns the budget?", "derived"),
        ("Timeline", "tied to an event", "Did the rep establish the timeline (tied to an event)?", "guessed"),
        ("Next step agreed with a date", "", "Did the rep get the next step agreed with a date?", "guessed"),
        ("Close plan agreed", "", "Did the rep get the close plan agreed?", "guessed"),
        ("Decision process", "Who is the economic buyer?", "Did the rep ask who the economic buyer is?", "derived"),
        ("Upfront contract", "Question: does the rep agree the time?", "does the rep agree the time?", "given"),
        ("Recap", "Summarise what you heard", "Did the rep summarise what they heard?", "derived"),
        ("Check reactions", 'Ask ("How does that compare?") after each demo', "Did the rep ask after each demo?",
         "derived"),
        ("Never criticise the competitor", "", "Did the rep avoid criticising the competitor?", "derived"),
        ("Don't pitch before the pain is clear", "", "Did the rep avoid pitching before the pain is clear?",
         "derived"),
        ("Revisit date", 'a specific date, not "next quarter"',
         "Did the rep establish the revisit date (a specific date, not next quarter)?", "guessed"),
        # a second verb takes the base form too; a description that lists what to find out; a
        # quoted phrase the rep should not say leaves no "not" behind
        ("Agenda", "Rep confirms the time available and sets an agenda up front",
         "Did the rep confirm the time available and set an agenda up front?", "derived"),
        ("Goals", "Asks about goals and challenges", "Did the rep ask about goals and challenges?", "derived"),
        ("Decision process", "who signs, what steps, and by when",
         "Did the rep establish who signs, what steps, and by when?", "derived"),
        ("Next step", 'Leaves with a calendar invite, not "I\'ll follow up".',
         "Did the rep leave with a calendar invite?", "derived"),
        ("Empathy", 'tries to evoke empathy for the buyer\'s team, e.g. "that sounds exhausting"',
         "Did the rep try to evoke empathy for the buyer's team?", "derived"),
    ],
)
def test_build_question(name, rest, question, source):
    assert build_question(name, rest) == (question, source)


def test_a_table_with_a_stage_column_makes_its_sections():
    text = ("| Stage | Check | Avoid |\n|---|---|---|\n"
            "| Opening | Set the agenda | \"Just wanted to touch base\" |\n"
            "| Discovery | Ask how they measure on-time delivery | n/a |\n"
            "| Opening | Confirm who else should join | - |\n")
    result = import_playbook(text.encode(), "stages.md")
    m = result.methodology
    assert [(s.name, [c.name for c in m.criteria if c.section == s.id]) for s in m.sections] == [
        ("Opening", ["Set the agenda", "Confirm who else should join"]),
        ("Discovery", ["Ask how they measure on-time delivery"]),
    ]
    assert m.criterion("set_the_agenda").poor_examples == ["Just wanted to touch base"]
    assert m.criterion("set_the_agenda").question == "Did the rep set the agenda?"
    assert not any("column" in n for n in result.report.notes)  # every column was named by its header


def test_bold_lines_head_stages_in_word_documents(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Renewal calls: what we listen for. Keep calls under 30 minutes.")
    d.add_paragraph().add_run("Usage review").bold = True
    d.add_paragraph("Walk through seat usage for the last quarter", style="List Bullet")
    d.add_paragraph().add_run("Commercials").bold = True
    d.add_paragraph("Confirm who signs the renewal", style="List Bullet")
    d.save(tmp_path / "renewals.docx")
    m = import_playbook((tmp_path / "renewals.docx").read_bytes(), "renewals.docx").methodology
    assert [(s.name, [c.name for c in m.criteria if c.section == s.id]) for s in m.sections] == [
        ("Usage review", ["Walk through seat usage for the last quarter"]), ("Commercials", ["Confirm who signs the renewal"]),
    ]
    assert m.description == "Renewal calls: what we listen for. Keep calls under 30 minutes."


def test_unreadable_playbooks_are_one_line_input_errors():
    from review.errors import InputError

    with pytest.raises(InputError, match=r"^guide\.txt: not UTF-8 text \(byte 8\); save it as UTF-8$"):
        import_playbook(b"Opening:\x81\x8d\nQuantify the pain", "guide.txt")  # not Windows-1252 either
    with pytest.raises(InputError, match=r"^guide\.docx: not a Word \.docx file"):
        import_playbook(b"# not a zip", "guide.docx")


def test_a_spreadsheet_scorecard_keeps_its_points_as_weights_and_its_poor_phrases():
    m = read(PLAYBOOKS / "inside_sales_scorecard.csv").methodology
    assert [(c.id, c.weight) for c in m.criteria] == [
        ("confirms_time", 1.0), ("sets_the_agenda", 1.0), ("current_process", 2.0), ("impact", 2.0),
        ("decision_makers", 2.0), ("next_step", 2.0)]
    # points are earned by doing the check: done / not done, so the total is the sheet's 10 points
    assert {c.max_score for c in m.criteria} == {1} and sum(c.weight * c.max_score for c in m.criteria) == 10
    assert m.criterion("next_step").poor_examples == ["I'll send you an email"]
    assert m.criterion("next_step").good_examples == []
    # the same columns in a Markdown table; a semicolon-separated sheet (Excel in most of Europe)
    # and a tab-separated one; "10%" and "3 pts" are numbers, "n/a" and "0" no weight
    table = import_playbook(b"| Criterion | What good looks like | Weight |\n|---|---|---|\n"
                            b"| Agenda | Sets the agenda | 10% |\n| Budget | Confirms the budget | n/a |\n"
                            b"| Pain | Gets a number on the pain | 0 |\n", "t.md").methodology
    assert [c.weight for c in table.criteria] == [10.0, 1.0, 1.0]
    assert {c.max_score for c in table.criteria} == {2}  # a weight keeps the graded scale
    semicolons = import_playbook(b"Stage;Criterion;Points\nOpening;Agenda set;3 pts\nClose;Next step booked;1,5\n",
                                 "eu.csv").methodology
    assert [(s.name, c.name, c.weight) for s, c in zip(semicolons.sections, semicolons.criteria, strict=True)] == [
        ("Opening", "Agenda set", 3.0), ("Close", "Next step booked", 1.5)]
    tabs = import_playbook(b"Stage\tCheck\nOpening\tAsk what prompted the call\n", "t.tsv").methodology
    assert [(s.name, c.name) for s in tabs.sections for c in tabs.criteria] == [("Opening", "Ask what prompted the call")]
    # "Category | Description": the category names the check when no column does
    plain = import_playbook(b"Category,Description\nAgenda,Rep sets the agenda\n", "c.csv").methodology
    assert [(c.name, c.question) for c in plain.criteria] == [("Agenda", "Did the rep set the agenda?")]


def test_files_saved_by_windows_tools_are_read_with_a_note():
    # Excel's plain "CSV" and older editors write Windows-1252: read, and the import says so
    sheet = import_playbook("Criterion,What good looks like\nCaf\u00e9 rapport \u2013 opener,Rep opens with small "
                            "talk\n".encode("cp1252"), "s.csv")
    assert [c.name for c in sheet.methodology.criteria] == ["Caf\u00e9 rapport \u2013 opener"]
    assert sheet.report.notes[0].startswith("read the file as Windows-1252 (it is not UTF-8)")
    guide = import_playbook("Opening:\nQuantify the pain \u2013 ask for a figure\n".encode("cp1252"), "guide.txt")
    assert [(c.name, c.question) for c in guide.methodology.criteria] == [("Quantify the pain", "Did the rep ask for a figure?")]
    assert guide.report.notes[0].startswith("read the file as Windows-1252")
    # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated, named .txt
    unicode_text = import_playbook("Criterion\tWhat good looks like\tPoints\nAgenda\tRep sets the agenda\t2\n"
                                   .encode("utf-16"), "scorecard.txt")
    assert [(c.name, c.question, c.weight) for c in unicode_text.methodology.criteria] == [
        ("Agenda", "Did the rep set the agenda?", 2.0)]
    assert unicode_text.report.notes[-1] == NO_EXAMPLES.format(1, 1)
    assert not any("Windows-1252" in n for n in unicode_text.report.notes)


def test_a_spreadsheet_that_cannot_be_read_says_how_to_save_it(settings, capsys, tmp_path):
    from review.errors import InputError

    with pytest.raises(InputError, match=r"^s\.csv: not UTF-8 text \(byte 13\); save it from your spreadsheet as "
                                         r"CSV UTF-8$"):
        import_playbook(b"Criterion,Caf\x81\nAgenda,x\n", "s.csv")
    with pytest.raises(MethodologyError, match=r"^s\.csv: no criteria found; a playbook needs a header row"):
        import_playbook(b"Opening\nAgenda\n", "s.csv")
    with pytest.raises(MethodologyError, match=r"^s\.csv: no criteria found"):  # numbers are no check's name
        import_playbook(b"a,b\n1,2\n3,4\n", "s.csv")
    xlsx = tmp_path / "scorecard.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    assert main(["methodology", "import", str(xlsx)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("or .csv (save the sheet as CSV UTF-8)") and "\n" not in err


@pytest.mark.parametrize(("name", "text"), [
    ("docs.md", "# Call checklist\n\n## Opening\n\u2610 Ask about budget\n\u2610 Confirm the time\n\n## Close\n"
                "\u2705 Set the next step\n"),
    ("boxes.md", "# Call checklist\n\n## Opening\n- \u2610 Ask about budget\n- \u2714 Confirm the time\n\n## Close\n"
                 "- [x] Set the next step\n"),
    ("notes.txt", "CALL CHECKLIST\n\nOPENING\n\u2610 Ask about budget\n\u2610 Confirm the time\n\nCLOSE\n"
                  "\u2611 Set the next step\n"),
])
def test_checklists_pasted_with_boxes_import_their_checks(name, text):
    """Checklists copied from Google Docs, Notion or Word keep their boxes (☐, ☑, ✅) as bullets; a
    capitals line straight over the first stage is the title."""
    m = import_playbook(text.encode(), name).methodology
    assert m.name.lower() == "call checklist"
    assert [(s.name.title(), [c.name for c in m.criteria if c.section == s.id]) for s in m.sections] == [
        ("Opening", ["Ask about budget", "Confirm the time"]), ("Close", ["Set the next step"])]


def test_a_word_checklist_typed_with_boxes_imports_its_checks(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Call checklist", style="Title")
    d.add_paragraph("Opening", style="Heading 1")
    d.add_paragraph("\u2610 Ask about budget")
    d.add_paragraph("\u2610 Confirm the time")
    d.add_paragraph("Close", style="Heading 1")
    d.add_paragraph("Set the next step", style="List Bullet")
    d.save(tmp_path / "boxes.docx")
    m = import_playbook((tmp_path / "boxes.docx").read_bytes(), "boxes.docx").methodology
    assert [(s.name, [c.name for c in m.criteria if c.section == s.id]) for s in m.sections] == [
        ("Opening", ["Ask about budget", "Confirm the time"]), ("Close", ["Set the next step"])]


def test_a_plain_text_playbook_that_starts_with_its_first_stage_keeps_it():
    m = import_playbook(b"OPENING\nAsk about budget\nConfirm the time\n\nCLOSE\nSet the next step\n",
                        "stages.txt").methodology
    assert [(s.name, [c.name for c in m.criteria if c.section == s.id]) for s in m.sections] == [
        ("OPENING", ["Ask about budget", "Confirm the time"]), ("CLOSE", ["Set the next step"])]


def test_a_playbook_over_the_limits_says_to_split_it():
    sheet = "Criterion,What good looks like\n" + "".join(f"Check {i},Rep asks about topic {i}\n" for i in range(250))
    with pytest.raises(MethodologyError, match=r"^big\.csv: 250 criteria, more than the 200 a methodology holds; "
                                              r"split the playbook into one per kind of call and import each$"):
        import_playbook(sheet.encode(), "big.csv")


def test_cli_imports_a_spreadsheet_scorecard(settings, capsys):
    assert main(["methodology", "import", str(PLAYBOOKS / "inside_sales_scorecard.csv")]) == 0
    out = capsys.readouterr().out
    assert "    - Current process: 1 good / 0 poor example(s), weight 2\n" in out
    saved = MethodologyLibrary(settings).get("inside_sales_call_scorecard_fy27")
    assert saved.origin == "team" and saved.methodology.criterion("impact").weight == 2.0


def test_a_playbook_without_checks_says_what_is_needed():
    with pytest.raises(MethodologyError, match=r"^guide\.md: no criteria found; a playbook needs '#'/'##' headings"):
        import_playbook(b"# Guide\n\nWe are still writing this.\n\n## Opening\n", "guide.md")


def test_report_lists_sections_criteria_and_example_counts():
    text = format_report(read(PLAYBOOKS / "northwind_discovery_scorecard.md").report)
    assert text.splitlines()[:4] == [
        "northwind_discovery_scorecard.md: 3 section(s), 5 criteria (drafted by rules)",
        "  Opening",
        "    - Upfront contract: 1 good / 1 poor example(s)",
        "      Did the rep agree the purpose, the time available and the outcome of the call with the buyer?",
    ]


# --------------------------------------------------------------------------- the LLM reads the playbook


class FakeEngine:
    """The real engine class around tests/fakes' chat model, replaying canned drafts; `calls` lists
    what each `complete` was asked."""

    name = "fake"
    model = "fake-model"

    def __init__(self, replies: list):
        self.engine = fake_engine(*replies)

    def complete(self, system: str, user: str, output: type, name: str):
        return self.engine.complete(system, user, output, name)

    @property
    def calls(self) -> list[dict]:
        return [{"system": r.system, "user": r.user, "output": r.output} for r in requests_of(self.engine)]


def llm_draft(first_name: str = "Upfront contract") -> dict:
    return MethodologyDraft(
        name="Northwind Discovery", description="Drafted from the team's scorecard.",
        sections=[
            SectionDraft(name="Opening", criteria=[
                CriterionDraft(name=first_name, question="Did the rep agree purpose, time and outcome?",
                               good_examples=["We've got 30 minutes."], poor_examples=["I'll just run through our deck."]),
            ]),
            SectionDraft(name="Discovery", criteria=[
                CriterionDraft(name="Cost of the problem", question="cost of the problem",
                               description="The buyer puts a number (C++ $) on the problem"),
            ]),
        ],
    ).model_dump()


def test_llm_draft_keeps_the_points_it_read_and_drops_impossible_ones():
    draft = llm_draft()
    draft["sections"][0]["criteria"][0]["weight"] = 2
    draft["sections"][1]["criteria"][0]["weight"] = 500  # above any weight a methodology allows
    m = import_playbook(b"| Check | Points |\n|---|---|\n| Upfront contract | 2 |\n", "s.md",
                        engine=FakeEngine([draft])).methodology
    assert [(c.id, c.weight) for c in m.criteria] == [("upfront_contract", 2.0), ("cost_of_the_problem", 1.0)]


def test_llm_draft_is_built_and_validated_like_any_methodology():
    engine = FakeEngine([llm_draft()])
    path = PLAYBOOKS / "northwind_discovery_scorecard.md"
    result = import_playbook(path.read_bytes(), path.name, engine=engine)
    m = result.methodology
    assert [c.id for c in m.criteria] == ["upfront_contract", "cost_of_the_problem"]
    assert m.criterion("upfront_contract").poor_examples == ["I'll just run through our deck."]
    # Not a yes/no question: replaced by one derived from the wording (its own bracketed aside dropped,
    # the detail goes in brackets); keywords are escaped regexes.
    assert m.criterion("cost_of_the_problem").question == (
        "Did the rep establish the cost of the problem (the buyer puts a number on the problem)?")
    assert all(re.compile(k) for k in m.criterion("cost_of_the_problem").keywords)
    assert result.report.drafted_by == "LLM (fake-model)"
    assert result.report.notes[0].startswith("drafted by the LLM (fake-model, prompt import_playbook v2.2.0)")
    call = engine.calls[0]
    assert call["output"] is MethodologyDraft
    assert "<playbook>\n# Northwind Discovery Call Scorecard" in call["user"]
    assert "NEVER criteria" in call["system"]


def test_llm_draft_with_an_example_as_a_criterion_is_re_asked_with_the_error():
    engine = FakeEngine([llm_draft(first_name='"We have got 30 minutes, does that work?"'), llm_draft()])
    result = import_playbook(b"# Guide\n## Opening\n- Agree the agenda\n", "guide.md", engine=engine)
    assert len(engine.calls) == 2 and result.methodology.criteria[0].name == "Upfront contract"
    assert "is a quoted example phrase, not a criterion" in engine.calls[1]["user"]


def test_llm_draft_still_invalid_falls_back_to_the_rules_with_a_warning():
    engine = FakeEngine([llm_draft(first_name=" "), llm_draft(first_name="")])
    with pytest.warns(PlaybookImportWarning, match="still invalid after one retry"):
        result = import_playbook(b"# Guide\n## Opening\n- Agree the agenda\n", "guide.md", engine=engine)
    assert len(engine.calls) == 2
    assert result.report.drafted_by == "rules" and [c.name for c in result.methodology.criteria] == ["Agree the agenda"]


def test_llm_reads_a_docx_as_markdown(docx_playbook):
    engine = FakeEngine([llm_draft()])
    import_playbook(docx_playbook.read_bytes(), docx_playbook.name, engine=engine)
    user = engine.calls[0]["user"]
    assert "# Opening\n- Confirm the time the buyer has" in user and "| Skill | Notes | Sample phrasing |" in user


# --------------------------------------------------------------------------- review before save: CLI


@pytest.fixture
def llm_configured(monkeypatch):
    from review.playbook import llm_import

    engine = FakeEngine([llm_draft()])
    monkeypatch.setattr(llm_import, "make_import_engine", lambda settings: engine)
    return engine


class _Stdin:
    def __init__(self, tty: bool):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_cli_llm_draft_without_tty_or_yes_saves_nothing(settings, capsys, monkeypatch, llm_configured):
    monkeypatch.setattr("sys.stdin", _Stdin(False))
    path = PLAYBOOKS / "northwind_discovery_scorecard.md"
    assert main(["methodology", "import", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Question: Did the rep agree purpose, time and outcome?" in out  # the draft, printed in full
    assert "draft, not saved" in out and "drafted by LLM (fake-model)" in out
    assert f"nothing saved: the LLM's draft needs your review; check it above, then run " \
           f"`callreview methodology import {path} --yes` to save it" in err
    assert not settings.user_methodology_path.exists() or not list(settings.user_methodology_path.iterdir())


@pytest.mark.parametrize(("answer", "saved"), [("y", True), ("n", False), ("", False)])
def test_cli_llm_draft_asks_at_a_tty(settings, capsys, monkeypatch, llm_configured, answer, saved):
    monkeypatch.setattr("sys.stdin", _Stdin(True))
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    code = main(["methodology", "import", str(PLAYBOOKS / "northwind_discovery_scorecard.md")])
    assert asked == ["Save this methodology to the team library? [y/N] "]
    target = settings.user_methodology_path / "northwind_discovery.yaml"
    assert (code, target.exists()) == ((0, True) if saved else (1, False))


def test_cli_llm_draft_saved_with_yes(settings, capsys, monkeypatch, llm_configured):
    monkeypatch.setattr("sys.stdin", _Stdin(False))
    assert main(["methodology", "import", str(PLAYBOOKS / "northwind_discovery_scorecard.md"), "--yes",
                 "--id", "northwind"]) == 0
    target = settings.user_methodology_path / "northwind.yaml"
    assert capsys.readouterr().out.endswith(f"Imported northwind v1.0, 2 criteria -> {target}\n")
    stored = load_methodology_file(target).methodology
    assert [c.id for c in stored.criteria] == ["upfront_contract", "cost_of_the_problem"]
    assert yaml.safe_load(target.read_text())["criteria"][0]["poor_examples"] == ["I'll just run through our deck."]


def test_cli_rule_import_prints_the_report_and_warns_where_it_guessed(settings, capsys, docx_playbook):
    assert main(["methodology", "import", str(docx_playbook)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("field_sales_discovery_guide.docx: 3 section(s), 7 criteria (drafted by rules)\n")
    assert "    - Quantify the cost of failed deliveries: 1 good / 1 poor example(s)\n" in out
    assert err.splitlines() == [f"callreview: warning: {n}" for n in EXPECTED[docx_playbook.name][2]]
    assert MethodologyLibrary(settings).get("field_sales_discovery_guide").origin == "team"


# --------------------------------------------------------------------------- review before save: Settings page


def settings_page():
    testing = pytest.importorskip("streamlit.testing.v1")
    from review.auth import Scope

    at = testing.AppTest.from_file(str(REPO / "review" / "ui" / "settings_page.py"), default_timeout=60)
    at.session_state["_scope"] = Scope("admin", "Ada Admin", "admin", None, None)  # signed in as an admin
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "success", "error")
                     for e in getattr(at, kind))


@pytest.mark.parametrize("engine", ["rules", "llm"])
def test_settings_upload_shows_the_draft_and_saves_only_on_save(settings, monkeypatch, engine):
    from review.playbook import llm_import

    fake = FakeEngine([llm_draft()])
    monkeypatch.setattr(llm_import, "make_import_engine", lambda s: fake if engine == "llm" else None)
    at = settings_page()
    data = (PLAYBOOKS / "first_meeting_call_flow.md").read_bytes()
    at.file_uploader(key="settings_playbook").set_value(("first_meeting_call_flow.md", data, "text/markdown"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    shown = _texts(at)
    assert "Nothing is saved yet" in shown
    if engine == "llm":
        assert "drafted by LLM (fake-model)" in shown
        assert "- **Upfront contract**: Did the rep agree purpose, time and outcome?" in shown
        expected_id = "northwind_discovery"
    else:
        assert "- **Current process**: Did the rep ask how they schedule and track deliveries today?" in shown
        assert "read 'Why this matters' as context: no checks under the heading" in shown
        expected_id = "first_meeting_call_flow_mid_market_team"
    team = settings.user_methodology_path
    assert not team.exists() or not list(team.iterdir())  # reviewed first, not saved
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception, at.exception
    assert any("was imported" in s.value for s in at.success)
    assert [p.name for p in team.iterdir()] == [f"{expected_id}.yaml"]
    assert len(fake.calls) == (1 if engine == "llm" else 0)  # Save stores the reviewed draft, no second reading


def test_settings_upload_discard_saves_nothing(settings, monkeypatch):
    at = settings_page()
    at.file_uploader(key="settings_playbook").set_value(
        ("renewal_call_standards.txt", (PLAYBOOKS / "renewal_call_standards.txt").read_bytes(), "text/plain"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    next(b for b in at.button if b.label == "Discard").click().run()
    assert "Draft discarded; nothing was saved." in _texts(at)
    assert not settings.user_methodology_path.exists() or not list(settings.user_methodology_path.iterdir())
    at.run()
    assert not [b for b in at.button if b.label == "Save"] and "Nothing is saved yet" not in _texts(at)


def test_settings_upload_of_a_word_playbook(settings, docx_playbook):
    at = settings_page()
    at.file_uploader(key="settings_playbook").set_value(
        (docx_playbook.name, docx_playbook.read_bytes(),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    shown = _texts(at)
    assert "3 section(s), 7 criteria, drafted by rules" in shown
    assert "treated the table's 2nd column ('Notes') as the good-practice description" in shown
    assert "good: \u201cWhat did failed first attempts cost you last quarter?\u201d" in shown
    next(b for b in at.button if b.label == "Save").click().run()
    assert [p.name for p in settings.user_methodology_path.iterdir()] == ["field_sales_discovery_guide.yaml"]


def test_links_and_html_a_viewer_would_fetch_never_reach_the_methodology():
    """An LLM draft keeps a playbook's link or image verbatim; the import keeps its text only, and
    drops tags like <img>, so neither the app, the agenda nor a Markdown viewer fetches anything."""
    draft = llm_draft(first_name="Upfront contract ![x](http://host/p.png)")
    draft["sections"][0]["criteria"][0]["good_examples"] = ["We have [30 minutes](http://host/a) <img src=http://host/q.png>"]
    draft["description"] = "Read <script src=http://host/s.js></script>the guide"
    m = import_playbook(b"# Guide\n## Opening\n- Agree the agenda\n", "g.md", engine=FakeEngine([draft])).methodology
    assert m.criteria[0].name == "Upfront contract x"
    assert m.criteria[0].good_examples == ["We have 30 minutes"]
    assert "host" not in m.model_dump_json()
    kept = import_playbook(b"# Guide\n## Opening\n- Check the <id> field\n", "g.md").methodology
    assert kept.criteria[0].name == "Check the <id> field"  # text in angle brackets is not a tag


def test_settings_shows_a_drafted_playbooks_words_as_text(settings, monkeypatch):
    """A playbook is an uploaded document: its names, questions and examples (here as an LLM drafted
    them) are shown as text, never rendered: no heading, colour directive or formula."""
    from test_ui_safe_text import UNESCAPED

    from review.playbook import llm_import

    hostile = ":red[**boom**] $x^2$ :material/flag:"
    draft = llm_draft(first_name=f"Upfront contract {hostile}")
    draft["sections"][0]["criteria"][0]["good_examples"] = [f"We have 30 minutes {hostile}"]
    draft["sections"][0]["name"] = f"# Opening {hostile}"
    monkeypatch.setattr(llm_import, "make_import_engine", lambda s: FakeEngine([draft]))
    at = settings_page()
    path = PLAYBOOKS / "northwind_discovery_scorecard.md"
    at.file_uploader(key="settings_playbook").set_value((path.name, path.read_bytes(), "text/markdown"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    carrying = [line for line in _texts(at).splitlines() if "boom" in line]
    assert len(carrying) >= 3  # the section, the criterion, its example
    for line in carrying:
        for pattern in UNESCAPED:
            assert not pattern.search(line), (pattern.pattern, line)


def test_settings_upload_of_a_spreadsheet_scorecard(settings):
    at = settings_page()
    path = PLAYBOOKS / "inside_sales_scorecard.csv"
    at.file_uploader(key="settings_playbook").set_value((path.name, path.read_bytes(), "text/csv"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception, at.exception
    assert "3 section(s), 6 criteria, drafted by rules" in _texts(at)
    next(b for b in at.button if b.label == "Save").click().run()
    saved = MethodologyLibrary(settings).get("inside_sales_call_scorecard_fy27").methodology
    assert [c.weight for c in saved.criteria] == [1.0, 1.0, 2.0, 2.0, 2.0, 2.0]


def test_mixed_up_playbooks_never_make_a_label_quote_or_empty_line_a_criterion():
    """Lines of every test playbook shuffled into 600 odd documents (seeded): each reads to valid
    criteria or to a one-line MethodologyError, and no criterion is an example, label or empty."""
    import random

    lines = [line for path in sorted(PLAYBOOKS.iterdir()) if path.suffix not in (".docx", ".csv")
             for line in path.read_text().splitlines()]
    lines += ["#", "##", "| a |", "|---|", "> ", "- ", "**", "Avoid:", "Question:", '""', "===", "---", "- [ ]",
              '    - "x"', "#### ", '## "Quoted"']
    rng = random.Random(11)
    made = 0
    for _ in range(300):
        text = "\n".join(rng.choice(lines) for _ in range(rng.randint(1, 25)))
        for name in ("mixed.md", "mixed.txt"):
            try:
                m = import_playbook(text.encode(), name).methodology
            except MethodologyError as exc:
                assert "\n" not in str(exc)
                continue
            for c in m.criteria:
                made += 1
                assert re.search(r"[^\W_]", c.name) and c.question.endswith("?"), c
                assert not c.name.startswith(('"', "\u201c")), c.name
                assert not re.match(r"(?i)(good|avoid|question|say|don't say|e\.g\.|tip|note)\s*:", c.name), c.name
    assert made > 1000
    # and a spreadsheet's rows shuffled, with odd rows, as 300 sheets
    rows = (PLAYBOOKS / "inside_sales_scorecard.csv").read_text().splitlines()
    rows += [",,,", '"', '""', ",", "Criterion", "Avoid:,x", '"Do you still have 25 minutes?",,', "a;b;c", "\t\t"]
    made = 0
    for _ in range(300):
        text = "\n".join(rng.choice(rows) for _ in range(rng.randint(1, 15)))
        try:
            m = import_playbook(text.encode(), "mixed.csv").methodology
        except MethodologyError as exc:
            assert "\n" not in str(exc)
            continue
        for c in m.criteria:
            made += 1
            assert re.search(r"[^\W\d_]", c.name) and c.question.endswith("?"), c  # a word, not a number
            assert not c.name.startswith(('"', "\u201c")), c.name
    assert made > 100


@pytest.mark.parametrize("text", [": 1. ", "1. :", "- : -", "## :\n1. ."])
def test_punctuation_only_checks_give_an_error_or_a_methodology_never_a_crash(text):
    """Found by the fuzz test: a check that is only punctuation and a number crashed the wording."""
    from review.errors import CallreviewError

    try:
        result = import_playbook(text.encode(), "odd.md")
    except CallreviewError:
        return
    assert all(c.name.strip() for c in result.methodology.criteria)


def test_advice_about_a_check_is_not_the_check():
    """'Keep these to two or three' under "Situation questions" speaks of the questions: the check is
    asking them, the advice its description; a quoted phrase in a table's "Do" cell is a good example."""
    spin = ('# SPIN discovery\n\n## Situation questions\nKeep these to two or three; the buyer gets bored fast.\n'
            '- "How is your dispatch team set up today?"\n\n## Implication questions\n'
            'Make the buyer feel the cost of the problem.\n- "What does a missed window do to renewals?"\n')
    m = import_playbook(spin.encode(), "spin.md").methodology
    assert [c.question for c in m.criteria] == [
        "Did the rep ask the situation questions (keep these to two or three; the buyer gets bored fast)?",
        "Did the rep make the buyer feel the cost of the problem?"]
    table = ("# Demo call: do and don't\n\n| Moment | Do | Don't |\n|---|---|---|\n"
             '| Opening | Confirm their goals for the demo: "What would make this hour worth it?" | '
             "Jump straight into the product tour |\n")
    [opening] = import_playbook(table.encode(), "demo.md").methodology.criteria
    assert opening.good_examples == ["What would make this hour worth it?"]
    assert opening.poor_examples == ["Jump straight into the product tour"]
    assert opening.question == "Did the rep confirm their goals for the demo?"


def test_a_scorecard_s_own_levels_are_kept():
    """'0 = ...', '1 = ...', '2 = ...' under a check are its levels, lowest first; "Why it matters:" is
    context and a quoted "Listen for:" line an example; the question comes from the top level."""
    card = ("# AE Call Scorecard\n\nScore each behaviour 0, 1 or 2.\n\n## Discovery\n\n### Current state\n"
            "**Why it matters:** we cannot position value until we know how they work today.\n"
            '**Listen for:** "Walk me through how you do it today."\n'
            "- 0 = rep never asks how they work today\n- 1 = rep asks but accepts a one-line answer\n"
            "- 2 = rep gets the buyer to walk through the process step by step\n\n"
            "### Impact\n- Score 0: no impact discussed\n- Score 2: buyer puts a number on it\n")
    result = import_playbook(card.encode(), "card.md")
    current, impact = result.methodology.criteria
    assert "kept the playbook's own score levels for 1 of 2 criteria" in result.report.notes
    assert [(lv.score, lv.label, lv.description) for lv in current.levels] == [
        (0, "Not covered", "Rep never asks how they work today"),
        (1, "Partly", "Rep asks but accepts a one-line answer"),
        (2, "Fully", "Rep gets the buyer to walk through the process step by step")]
    assert current.question == "Did the rep get the buyer to walk through the process step by step?"
    assert current.good_examples == ["Walk me through how you do it today"]
    assert not any(re.search(k, "we cannot position value", re.I) for k in current.keywords)
    assert [lv.label for lv in impact.levels] == ["Not covered", "Vague", "Specific and confirmed"]  # 0, 2: a gap


def test_a_google_docs_export_heads_its_stages_with_numbered_lines():
    text = ("INBOUND CALL STANDARDS\n\nPurpose: every inbound lead gets the same quality of first call.\n\n"
            "1. Opening\n• Greet by name and thank them for reaching out\n• Confirm they have 20 minutes\n\n"
            '2. Qualify\n• Ask what triggered the inquiry ("What made you reach out this week?")\n'
            '• Avoid: "So, are you the decision maker?"\n')
    m = import_playbook(text.encode(), "standards.txt").methodology
    assert [(s.name, [c.name for c in m.criteria if c.section == s.id]) for s in m.sections] == [
        ("Opening", ["Greet by name and thank them for reaching out", "Confirm they have 20 minutes"]),
        ("Qualify", ["Ask what triggered the inquiry"])]
    assert m.criteria[2].good_examples == ["What made you reach out this week?"]
    assert m.criteria[2].poor_examples == ["So, are you the decision maker?"]


def test_html_in_a_playbook_is_not_part_of_a_name_and_a_number_is_no_check():
    """A playbook pasted from a web page or a wiki keeps <b> and <br> in its lines; a list of numbers
    (slide numbers, a score key) names no check. A placeholder in an example ("<first name>") stays."""
    m = import_playbook(b'## Opening\n- Ask about <b>budget</b> early\n- <span class="x">Set the agenda</span>: say '
                        b'"Hi <first name>, here is the plan"\n- 1\n- 2.\n', "wiki.md").methodology
    assert [c.name for c in m.criteria] == ["Ask about budget early", "Set the agenda"]
    assert m.criteria[1].good_examples == ["Hi <first name>, here is the plan"]
    with pytest.raises(MethodologyError, match=r"^nums\.md: no criteria found"):
        import_playbook(b"## Opening\n- 1\n- 2\n- ???\n", "nums.md")


def test_a_wall_of_text_check_is_named_by_its_opening_phrase_and_reported():
    """A bullet someone pasted a paragraph into became a 60-word criterion name (and question). It is now
    named by its opening phrase, cut before a joining word; the whole bullet stays its question and top level."""
    wall = ("Make sure you confirm budget and timeline and the decision process and who signs the contract and "
            "what the procurement steps are and when they want to go live and what happens if they do not and "
            "who else is evaluating and what they liked so far and what would make them walk away entirely")
    text = f"## Qualify\n- Ask who else is involved\n- {wall}\n"
    result = import_playbook(text.encode(), "qualify.md")
    short, long = result.methodology.criteria
    assert short.name == "Ask who else is involved"
    assert long.name == "Make sure you confirm budget and timeline and the decision process and who signs the contract"
    assert long.levels[-1].description == wall and wall[20:] in long.question  # nothing the manager wrote is lost
    assert ("named 1 long check(s) by their opening phrase ('Make sure you confirm budget and timeline and the "
            "decision process and who signs the contract'); the whole check is kept as its question and top level: "
            "check the names"
            ) in result.report.notes
    no_joins = "Ask about " + " ".join(f"item{i}" for i in range(40))  # nowhere to cut: every word stays
    assert import_playbook(f"## Q\n- {no_joins}\n".encode(), "q.md").methodology.criteria[0].name == no_joins


@pytest.mark.parametrize("level", ["##", "###"])
def test_a_heading_per_criterion_with_only_its_question_line_is_a_criterion(level):
    """'## Budget' (or '### Budget' under the title) with a 'Question:' line and maybe a 'Good:' line was read
    as a stage whose one check was the question label: "no criteria found", for the shape the README shows."""
    h = level.encode()
    text = (b"# Playbook\n\n" + h + b" Budget\nQuestion: Did the rep ask about budget?\nGood: \"What budget have you "
            b"set aside?\"\n\n" + h + b" Timeline\nQuestion: Did the rep ask about the timeline?\n")
    m = import_playbook(text, "questions.md").methodology
    assert [(c.name, c.question, c.good_examples) for c in m.criteria] == [
        ("Budget", "Did the rep ask about budget?", ["What budget have you set aside?"]),
        ("Timeline", "Did the rep ask about the timeline?", [])]
