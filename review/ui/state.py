"""Shared state of the Streamlit app: services, the selected call/review, navigation, small helpers.

Pages hold no business logic; everything they need from the pipeline goes through the two seams
here, so tests can replace them: `build_services(settings)` (store, index, LLM engine) and
`run_review(path, services, methodology, ...)` (the pipeline's `review_file`).

The selected call and review live in `st.session_state` and are mirrored into `st.query_params`
(`?call=12&review=34`), so a reload or a shared link opens the same call.
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from review.errors import CallreviewError, InputError
from review.hashing import sha256_json, sha256_text
from review.pipeline import ReviewResult, Services, review_file
from review.resources import ui_page
from review.settings import Settings, load_settings

log = logging.getLogger("callreview.app")

EXAMPLE_REP = "Alex Rivera"
EXAMPLE_METHODOLOGY = "discovery"
CALL_TYPES = ["discovery", "demo", "follow-up", "negotiation", "renewal", "other"]

# The page scripts as absolute paths of the installed package (st.Page and st.switch_page take
# these; an absolute path works whichever main script, app.py or review/ui/main.py, is running).
PAGE_FILES = {
    key: str(ui_page(module))
    for key, module in {
        "upload": "upload", "calls": "calls", "review": "call_review", "prep": "coaching_prep",
        "trends": "rep_trends", "settings": "settings_page",
    }.items()
}

# The formats a browser plays (review.audio.BROWSER_PLAYABLE); the others play from an MP3 copy.
AUDIO_MIME = {
    ".wav": "audio/wav", ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg",
    ".opus": "audio/ogg", ".webm": "audio/webm", ".mp4": "audio/mp4", ".flac": "audio/flac",
    ".aac": "audio/aac",
}


# --------------------------------------------------------------------------- seams


def build_services(settings: Settings) -> Services:
    """The pipeline's services for these settings (tests replace this function).

    One set per distinct settings is shared by every browser session of this server process, so
    the embedding model and the index are loaded once, not once per tab.
    settings: the loaded settings.
    """
    import streamlit as st

    @st.cache_resource(show_spinner=False, max_entries=4)
    def shared(fingerprint: str, _settings: Settings) -> Services:
        return Services.from_settings(_settings)

    return shared(_fingerprint(settings), settings)


def start_worker(settings: Settings) -> None:
    """Make sure a worker will pick up queued jobs (tests replace this with an inline worker).

    With the built-in SQLite queue the app starts one local worker process if none runs; with a
    shared broker (CALLREVIEW_QUEUE_URL) the team's workers run elsewhere.
    settings: the loaded settings.
    """
    from review.jobs import ensure_local_worker

    ensure_local_worker(settings)


def run_review(path: Path, services: Services, methodology: str, **options) -> ReviewResult:
    """Review one file with the real pipeline (tests replace this function).

    path: the file, named as the user uploaded it. services: from `services()`.
    methodology: a methodology id. options: passed on to `review.pipeline.review_file`
        (rep, call_date, call_type, progress).
    """
    return review_file(path, services, methodology, **options)


# --------------------------------------------------------------------------- settings, services


def settings() -> Settings:
    """The settings as saved now (settings.json, environment); re-read on every run."""
    return load_settings()


def _fingerprint(s: Settings) -> str:
    # The key is part of the fingerprint (hashed, never kept in clear) so a new key rebuilds the engine.
    values = s.redacted()
    values["llm_api_key"] = sha256_text(s.llm_api_key) if s.llm_api_key else ""
    return sha256_json(values)


def raw_services() -> Services:
    """The services for the current settings with the unrestricted store (sign-in uses it)."""
    import streamlit as st

    current = settings()
    key = f"_services:{_fingerprint(current)}"
    if key not in st.session_state:
        for old in [k for k in st.session_state if str(k).startswith("_services:")]:
            del st.session_state[old]
        st.session_state[key] = build_services(current)
    return st.session_state[key]


def services() -> Services:
    """The services pages use: the store is restricted to what the signed-in person may see."""
    import dataclasses
    from typing import cast

    from review.store import Store
    from review.store.scoped import ScopedStore

    raw = raw_services()
    # a ScopedStore answers the Store's methods (checked, by delegation), so pages use it as one
    return dataclasses.replace(raw, store=cast(Store, ScopedStore(raw.store, scope())))


def check_rep_allowed(store, rep: str | None) -> None:
    """A manager may submit calls of their own team's reps; a new rep name joins their team.

    store: the page's (scoped) store. rep: the rep named on the upload.
    """
    from review.auth import AccessDenied

    who = scope()
    if who.is_admin or who.role == "rep" or who.allows_rep(rep):
        return
    if not rep or not rep.strip():
        raise AccessDenied("name the rep of this call, so it lands in your team")
    if not who.team:
        raise AccessDenied("you are in no team yet; ask an admin (`callreview users add ... --team`)")
    real = raw_services().store
    if real.team_of_rep(rep) not in (None, who.team):
        raise AccessDenied(f"{rep} is in another team; ask an admin to move them")
    real.assign_rep(rep, who.team)
    import streamlit as st

    from review.auth import scope_for

    st.session_state["_scope"] = scope_for(real, who.username)


def pipeline_services(call_id: int) -> Services:
    """Services with the unrestricted store, for running the pipeline on one call (re-score, retry,
    change the rep, delete), after checking that the signed-in person may change that call: the
    pipeline reads and writes more of the store than a page does (history, calibration, caches).

    call_id: the call. Raises AccessDenied for a call outside the scope, or for a rep.
    """
    from review.auth import AccessDenied

    who = scope()
    services().store.get_call(call_id)  # AccessDenied when the call is not theirs
    if who.is_rep:
        raise AccessDenied("a rep may read this call but not re-score, retry or delete it; ask your manager")
    return raw_services()


def scope():
    """The signed-in person's review.auth.Scope (app.py signs in before any page runs)."""
    import streamlit as st

    from review.auth import AccessDenied

    found = st.session_state.get("_scope")
    if found is None:
        raise AccessDenied("nobody is signed in; open the app from its start page")
    return found


