"""Scripted sales-call dialogues: the exact reference for synthesized test calls.

A dialogue file (`tests/data/calls/*.yaml`, `examples/*.yaml`) is a written call:

    id: discovery_strong
    title: Discovery call with Acme logistics
    rep: Alex Rivera            # the rep's name (used as the rep speaker's label)
    customer: Jordan Lee
    labels:                     # criterion -> expected verdict (met, partly_met, not_met)
      discovery/agenda_set: met
    turns:
      - speaker: rep            # rep or customer
        text: "Thanks for making time today..."
        evidence: [discovery/agenda_set]   # criteria this turn is the evidence for

Criteria are named `<methodology id>/<criterion id>`. `render_dialogue` in `testkit.synth` speaks a
dialogue with two voices; `dialogue_to_transcript` builds the transcript the speech would give,
with words spaced evenly, for tests that need no audio.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from review.types import Segment, Transcript, TranscriptSource, Word


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: Literal["rep", "customer"]
    text: str
    evidence: list[str] = Field(default_factory=list)


class Dialogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str = ""
    rep: str = "Rep"
    customer: str = "Customer"
    labels: dict[str, Literal["met", "partly_met", "not_met", "not_applicable"]] = Field(
        default_factory=dict
    )
    turns: list[Turn]


def load_dialogue(path: str | Path) -> Dialogue:
    with open(path, encoding="utf-8") as fh:
        return Dialogue(**yaml.safe_load(fh))


def dialogue_to_transcript(
    dialogue: Dialogue, words_per_second: float = 2.5, pause_s: float = 0.8
) -> Transcript:
    """The transcript a perfect recogniser would give: one segment per turn, even word timing."""
    from review.metrics import compute_metrics  # local: metrics imports types only

    t = 0.5
    segments: list[Segment] = []
    for i, turn in enumerate(dialogue.turns):
        words = []
        for token in turn.text.split():
            w_end = t + 1.0 / words_per_second
            words.append(Word(start=round(t, 3), end=round(w_end - 0.05, 3), word=" " + token))
            t = w_end
        speaker = dialogue.rep if turn.speaker == "rep" else dialogue.customer
        segments.append(
            Segment(
                id=i,
                start=words[0].start,
                end=words[-1].end,
                speaker=speaker,
                role=turn.speaker,
                text=turn.text,
                words=words,
            )
        )
        t += pause_s
    duration = round(t, 3)
    transcript = Transcript(
        segments=segments,
        duration=duration,
        source=TranscriptSource(file=f"{dialogue.id}.yaml", format="dialogue"),
    )
    transcript.metrics = compute_metrics(transcript.segments, duration)
    return transcript
