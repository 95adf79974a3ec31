"""The call player: the recording and the transcript in one small component, so the transcript
follows playback (the current turn highlighted and scrolled into view), clicking a turn seeks, the
selected criterion's evidence turns are marked and a search dims the turns that do not match.

`st.audio` cannot report where playback is, so this is a bidirectional component from a static
folder (review/ui/player/index.html, no build step, no network): it reports the player's time when
playback pauses or seeks, which becomes the default time of a new comment.
"""

from __future__ import annotations

import base64
from pathlib import Path

from review.types import Transcript

from . import state

FOLDER = Path(__file__).with_name("player")
MAX_INLINE_MB = 40  # a longer recording is played by st.audio (no following transcript)


def _component():
    import streamlit.components.v1 as components

    return components.declare_component("callreview_player", path=str(FOLDER))


def audio_source(path: Path | None) -> str:
    """The recording as a data: URL the player can play ("" when there is nothing to play).

    path: the playable recording (review.ui.moments.recording; None gives "").
    """
    import streamlit as st

    if path is None or path.suffix.lower() not in state.AUDIO_MIME or not path.is_file():
        return ""

    @st.cache_data(show_spinner=False, max_entries=4)
    def encode(name: str, mtime: float, size: int) -> str:
        mime = state.AUDIO_MIME[Path(name).suffix.lower()]
        return f"data:{mime};base64," + base64.b64encode(Path(name).read_bytes()).decode("ascii")

    stat = path.stat()
    return encode(str(path), stat.st_mtime, stat.st_size)


def too_long_to_inline(path: Path | None) -> bool:
    """True when the recording is too large to hand to the player inline."""
    return bool(path and path.is_file() and path.stat().st_size > MAX_INLINE_MB * 1024 * 1024)


def turn_rows(transcript: Transcript, label) -> list[dict]:
    """The turns as the player shows them, in time order.

    transcript: the call's transcript. label: speaker, role -> the name shown.
    """
    return [{"id": s.id, "start": round(s.start, 2), "end": round(s.end, 2),
             "speaker": label(s.speaker, s.role), "text": s.text}
            for s in sorted(transcript.segments, key=lambda s: (s.start, s.id))]


def matching_turns(transcript: Transcript, query: str) -> list[int]:
    """Ids of the turns whose text contains `query` (case-insensitive); all when it is empty."""
    q = query.strip().lower()
    return [s.id for s in transcript.segments if not q or q in s.text.lower()]


def player(call_id: int, audio: str, turns: list[dict], evidence: list[int], search: str,
           height: int = 560) -> float | None:
    """Show the player and return the time (seconds) it last reported, or None before any report.

    call_id: the call (keys the component and its seek requests). audio: from audio_source.
    turns: from turn_rows. evidence: turn ids to mark. search: text to highlight.
    A seek request comes from `request_seek` (the "play from this quote" buttons).
    """
    import streamlit as st

    seek = st.session_state.get(f"player_seek_{call_id}", {"t": 0.0, "token": 0})
    value = _component()(audio=audio, turns=turns, evidence=evidence, search=search, seek=seek,
                         height=height, scroll_to_evidence=bool(evidence),
                         key=f"player_{call_id}", default=None)
    if isinstance(value, dict) and isinstance(value.get("t"), int | float):
        st.session_state[f"player_time_{call_id}"] = float(value["t"])
    return st.session_state.get(f"player_time_{call_id}")


def request_seek(call_id: int, seconds: float) -> None:
    """Ask the player to jump to `seconds` and play (a button callback)."""
    import streamlit as st

    old = st.session_state.get(f"player_seek_{call_id}", {"t": 0.0, "token": 0})
    st.session_state[f"player_seek_{call_id}"] = {"t": float(seconds), "token": int(old["token"]) + 1}
    st.session_state[f"audio_start_{call_id}"] = float(seconds)  # the last played quote