def forget_services() -> None:
    """Drop the session's services so the next page run builds them from the saved settings."""
    import streamlit as st

    for old in [k for k in st.session_state if str(k).startswith("_services:")]:
        del st.session_state[old]


# --------------------------------------------------------------------------- selection, navigation


def _int_param(name: str) -> int | None:
    import streamlit as st

    raw = st.query_params.get(name)
    return int(raw) if raw is not None and str(raw).isdigit() else None


def selected_call_id() -> int | None:
    """The call the manager is looking at: session state first, then the URL (after a reload)."""
    import streamlit as st

    if st.session_state.get("call_id") is None:
        st.session_state["call_id"] = _int_param("call")
    return st.session_state.get("call_id")


def selected_review_id() -> int | None:
    """The review open on the review and prep pages (None = the call's latest)."""
    import streamlit as st

    if st.session_state.get("review_id") is None:
        st.session_state["review_id"] = _int_param("review")
    return st.session_state.get("review_id")


def select(call_id: int | None, review_id: int | None = None) -> None:
    """Make this call (and review) the selection and put it in the URL."""
    import streamlit as st

    st.session_state["call_id"] = call_id
    st.session_state["review_id"] = review_id
    mirror_selection()


def clear_selection() -> None:
    """No call selected, in the session and the URL (a selection this person may not open)."""
    import streamlit as st

    st.session_state["call_id"] = st.session_state["review_id"] = None
    st.query_params.clear()


def mirror_selection() -> None:
    """Write the selection into the URL of the current page (pages call this when they render)."""
    import streamlit as st

    selected_call_id()  # a reload knows the selection only from the URL: read it before rewriting it
    selected_review_id()
    wanted = {}
    if st.session_state.get("call_id") is not None:
        wanted["call"] = str(st.session_state["call_id"])
    if st.session_state.get("review_id") is not None:
        wanted["review"] = str(st.session_state["review_id"])
    if dict(st.query_params.to_dict()) != wanted:
        st.query_params.from_dict(wanted)


def go(page: str, call_id: int | None = None, review_id: int | None = None) -> None:
    """Open a page; with a call id, that call becomes the selection first.

    page: a key of PAGE_FILES. call_id, review_id: the selection to carry (None keeps the current one).
    """
    import streamlit as st

    if call_id is not None:
        select(call_id, review_id)
    params = {}
    if st.session_state.get("call_id") is not None:
        params["call"] = str(st.session_state["call_id"])
    if st.session_state.get("review_id") is not None:
        params["review"] = str(st.session_state["review_id"])
    st.switch_page(PAGE_FILES[page], query_params=params)


def current_review(store, call_id: int):
    """The selected review of the call if it belongs to it, else the call's latest (or None).

    store: the Store. call_id: the selected call.
    """
    import streamlit as st

    review_id = selected_review_id()
    review = store.get_review(review_id) if review_id is not None else None
    if review is None or review.call_id != call_id:
        review = store.latest_review(call_id)
        st.session_state["review_id"] = review.id if review else None
    return review


