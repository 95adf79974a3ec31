"""The call page's "Who said a turn": say who really said a turn, or some of its sentences, or who
said each of many turns in one table. Speakers found by voice can be wrong (a short "Great." of the rep
inside the customer's turn), and a recording where one voice was found has every turn "unknown": the
table is how a manager gives those turns to the rep and the customer. Each correction is one job (a new
transcript version, then a new review: review.rework.change_turn_speaker / change_turn_speakers); this
module only asks."""

from __future__ import annotations

import streamlit as st

from review import speaker_edits
from review.jobs import ReworkOptions
from review.speakers import UNKNOWN_SPEAKER
from review.ui import state

ONE_TURN, MANY_TURNS = "One turn, or some of its sentences", "Several turns at once"
UNKNOWN_LABEL = "Unknown (nobody named)"


def section(call, transcript, version: int | None, queue) -> None:
    """Both ways to correct a speaker, the table first on a call where every turn is "unknown".

    version: the transcript version shown (the review's): a newer one refuses the change, since its turns
    may be numbered differently. queue: call_actions.queue_work (kind, options -> a watched job)."""
    if transcript is None or not transcript.segments:
        st.caption("This call has no turns to correct.")
        return
    one_voice = not speaker_edits.named_speakers(transcript)
    if one_voice:
        why = ("One voice was found in this recording" if transcript.source.format == "audio"
               else "The transcript file names no speakers")
        st.caption(f"{why}, so every turn is \u201cunknown\u201d: say who said each turn below. Turns you leave "
                   "unknown stay so; a turn that holds both voices can then be split by sentence (\u201cOne turn\u201d).")
    way = st.radio("Correct", [ONE_TURN, MANY_TURNS], index=1 if one_voice else 0, horizontal=True,
                   key=f"who_said_way_{call.id}", label_visibility="collapsed")
    if way == ONE_TURN:
        turn_speaker(call, transcript, version, queue)
    else:
        turn_speakers(call, transcript, version, queue)


def _labels(transcript, rep_name: str | None) -> dict[str, str]:
    """speaker -> how it is offered ("Alex Rivera (rep)", "Customer"), the choices and "unknown"."""
    from review.speakers import names_of

    choices = speaker_edits.speaker_choices(transcript)
    return names_of(choices.items(), rep_name) | {UNKNOWN_SPEAKER: UNKNOWN_LABEL}


def turn_speaker(call, transcript, version: int | None, queue) -> None:
    """One turn, or a run of its sentences, given to another speaker."""
    from review.snippets import shorten
    from review.turn_edges import sentences, text

    label = _labels(transcript, call.rep)
    turns = {s.id: s for s in transcript.segments}
    pick = st.selectbox("The turn", list(turns), key=f"turn_pick_{call.id}", format_func=lambda i: (
        state.turn_choice(turns[i], label.get(turns[i].speaker, turns[i].speaker))))
    turn = turns[pick]
    parts = [text(p) for p in sentences(turn.words)] if turn.words else []
    others = [s for s in speaker_edits.speaker_choices(transcript) if s != turn.speaker]
    with st.form(f"turn_speaker_{call.id}", border=False):
        said_by = st.selectbox("Said by", others, key=f"turn_said_by_{call.id}", format_func=lambda s: label[s])
        first, last = 0, None
        if len(parts) > 1:
            first, last = st.select_slider(
                "Which of its sentences", options=list(range(len(parts))), value=(0, len(parts) - 1),
                key=f"turn_sentences_{call.id}_{pick}", format_func=lambda i: f"{i + 1}. {shorten(parts[i], 40)}",
                help="Only these sentences change speaker; the turn is split around them")
        go = st.form_submit_button("Correct the speaker and re-score", icon=":material/person_edit:")
    if go:
        queue("turn_speaker", ReworkOptions(call.id, segment_id=pick, speaker=said_by, first_sentence=first,
                                            last_sentence=last, transcript_version=version))


def turn_speakers(call, transcript, version: int | None, queue) -> None:
    """A table of the turns with who said each; the changed rows become one correction."""
    import pandas as pd

    from review.snippets import shorten
    from review.timefmt import clock

    label = _labels(transcript, call.rep)
    speaker_of = {shown: speaker for speaker, shown in label.items()}
    rows = [{"turn": s.id, "at": clock(s.start), "said": shorten(" ".join(s.text.split()), 90),
             "by": label.get(s.speaker, s.speaker)} for s in transcript.segments]
    with st.form(f"turn_speakers_{call.id}", border=False):
        edited = st.data_editor(
            pd.DataFrame(rows, columns=["turn", "at", "said", "by"]), key=f"turn_table_{call.id}_{version}",
            hide_index=True, width="stretch", disabled=["turn", "at", "said"],
            column_config={
                "turn": st.column_config.NumberColumn("Turn", width="small"),
                "at": st.column_config.TextColumn("At", width="small"),
                "said": st.column_config.TextColumn("What was said", width="large"),
                "by": st.column_config.SelectboxColumn("Said by", options=list(label.values()), required=True),
            })
        named = [shown for speaker, shown in label.items() if speaker != UNKNOWN_SPEAKER]
        rest = None
        if any(s.speaker == UNKNOWN_SPEAKER for s in transcript.segments):
            roles = sorted(speaker_edits.speaker_choices(transcript).values())
            # a two-person call: the turns may also go to the rep and the customer in turn (one line a turn)
            alternate = [(ALTERNATE, shown) for shown in named] if roles == ["customer", "rep"] else []
            rest = st.selectbox("The turns you leave unknown", [None, *named, *alternate],
                                key=f"turn_rest_{call.id}_{version}", format_func=_rest_choice,
                                help="On a two-person call, pick the rep's turns above and give the rest to the "
                                     "customer here; or, where the turns go rep, customer, rep (a pasted "
                                     "transcript, one line a turn), let them alternate: each goes to the other "
                                     "party of the turn before it")
        go = st.form_submit_button("Save who said each turn and re-score", icon=":material/group:")
    if not go:
        return
    changes = [[int(row["turn"]), speaker_of[row["by"]]]
               for row, was in zip(edited.to_dict("records"), rows, strict=True)
               if row["by"] != was["by"] and row["by"] in speaker_of]
    if not changes and rest is None:
        st.info("No turn changed: pick who said a turn in the \u201cSaid by\u201d column first.")
        return
    queue("turn_speakers", ReworkOptions(
        call.id, turn_speakers=changes, transcript_version=version,
        others=speaker_of[rest] if isinstance(rest, str) else None,
        alternate=speaker_of[rest[1]] if isinstance(rest, tuple) else None))


ALTERNATE = "alternate"


def _rest_choice(rest) -> str:
    """How a choice for the turns left unknown reads: nothing, one speaker, or the two in turn."""
    if rest is None:
        return "stay unknown"
    if isinstance(rest, tuple):
        return f"alternate, {rest[1]} first"
    return f"go to {rest}"
