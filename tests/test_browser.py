"""The real app in a real browser: `streamlit run app.py` served headless, driven by Playwright on
Debian's Chromium (its own browser download cannot work here).

A short two-voice call is synthesized with espeak-ng and goes through the real pipeline (tiny.en
transcription, MiniLM index, rules engine). The test walks a manager's first call: upload it together
with a corrupt recording (which fails on its own line), open the review, override a criterion (the
header total changes), play a turn and see the highlighted turn follow the audio in the player frame,
re-score the call with BANT and compare the two reviews, edit the coaching agenda's action table
(autosaved), reload, and export the agenda and the prep note as Word and PDF: the Word files carry the
edit and the speakers' display names (the PDFs are rendered from the same text). Screenshots go to
tests/artifacts/ (paths printed). Run with `pytest -m browser tests/test_browser.py -s`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from testkit.dialogue import Dialogue, Turn

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("CALLREVIEW_TEST_ARTIFACTS", REPO / "tests" / "artifacts"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_S = 90
REVIEW_S = 600  # tiny.en and the MiniLM embeddings on a shared 2-core machine
UI_S = 60
# a button shows its whole label: nothing inside overflows its box (Streamlit cuts a label with an
# ellipsis when it is even 1 px too wide, so the ellipsis box is checked to the pixel)
WHOLE_LABEL = ("b => [b, ...b.querySelectorAll('*')].every(e => getComputedStyle(e).textOverflow === 'ellipsis' "
               "? e.scrollWidth <= e.clientWidth && [...e.children].every(c => c.getBoundingClientRect().width "
               "<= e.getBoundingClientRect().width + 0.5) : e.scrollWidth <= e.clientWidth + 1)")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt install chromium)"),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
]

CALL = Dialogue(
    id="browser_call",
    rep="Alex Rivera",
    customer="Jordan Lee",
    turns=[
        Turn(speaker="rep", text="Thanks for joining today, Jordan. Here is the agenda: your current process, "
             "how you decide, and next steps. Does that work?"),
        Turn(speaker="customer", text="That works. We plan every delivery by hand in spreadsheets right now."),
        Turn(speaker="rep", text="How does your team plan the routes today, and what happens when a driver is late?"),
        Turn(speaker="customer", text="We call the customer and rebuild the plan. It takes most of the morning."),
        Turn(speaker="rep", text="Who else is involved in choosing a tool like this?"),
        Turn(speaker="customer", text="My manager signs off, and finance reviews the budget."),
        Turn(speaker="rep", text="Could we meet again next Tuesday at ten to look at a pilot?"),
        Turn(speaker="customer", text="Tuesday at ten works for me."),
    ],
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def server(tmp_path):
    """`streamlit run app.py` on a free port with a fresh data folder; killed at the end."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLREVIEW_") and k != "OPENAI_API_KEY"}
    env["CALLREVIEW_HOME"] = str(tmp_path / "home")
    log = tmp_path / "streamlit.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        # the app's background worker is its own process (a closed tab or a restarted app must not
        # stop a batch): stop it too
        lock = tmp_path / "home" / "embedded-worker.lock"
        pid = lock.read_text().strip() if lock.is_file() else ""
        if pid.isdigit():
            try:  # the worker leads its own session: its worker processes go with it
                os.killpg(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        print(f"\nstreamlit log: {log}")


def test_upload_review_override_follow_rescore_edit_export(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from testkit.synth import render_dialogue

    recording = tmp_path / "pilot_call.wav"
    render_dialogue(CALL, recording)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    edit = f"Ask what a late truck costs per week (edited {int(time.time())})"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(UI_S * 1000)

            # Upload with the rep's name and wait for the real pipeline.
            # A corrupt recording goes in with the good one: it fails on its own line.
            corrupt = tmp_path / "corrupt.wav"
            corrupt.write_bytes(b"RIFF" + os.urandom(20000))
            # A fresh install: the first visitor creates the admin account, and is signed in.
            page.goto(server)
            page.get_by_label("Username").fill("ada")
            page.get_by_label("Your name").fill("Ada Admin")
            page.get_by_label("Password (10 characters or more)").fill("a long password")
            page.get_by_label("Password again").fill("a long password")
            page.get_by_role("button", name="Create the admin account").click()
            expect(page.get_by_text("Ada Admin · admin")).to_be_visible()
            # The sign-in survives a new page through a cookie that a script in the page sets once it
            # has run; a navigation before that (a loaded CI machine) lands on the sign-in form.
            page.wait_for_function("document.cookie.includes('callreview_session=')", timeout=UI_S * 1000)

            # The review runs as a background job: the Upload page shows it until it is done.
            page.goto(f"{server}/upload")
            # the first visit of the Upload page starts the background worker
            expect(page.locator("input[type=file]")).to_be_attached(timeout=180_000)
            page.locator("input[type=file]").set_input_files([str(recording), str(corrupt)])
            page.get_by_label("Rep name").fill("Alex Rivera")
            page.get_by_role("button", name="Review these calls").click()
            open_review = page.get_by_role("button", name="Open review")
            open_review.wait_for(timeout=REVIEW_S * 1000)
            expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("pilot_call.wav: Discovery call checklist")
            expect(page.get_by_test_id("stAlertContentError")).to_have_count(1)
            expect(page.get_by_test_id("stAlertContentError")).to_contain_text("corrupt.wav: ")
            assert "callreview-upload-" not in page.get_by_test_id("stAlertContentError").inner_text()
            page.screenshot(path=str(ARTIFACTS / "upload_results.png"))

            # The review page: the scorecard beside the transcript, which plays in the player frame.
            open_review.click()
            page.wait_for_url("**/review?**")
            expect(page.get_by_role("heading", name="pilot_call")).to_be_visible()
            expect(page.get_by_text("Agenda set at the start").first).to_be_visible()
            player = page.frame_locator("iframe[title*='callreview_player']")
            expect(player.locator("audio")).to_have_count(1)
            expect(player.locator(".turn")).to_have_count(len(CALL.turns))
            expect(player.locator(".turn .who").first).to_have_text("Alex Rivera (rep)")
            # A quote's play button shows its whole time (it was once cut to "0..." in a narrow column).
            play = page.get_by_role("button").filter(has_text="00:14").first  # open questions, partly met
            expect(play).to_be_visible()
            assert play.evaluate(WHOLE_LABEL), "the button's time is cut"

            # Override a criterion: the header total changes (the AI's score stays beside it).
            score = page.get_by_test_id("stMetric").filter(has_text="points").first
            before = score.inner_text()
            criterion = page.get_by_test_id("stExpander").filter(has_text="Agenda set at the start").first
            summary = criterion.locator("summary")
            if criterion.get_by_role("button", name="Override the score").count() == 0:
                summary.click()
            # a tall window: the popover opens below its button and its Save button must be on screen
            page.set_viewport_size({"width": 1400, "height": 2400})
            body = page.get_by_test_id("stPopoverBody")
            box = body.get_by_label("Manager score")
            for attempt in range(3):  # a click while the page reruns (it settles after loading) is lost
                criterion.get_by_role("button", name="Override the score").click()
                try:
                    box.wait_for(timeout=15_000)
                    break
                except Exception:
                    if attempt == 2:
                        raise
                    page.keyboard.press("Escape")
                    page.wait_for_timeout(1000)
            new_score = "0" if box.input_value() != "0" else "2"
            box.fill(new_score)
            box.press("Tab")
            body.get_by_label("Why").fill("Heard it differently at 00:05")
            body.get_by_role("button", name="Save override").click()
            expect(score).not_to_have_text(before)
            expect(page.get_by_text("(manager; AI ").first).to_be_visible()
            page.keyboard.press("Escape")
            page.set_viewport_size({"width": 1400, "height": 1000})

            # Play: the transcript follows the audio (the highlighted turn changes as it plays).
            player.locator(".turn").first.click()
            first_current = player.locator(".turn.current")
            expect(first_current).to_have_count(1)
            started = first_current.get_attribute("data-id")
            deadline = time.monotonic() + UI_S
            moved = started
            while moved == started and time.monotonic() < deadline:
                page.wait_for_timeout(500)
                moved = player.locator(".turn.current").get_attribute("data-id")
            assert moved != started, "the highlighted turn did not follow playback"
            playing_at = player.locator("audio").evaluate("a => a.currentTime")
            assert playing_at > 1.0
            # Streamlit scrolls inside its own container, so a tall window shows the whole page.
            page.set_viewport_size({"width": 1400, "height": 2400})
            page.wait_for_timeout(1500)  # let the layout settle
            shot = ARTIFACTS / "review_page.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot of the review page (transcript following playback): {shot}")
            player.locator("audio").evaluate("a => a.pause()")
            page.set_viewport_size({"width": 1400, "height": 1000})

            # Re-score with another methodology: a new review beside the old one, compared.
            page.get_by_text("Manage this call: re-score").click()
            page.get_by_role("button", name="Re-score", exact=True).click()  # BANT, the first other methodology
            page.get_by_text("Review (2 of this call, newest last)").wait_for(timeout=REVIEW_S * 1000)
            # BANT's Need is missed: its closest moment's "It shows it" shows its whole label (it was cut
            # to "It show..." in a column sized for two thumb buttons)
            shows = page.get_by_role("button").filter(has_text="It shows it").first
            shows.scroll_into_view_if_needed()
            expect(shows).to_be_visible()
            assert shows.evaluate(WHOLE_LABEL), "the button's label is cut"
            page.get_by_role("tab", name="Compare reviews").click()
            expect(page.get_by_text("Before: Discovery call checklist").first).to_be_visible()
            expect(page.get_by_text("Now: BANT").first).to_be_visible()
            page.set_viewport_size({"width": 1400, "height": 2400})
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "rescored.png"), full_page=True)
            page.set_viewport_size({"width": 1400, "height": 1000})

            # The coaching agenda as a document: edit the action table (it saves as it changes).
            page.get_by_role("button", name="Open coaching prep").click()
            page.wait_for_url("**/prep?**")
            expect(page.get_by_text("Action plan").first).to_be_visible()
            # Every moment the agenda quotes can be heard: its play button starts the recording there.
            moment = page.get_by_role("button").filter(has_text=re.compile(r"^\W*(play_arrow)?\s*\d\d:\d\d$")).first
            moment.scroll_into_view_if_needed()
            minutes, seconds = re.search(r"(\d\d):(\d\d)", moment.inner_text()).groups()
            moment.click()
            audio = page.locator("audio")
            expect(audio).to_have_count(1)
            page.wait_for_function("a => a.readyState >= 1 && a.currentTime >= " + str(int(minutes) * 60 + int(seconds) - 1),
                                   arg=audio.element_handle(), timeout=UI_S * 1000)
            grid = page.get_by_test_id("stDataFrame").last
            grid.scroll_into_view_if_needed()
            page.wait_for_timeout(1000)
            box = grid.bounding_box()
            saved = page.get_by_text("Saved as version").first
            for attempt in range(3):  # the grid is a canvas: select the first Action cell, open it, replace its text
                grid.scroll_into_view_if_needed()
                box = grid.bounding_box()
                page.mouse.dblclick(box["x"] + 80, box["y"] + 35 + 17)  # opens the cell's editor
                editor = page.locator("textarea:visible").first
                try:
                    editor.wait_for(timeout=5_000)
                except Exception:  # noqa: BLE001  the grid was re-rendering: try again
                    continue
                editor.fill(edit)
                editor.press("Enter")
                try:
                    expect(saved).to_be_visible(timeout=15_000)  # autosave
                    break
                except AssertionError:
                    page.screenshot(path=str(ARTIFACTS / f"action_table_attempt_{attempt}.png"))
                    page.keyboard.press("Escape")
            expect(saved).to_be_visible()
            prep_shot = ARTIFACTS / "coaching_prep.png"
            page.set_viewport_size({"width": 1400, "height": 2400})
            page.wait_for_timeout(1000)
            page.screenshot(path=str(prep_shot), full_page=True)
            page.set_viewport_size({"width": 1400, "height": 1000})
            print(f"screenshot of the coaching prep page: {prep_shot}")

            # A reload is a new session: the edit comes back from the store, on the same call.
            page.reload()
            expect(page.get_by_text("Action plan").first).to_be_visible()
            assert "call=" in page.url

            # The exports a manager sends carry the edit and the speakers' display names.
            page.get_by_role("tab", name="Export").click()
            exported = {}
            for label in ("Agenda (Word)", "Agenda (PDF)", "Prep note (Word)", "Prep note (PDF)"):
                with page.expect_download(timeout=UI_S * 1000) as download:
                    page.get_by_role("button", name=label).click()
                target = tmp_path / download.value.suggested_filename
                download.value.save_as(target)
                exported[label] = target
            import docx

            def words(path: Path) -> str:
                document = docx.Document(str(path))
                cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
                return "\n".join([p.text for p in document.paragraphs] + cells)

            agenda, note = words(exported["Agenda (Word)"]), words(exported["Prep note (Word)"])
            assert edit in agenda
            for text in (agenda, note):
                assert "Alex Rivera" in text and "speaker_1" not in text and "speaker_2" not in text
            for label in ("Agenda (PDF)", "Prep note (PDF)"):
                body = exported[label].read_bytes()
                assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF") and len(body) > 2000
                if shutil.which("pdftotext"):  # poppler-utils (CI installs it): read the PDF's text
                    text = subprocess.run(["pdftotext", str(exported[label]), "-"], capture_output=True,
                                          text=True, check=True).stdout
                    assert "Alex Rivera" in text and "speaker_1" not in text, label
            agenda_pdf = subprocess.run(["pdftotext", "-raw", str(exported["Agenda (PDF)"]), "-"],
                                        capture_output=True, text=True).stdout if shutil.which("pdftotext") else ""
            assert not agenda_pdf or "late truck costs" in " ".join(agenda_pdf.split())

            # Signing out clears the cookie: a reload asks for the password again.
            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            page.wait_for_function("!document.cookie.includes('callreview_session=')", timeout=UI_S * 1000)
            page.reload()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        finally:
            browser.close()