# --------------------------------------------------------------------------- small helpers


def parse_clock(text: str) -> float:
    """Seconds from `ss`, `mm:ss` or `h:mm:ss`.

    text: what the manager typed.
    """
    from review.timefmt import parse_clock as parse_stamp

    raw = text.strip()
    if not re.fullmatch(r"\d+(:\d{1,2}){0,2}(\.\d+)?", raw):
        raise InputError(f"time {text!r} is not mm:ss; type e.g. 01:25")
    if ":" not in raw:
        return float(raw)
    try:  # the one clock parser: minutes and seconds below 60, at most a day
        return parse_stamp(raw)
    except ValueError as exc:
        raise InputError(f"{exc}; type e.g. 01:25") from None


def section_names(methodology_id: str) -> dict[str, str]:
    """Section id -> display name of a methodology; empty when it is no longer in the library
    (the scorecard then shows its ids).

    methodology_id: the scorecard's methodology id.
    """
    from review.methodology import MethodologyLibrary

    try:
        methodology = MethodologyLibrary(settings()).get(methodology_id).methodology
    except CallreviewError:
        return {}
    return {s.id: s.name for s in methodology.sections}


def methodology_names() -> dict[str, str]:
    """Methodology id -> display name, for every valid methodology in the library."""
    from review.methodology import MethodologyLibrary

    return {m.methodology.id: m.methodology.name for m in MethodologyLibrary(settings()).list()}


def speaker_label(speaker: str, role: str, rep_name: str | None) -> str:
    """How a transcript speaker is shown (review.speakers.display_name, the one rule for app and exports).

    speaker: the transcript's label. role: rep, customer or unknown. rep_name: the call's rep.
    """
    from ..speakers import display_name

    return display_name(speaker, role, rep_name)


VERDICT_LABELS = {
    "met": "Met", "partly_met": "Partly met", "not_met": "Not met", "not_applicable": "Not applicable",
}
VERDICT_ICONS = {"met": ":material/check_circle:", "partly_met": ":material/radio_button_partial:",
                 "not_met": ":material/cancel:", "not_applicable": ":material/remove_circle_outline:"}


@dataclass
class SavedUpload:
    """An uploaded file written to a private temporary folder under its own (safe) name."""

    path: Path
    folder: tempfile.TemporaryDirectory

    def cleanup(self) -> None:
        self.folder.cleanup()


def turn_choice(segment, name: str, limit: int = 70) -> str:
    """How a turn is offered in a picker: its time, who said it and the start of what was said.

    segment: a transcript turn. name: the speaker as shown (speaker_label).
    """
    from ..snippets import shorten
    from ..timefmt import clock

    text = " ".join(segment.text.split())
    shown = shorten(text, limit + 1)
    return f"{clock(segment.start)} {name}: {shown}"


def save_upload(name: str, data: bytes) -> SavedUpload:
    """Write uploaded bytes to a temporary file that keeps the uploaded name (the pipeline reads
    the format from the suffix and the title from the stem).

    name: the uploaded file name (any folder part is dropped). data: its bytes.
    """
    safe = Path(name).name.strip() or "upload"
    folder = tempfile.TemporaryDirectory(prefix=UPLOAD_FOLDER_PREFIX)
    path = Path(folder.name) / safe
    path.write_bytes(data)
    return SavedUpload(path, folder)


UPLOAD_FOLDER_PREFIX = "callreview-upload-"
_UPLOAD_FOLDER = re.compile(r"\S*" + UPLOAD_FOLDER_PREFIX + r"[^/\\\s]*[/\\]")


def without_upload_folder(text: str) -> str:
    """A pipeline message with the temporary upload folder removed, so it names the file as
    the manager uploaded it ("/tmp/callreview-upload-x1/call.wav: ..." -> "call.wav: ...").

    text: the message.
    """
    return _UPLOAD_FOLDER.sub("", text)


def error_line(exc: BaseException, name: str) -> str:
    """One line for the manager: a CallreviewError as it is, anything else named and logged.

    exc: the failure. name: the file or thing that failed.
    """
    if isinstance(exc, CallreviewError):
        return without_upload_folder(str(exc))
    log.exception("unexpected failure on %s", name)
    detail = (str(exc).strip().splitlines() or [""])[0]
    return f"{name}: the review failed unexpectedly ({type(exc).__name__}: {detail}); see the app log"
