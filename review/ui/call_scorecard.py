"""The scorecard column of the call page: section totals, one expander per criterion with its
rationale, evidence quotes ("play from this quote" seeks the player) and the manager's override
(the effective score shown, the AI's kept beside it), and the comparison of two reviews."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from review.evidence import dropped_evidence_note
from review.overrides import apply_overrides
from review.timefmt import clock
from review.ui import feedback, player, state
from review.ui.safe_text import md_text


def effective(store, review):
    """The review's scorecard with the manager's latest overrides applied (the AI's kept inside)."""
    return apply_overrides(review.scorecard, store.overrides(review.id))


def show_evidence(review_id: int, criterion_id: str) -> None:
    """Mark this criterion's evidence in the transcript (a button callback)."""
    st.session_state[f"evidence_of_{review_id}"] = criterion_id


def _play_quote(call_id: int, review_id: int, criterion_id: str, seconds: float) -> None:
    player.request_seek(call_id, seconds)
    show_evidence(review_id, criterion_id)


def _moment(call, review, criterion, text: str, speaker: str, role: str, start: float, key: str,
            note: str = "", help_text: str = "Play the call from this moment", action_width: float = 2.2):
    """A moment of the call under a criterion: its words and who said them (as text, never rendered),
    then a play button at its time; returns the column beside the button for the caller's action."""
    st.markdown(f"\u201c{md_text(text)}\u201d \u2014 *{md_text(state.speaker_label(speaker, role, call.rep))}*"
                + (f" :gray[({note})]" if note else ""))
    # under the quote, so the time on the play button is never cut, however narrow the column
    play, action, _ = st.columns([2.4, action_width, max(0.1, 4.6 - action_width)], vertical_alignment="center")
    play.button(clock(start), key=key, icon=":material/play_arrow:", on_click=_play_quote,
                args=(call.id, review.id, criterion.id, start), help=help_text)
    return action


def quote_row(store, call, review, criterion, i: int, quote, marks: dict, editable: bool = True) -> None:
    """One evidence quote: a play button at its time, the quote and who said it, and the manager's
    right / wrong evidence marks (review.ui.feedback; not for a rep, who reads the review)."""
    marks_column = _moment(call, review, criterion, quote.quote, quote.speaker, quote.role, quote.start,
                           f"play_{criterion.id}_{i}",
                           help_text="Play the call from this moment and mark the evidence in the transcript")
    if editable:
        feedback.quote_marks(marks_column, store, review, criterion, i, marks)


def _override_box(store, review, criterion) -> None:
    with st.popover("Override the score", icon=":material/edit:"), \
            st.form(f"override_{review.id}_{criterion.id}", border=False):
        c1, c2 = st.columns([1, 3])
        score = c1.number_input("Manager score", min_value=0, max_value=criterion.max_score, step=1,
                                value=criterion.score, key=f"ov_score_{review.id}_{criterion.id}")
        comment = c2.text_input("Why", key=f"ov_comment_{review.id}_{criterion.id}",
                                placeholder="What did you hear that the AI missed?")
        if st.form_submit_button("Save override"):
            if not comment.strip():
                st.error("Add a comment that says why you changed the score.")
                return
            try:
                store.add_override(review.id, criterion.id, int(score), comment,
                                   author=state_author())
            except Exception as exc:
                st.error(state.error_line(exc, f"override of {criterion.name}"))
                return
            st.rerun()


def state_author() -> str:
    """Who is writing (sign-in sets `author` in the session; "manager" until then)."""
    return st.session_state.get("author") or "manager"


def _added_moments(store, call, review, criterion, marks: dict, transcript, editable: bool = True) -> None:
    """The turns the manager marked as evidence the AI missed: each with its play button and a way
    to take it back."""
    cited = {q.segment_id for q in criterion.evidence}
    turns = {s.id: s for s in (transcript.segments if transcript else [])}
    added = sorted((turns[seg] for (cid, seg), verdict in marks.items()
                    if cid == criterion.id and verdict == "right" and seg not in cited and seg in turns),
                   key=lambda s: (s.start, s.id))
    for seg in added:
        remove = _moment(call, review, criterion, seg.text, seg.speaker, seg.role, seg.start,
                         f"play_added_{criterion.id}_{seg.id}",
                         note="a moment you added" if editable else "a moment your manager added")
        if not editable:
            continue
        remove.button("Remove", key=f"unmark_{review.id}_{criterion.id}_{seg.id}", type="tertiary",
                      on_click=feedback.unmark, args=(store, review.id, criterion.id, seg.id),
                      help="Not evidence after all: the judge learns that too")


def _nearest_row(store, call, review, criterion, marks: dict, editable: bool = True) -> None:
    """Where the AI counted nothing: the moment its judge found closest, not counted, with a play
    button and one click to say it does show the criterion (a labelled example, like an added moment)."""
    quote = criterion.nearest
    if quote is None or criterion.evidence or marks.get((criterion.id, quote.segment_id)) == "right":
        return
    st.caption("The closest moment the AI found (not counted)." + (
        " Listen: if it shows this, mark it, and override the score." if editable else ""))
    mark = _moment(call, review, criterion, quote.quote, quote.speaker, quote.role, quote.start,
                   f"play_nearest_{criterion.id}", action_width=4.6)  # room for the button's whole label
    if not editable:
        return
    mark.button("It shows it", key=f"nearest_right_{review.id}_{criterion.id}", icon=":material/thumb_up:",
                on_click=feedback.mark_right, args=(store, review.id, criterion.id, quote.segment_id),
                help="Right evidence the AI missed: the judge learns from it at the next review")


def _criterion(store, call, review, criterion, marks: dict, transcript=None, editable: bool = True) -> None:
    """One criterion: its verdict, rationale and moments; for a manager also the evidence marks, the
    override and "add a moment" (a rep reads their review: editable False)."""
    verdict = state.VERDICT_LABELS[criterion.verdict]
    shown = f"{criterion.score}/{criterion.max_score}"
    if criterion.ai_score is not None:
        shown += f" (manager; AI {criterion.ai_score}/{criterion.max_score})"
    label = f"{md_text(criterion.name)} \u2014 {shown} \u00b7 {verdict}"
    with st.expander(label, icon=state.VERDICT_ICONS[criterion.verdict], expanded=criterion.verdict != "met"):
        st.markdown(md_text(criterion.rationale))
        if not criterion.evidence:
            st.caption("No evidence quote in the transcript.")
        else:
            st.button("Mark in the transcript", key=f"mark_{criterion.id}", type="tertiary",
                      icon=":material/format_ink_highlighter:", on_click=show_evidence,
                      args=(review.id, criterion.id))
        for i, quote in enumerate(criterion.evidence):
            quote_row(store, call, review, criterion, i, quote, marks, editable)
        _nearest_row(store, call, review, criterion, marks, editable)
        _added_moments(store, call, review, criterion, marks, transcript, editable)
        if criterion.dropped_evidence:
            st.caption(md_text(dropped_evidence_note(criterion.dropped_evidence, review.scorecard.engine)))
        ai_score = criterion.ai_score if criterion.ai_score is not None else criterion.score
        ai_verdict = criterion.ai_verdict or criterion.verdict
        st.markdown("**AI score** " + f"{ai_score}/{criterion.max_score} ({state.VERDICT_LABELS[ai_verdict]})")
        feedback.calibration_note(store, review, criterion)
        for o in store.override_history(review.id, criterion.id):
            st.markdown(f"**Manager score** {o.score}/{criterion.max_score} \u2014 {md_text(o.comment)} "
                        f":gray[({md_text(o.author)}, {o.created_at[:16].replace('T', ' ')})]")
        if editable:
            _override_box(store, review, criterion)
            feedback.missed_moment_picker(store, review, criterion, transcript,
                                          lambda speaker, role: state.speaker_label(speaker, role, call.rep))


def section_rows(names: list[str], points: Sequence[str] = ()) -> list[list[int]]:
    """The section scores' rows (indices into `names`): as many to a row as their names, and their
    points ("5.5 of 9 points"), fit in the scorecard's half of the page ("Questions to the other person"
    was cut to "Questions to the ot...", "5.5 of 9 points" to "5.5 of 9 poi...")."""
    longest = max((len(n) for n in [*names, *points]), default=0)
    fits = 4 if longest <= 13 else 3 if longest <= 18 else 2
    rows = -(-len(names) // fits)
    per_row = -(-len(names) // rows) if rows else fits  # the rows as even as they can be (2 and 2, not 3 and 1)
    return [list(range(i, min(i + per_row, len(names)))) for i in range(0, len(names), per_row)]


def scorecard(store, call, review, card) -> None:
    """The scorecard column. card: the effective scorecard (see `effective`)."""
    names = state.section_names(card.methodology_id)
    points = [f"{s.score:g} of {s.max_score:g} points" for s in card.sections]
    for row in section_rows([names.get(s.section, s.section) for s in card.sections], points):
        cols = st.columns(len(row))
        for col, i in zip(cols, row, strict=True):
            section = card.sections[i]
            col.metric(names.get(section.section, section.section), f"{section.percent:.0f}%", points[i],
                       delta_color="off", delta_arrow="off")
    marks = feedback.latest_marks(store, review)
    transcript = store.get_transcript(call.id, review.transcript_version)
    editable = not state.scope().is_rep  # a rep reads their review; the manager corrects it
    sections = list(dict.fromkeys(c.section for c in card.criteria))
    for section in sections:
        if len(sections) > 1:
            st.subheader(names.get(section, section) or "Criteria")
        for criterion in (c for c in card.criteria if c.section == section):
            _criterion(store, call, review, criterion, marks, transcript, editable)


def review_label(review, card=None) -> str:
    """How a review is named in the picker: methodology, engine, when, total.

    card: its effective scorecard (the total with overrides); None = the AI's as stored.
    """
    card = card or review.scorecard
    engine = card.provenance.engine_label + (f" ({card.provenance.model})" if card.provenance.model else "")
    return (f"{card.methodology_name} \u00b7 {engine} \u00b7 {review.created_at[:16].replace('T', ' ')} "
            f"\u00b7 {card.total_percent:.0f}%")


def _change(delta: float, unit: str = "") -> str:
    return "no change" if delta == 0 else f"{delta:+g}{unit}"


def comparison_rows(old_card, new_card) -> list[dict]:
    """Old vs new per criterion (criteria of either review, by id), the total first; every cell
    is text ("50%", "1/2", "+1", "" where a review lacks the criterion).

    old_card, new_card: effective scorecards.
    """
    rows = [{"Criterion": "Total", "Before": f"{old_card.total_percent:.0f}%",
             "Now": f"{new_card.total_percent:.0f}%",
             "Change": _change(round(new_card.total_percent - old_card.total_percent), " pts")}]
    old = {c.id: c for c in old_card.criteria}
    new = {c.id: c for c in new_card.criteria}
    for cid in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(cid), new.get(cid)
        either = b or a
        assert either is not None  # cid comes from one of the two
        rows.append({"Criterion": either.name,
                     "Before": f"{a.score}/{a.max_score}" if a else "",
                     "Now": f"{b.score}/{b.max_score}" if b else "",
                     "Change": _change(b.score - a.score) if a and b else ""})
    return rows


def comparison(store, call, review, card) -> None:
    """Compare the open review with another review of the call (the one before it by default)."""
    others = [r for r in store.reviews_for_call(call.id) if r.id != review.id]
    if not others:
        st.caption("This call has one review. Re-score it (Manage this call) to compare.")
        return
    earlier = [r for r in others if r.id < review.id]
    default = earlier[-1] if earlier else others[-1]
    ids = [r.id for r in others]
    cards = {r.id: effective(store, r) for r in others}
    labels = {r.id: review_label(r, cards[r.id]) for r in others}
    other_id = st.selectbox("Compare with", ids, index=ids.index(default.id), format_func=lambda i: labels[i],
                            key=f"compare_with_{review.id}")
    other_card = cards[other_id]
    st.caption(f"Before: {labels[other_id]}  \nNow: {review_label(review, card)}")
    st.dataframe(comparison_rows(other_card, card), hide_index=True, width="stretch")
