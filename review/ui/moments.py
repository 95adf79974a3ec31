"""Hear the moments a coaching document quotes: under an agenda part or the prep note, a play button
for each `[mm:ss] speaker: “quote”` in it (as drafted or as the manager edited it), and the call's
recording playing from the one chosen, so every claim taken into the session can be heard there.
On the call page, the moments behind the talk metrics (review.metric_moments), each played in the
call player.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from review import audio
from review.metric_moments import metric_moments
from review.render import quoted_moments
from review.timefmt import clock

from . import player, state
from .safe_text import md_text

MAX_BUTTONS = 6  # a part quotes two or three moments; a long edited one shows its first six


def recording(call) -> Path | None:
    """The call's kept recording as the browser can play it (an MP3 copy of a WMA or AMR phone
    recording, made once), else None."""
    if not call.stored_path:
        return None
    path = Path(call.stored_path)
    if path.suffix.lower() in audio.BROWSER_PLAYABLE or audio.playable_copy(path).is_file():
        return audio.playable(path)
    with st.spinner("Making a copy of the recording the browser can play..."):
        return audio.playable(path)


def _choose(review_id: int, key: str, seconds: float) -> None:
    st.session_state[f"listen_{review_id}"] = (key, seconds)


def listen(path: Path | None, review_id: int, key: str, text: str) -> None:
    """Play buttons for the moments `text` quotes and, under the chosen one's row, the recording
    from that moment (autoplaying). Nothing when the call has no playable recording.

    path: from recording(). review_id, key: the document (the buttons' keys and the chosen moment).
    """
    moments = quoted_moments(text)[:MAX_BUTTONS]
    if path is None or not moments:
        return
    columns = st.columns([1.3] * len(moments) + [max(0.5, 1.3 * (MAX_BUTTONS - len(moments)) + 1)],
                         vertical_alignment="center")
    for i, (column, moment) in enumerate(zip(columns, moments, strict=False)):
        # the help repeats the quote as it is written in the (Markdown) document: escaped already
        column.button(clock(moment.seconds), key=f"listen_{review_id}_{key}_{i}", icon=":material/play_arrow:",
                      help=f"Hear {moment.speaker}: \u201c{moment.quote}\u201d", on_click=_choose,
                      args=(review_id, key, moment.seconds))
    chosen = st.session_state.get(f"listen_{review_id}")
    if chosen and chosen[0] == key:
        st.audio(str(path), format=state.AUDIO_MIME[path.suffix.lower()], start_time=int(chosen[1]), autoplay=True)


# the talk metrics whose figure the call page backs with moments: (metric key, heading)
METRIC_MOMENTS = (("patience", "Quickest replies (patience)"), ("talk_ratio", "Longest rep turns (talk ratio)"),
                  ("longest_monologue", "Longest rep monologue"))


def metric_moment_buttons(call_id: int, transcript, rep_speaker: str | None) -> None:
    """Under the call's talk metrics, the moments behind each figure, each with a button that plays
    it in the call player (player.request_seek). Nothing for a call without a rep turn.

    transcript: the call's Transcript (None: nothing). rep_speaker: the rep's label in it (the
    scorecard's metrics.rep_speaker). Every moment is the rep's, so no speaker is named.
    """
    if transcript is None:
        return
    found = [(heading, metric_moments(transcript, key, rep_speaker)) for key, heading in METRIC_MOMENTS]
    found = [(heading, moments) for heading, moments in found if moments]
    if not found:
        return
    st.markdown("**Where the figures come from**")
    for heading, moments in found:
        st.caption(heading)
        for i, (what, q) in enumerate(moments):
            c1, c2 = st.columns([1, 8], vertical_alignment="center")
            c1.button(clock(q.start), key=f"metric_play_{heading}_{i}", icon=":material/play_arrow:",
                      on_click=player.request_seek, args=(call_id, q.start))
            c2.markdown(f"{md_text(what)}: \u201c{md_text(q.quote)}\u201d")
