"""The real app in a real browser: `streamlit run app.py` served headless, driven by Playwright on
Debian's Chromium (its own browser download cannot work here).

A short two-voice call is synthesized with espeak-ng and goes through the real pipeline (tiny.en
transcription, MiniLM index, rules engine). The test uploads it together with a corrupt recording
(which fails on its own line), waits for the review, saves a screenshot of the review page (path
printed), opens the coaching agenda, edits a section, reloads the page and finds the edit still
there, also in the exported Word agenda. Run with `pytest -m browser tests/test_browser.py -s`.
"""

from __future__ import annotations

import os
import shutil
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
        print(f"\nstreamlit log: {log}")


def test_upload_review_edit_reload(server, tmp_path):
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
            page.goto(f"{server}/upload")
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

            # The review page: scorecard with quotes that play from their moment.
            open_review.click()
            page.wait_for_url("**/review?**")
            expect(page.get_by_role("heading", name="pilot_call")).to_be_visible()
            expect(page.get_by_text("Agenda set at the start").first).to_be_visible()
            expect(page.locator("audio")).to_have_count(1)
            # Streamlit scrolls inside its own container, so a tall window shows the whole page.
            page.set_viewport_size({"width": 1400, "height": 2400})
            page.wait_for_timeout(1500)  # let the layout settle
            shot = ARTIFACTS / "review_page.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot of the review page: {shot}")

            # The coaching agenda: edit a section; it saves on leaving the box.
            page.get_by_role("button", name="Open coaching prep").click()
            page.wait_for_url("**/prep?**")
            box = page.locator("textarea").first
            box.wait_for()
            box.fill(edit)
            page.get_by_role("heading", level=1).first.click()  # leave the box: autosave
            expect(page.get_by_text("Saved as version 2").first).to_be_visible()
            page.wait_for_timeout(500)
            prep_shot = ARTIFACTS / "coaching_prep.png"
            page.screenshot(path=str(prep_shot), full_page=True)
            print(f"screenshot of the coaching prep page: {prep_shot}")

            # A reload is a new session: the edit comes back from the store, on the same call.
            page.reload()
            box = page.locator("textarea").first
            box.wait_for()
            expect(box).to_have_value(edit)
            assert "call=" in page.url

            # The Word export a manager sends carries the edit.
            page.get_by_role("tab", name="Export").click()
            with page.expect_download(timeout=UI_S * 1000) as download:
                page.get_by_role("button", name="Agenda (Word)").click()
            exported = tmp_path / "agenda.docx"
            download.value.save_as(exported)
            import docx

            text = "\n".join(p.text for p in docx.Document(str(exported)).paragraphs)
            assert edit in text
        finally:
            browser.close()
