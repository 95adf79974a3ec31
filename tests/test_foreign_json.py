"""Transcripts other tools write as JSON (review.foreign_json): AssemblyAI, Deepgram, Rev.ai, WhisperX and
OpenAI's verbose_json, read with their speakers and word times; broken ones refused in one line. The
files in tests/data/other_tools hold one call in each tool's shape (see its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_rework import make_services

from review.errors import InputError
from review.formats import load_transcript
from review.pipeline import review_file
from review.rework import change_rep_speaker
from review.speakers import REP_GUESSED, UNNAMED_WARNING, speaker_flags

OTHER = Path(__file__).parent / "data" / "other_tools"
FIRST_WORDS = ["Hi", "Alex,", "thanks", "for", "calling", "back."]


@pytest.mark.parametrize(("name", "tool", "speakers"), [
    ("assemblyai.json", "AssemblyAI", ["speaker_1", "speaker_2"]),
    ("deepgram.json", "Deepgram", ["speaker_1", "speaker_2"]),
    ("whisperx.json", "Whisper", ["speaker_1", "speaker_2"]),
    ("revai.json", "Rev.ai", ["Jordan Lee", "Alex Rivera"]),
])
def test_each_tool_s_transcript_keeps_its_speakers_turns_and_word_times(name, tool, speakers):
    t = load_transcript(OTHER / name)
    assert t.source.format == "json" and t.warnings[0].startswith(f"read as a transcript from {tool}")
    assert [s.speaker for s in t.segments] == [speakers[0], speakers[1]] * 2 + [speakers[0]]
    assert t.segments[1].text == ("Of course, Jordan. Can you walk me through what happens today when a carrier "
                                  "cancels?")
    first = t.segments[0]
    assert (first.start, first.end) == (0.24, 2.66)  # the tool's times, not an estimate
    assert [w.word.strip(" ,.") for w in first.words] == [w.strip(",.") for w in FIRST_WORDS]
    assert first.words[1].start == 0.54 and first.words[-1].end == 2.66  # each word where the tool put it
    assert t.metrics.patience_s is not None  # measured pauses


def test_a_tool_run_without_its_utterances_is_read_from_its_words(tmp_path):
    """AssemblyAI without speaker labels writes "utterances": null and its words; Deepgram without
    utterances=true writes only its channel's words (each with a speaker where it diarized)."""
    aai = json.loads((OTHER / "assemblyai.json").read_text())
    plain = {"text": aai["text"], "utterances": None,
             "words": [{k: v for k, v in w.items() if k != "speaker"} for u in aai["utterances"] for w in u["words"]]}
    f = tmp_path / "aai.json"
    f.write_text(json.dumps(plain))
    t = load_transcript(f)
    assert [s.text for s in t.segments][:3] == ["Hi Alex, thanks for calling back.", "Of course, Jordan.",
                                                "Can you walk me through what happens today when a carrier cancels?"]
    assert {s.speaker for s in t.segments} == {"unknown"} and t.segments[1].words[0].start == 3.26
    dg = json.loads((OTHER / "deepgram.json").read_text())
    words = [w for u in dg["results"]["utterances"] for w in u["words"]]
    f.write_text(json.dumps({"metadata": dg["metadata"],
                             "results": {"channels": [{"alternatives": [{"transcript": "...", "words": words}]}]}}))
    t = load_transcript(f)
    assert [s.speaker for s in t.segments] == ["speaker_1", "speaker_2", "speaker_1", "speaker_2", "speaker_1"]
    assert t.segments[1].text.startswith("Of course, Jordan. Can you") and t.warnings[0].startswith(
        "read as a transcript from Deepgram")


def test_a_gong_transcript_keeps_each_sentence_s_time_and_joins_a_speaker_s_run(tmp_path):
    """Gong's calls/transcript API: monologues by speakerId, each sentence timed in milliseconds."""
    gong = {"requestId": "4al018gzaztcr8nbukw", "records": {"totalRecords": 1, "currentPageSize": 1},
            "callTranscripts": [{"callId": "7782342274025937895", "transcript": [
                {"speakerId": "6432345678555530067", "topic": "Call Setup", "sentences": [
                    {"start": 240, "end": 2660, "text": "Hi Alex, thanks for calling back."}]},
                {"speakerId": "1122334455667788990", "topic": "Discovery", "sentences": [
                    {"start": 3260, "end": 4400, "text": "Of course, Jordan."},
                    {"start": 4500, "end": 9580, "text": "Can you walk me through what happens when a carrier cancels?"}]},
                {"speakerId": "6432345678555530067", "topic": "Discovery", "sentences": [
                    {"start": 10480, "end": 16300, "text": "Someone rebuilds the route by hand."}]}]}]}
    f = tmp_path / "gong.json"
    f.write_text(json.dumps(gong))
    t = load_transcript(f)
    assert t.warnings[0] == ("read as a transcript from Gong (speakers 6432345678555530067 as speaker_1, "
                             "1122334455667788990 as speaker_2)")
    assert [(s.speaker, s.start, s.end) for s in t.segments] == [
        ("speaker_1", 0.24, 2.66), ("speaker_2", 3.26, 9.58), ("speaker_1", 10.48, 16.3)]
    assert t.segments[1].text == "Of course, Jordan. Can you walk me through what happens when a carrier cancels?"
    assert t.segments[1].words[3].start == 4.5  # the second sentence starts where Gong says
    gong["callTranscripts"][0]["transcript"][1]["sentences"][0].pop("end")
    f.write_text(json.dumps(gong))
    with pytest.raises(InputError, match=r"callTranscripts\[0\]\.transcript\[1\]\.sentences\[0\] has no 'end'"):
        load_transcript(f)


def test_numbered_speakers_make_a_guessed_rep_that_naming_the_rep_settles(settings, tmp_path):
    t = load_transcript(OTHER / "assemblyai.json", rep_name="Sam Ortiz")  # a rep the call never names
    assert t.warnings[0] == "read as a transcript from AssemblyAI (speakers B as speaker_1, A as speaker_2)"
    assert [w for w in t.warnings if REP_GUESSED in w] == [
        "the speakers are only numbered, so the rep is taken to be speaker_1, the first to talk; if that is "
        "the customer, say who the rep is (the call page's Manage this call -> Who is the rep, or --rep-speaker)"]
    aai = json.loads((OTHER / "assemblyai.json").read_text())
    aai["utterances"][1]["text"] = "Of course, Jordan, it's Alex. Can you walk me through it?"
    introduced = tmp_path / "introduced.json"
    introduced.write_text(json.dumps(aai))
    by_intro = load_transcript(introduced, rep_name="Alex Rivera")  # the rep says who they are: no guess
    assert by_intro.metrics.rep_speaker == "speaker_2" and not [w for w in by_intro.warnings if REP_GUESSED in w]
    # "Hi Alex, thanks for calling back": the customer greets the rep, so the other speaker is the rep
    greeted = load_transcript(OTHER / "assemblyai.json", rep_name="Alex Rivera")
    assert greeted.metrics.rep_speaker == "speaker_2" and not [w for w in greeted.warnings if REP_GUESSED in w]
    chosen = load_transcript(OTHER / "assemblyai.json", rep_speaker="speaker_2")
    assert [s.role for s in chosen.segments[:2]] == ["customer", "rep"]
    assert not [w for w in chosen.warnings if REP_GUESSED in w]
    # named speakers need no guess: Rev.ai's names find the call's rep
    named = load_transcript(OTHER / "revai.json", rep_name="Alex Rivera")
    assert [s.role for s in named.segments[:2]] == ["customer", "rep"] and len(named.warnings) == 1
    # a stored call: naming the rep ends the warning
    services = make_services(settings)
    first = review_file(OTHER / "deepgram.json", services, "discovery", rep="Sam Ortiz")
    assert any(REP_GUESSED in w for w in first.transcript.warnings)
    changed = change_rep_speaker(first.call_id, services, "speaker_2")
    assert changed.transcript.metrics.rep_speaker == "speaker_2"
    assert not any(REP_GUESSED in w for w in changed.transcript.warnings)
    quotes = [q for c in changed.scorecard.criteria for q in c.evidence]
    assert quotes and all(q.role == "rep" for q in quotes if q.role != "customer")


def test_whisper_json_without_speakers_is_flagged_and_its_turns_can_be_named(settings):
    t = load_transcript(OTHER / "openai_verbose.json")
    assert {s.speaker for s in t.segments} == {"unknown"} and len(t.segments) == 5  # one turn a segment
    assert speaker_flags(t) == [UNNAMED_WARNING]
    assert t.segments[0].words[0].start == 0.24  # words spread over the segment's own times


def test_the_review_command_reads_a_tool_s_json(cli, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = cli("review", str(OTHER / "revai.json"), "--methodology", "discovery", "--rep", "Alex Rivera",
                            "--out", str(out))
    assert code == 0, err
    turns = json.loads((out / "transcript.json").read_text())["segments"]
    assert [(t["speaker"], t["role"]) for t in turns[:2]] == [("Jordan Lee", "customer"), ("Alex Rivera", "rep")]
    card = json.loads((out / "scorecard.json").read_text())
    for crit in card["criteria"]:
        for ev in crit["evidence"]:
            turn = next(t for t in turns if t["id"] == ev["segment_id"])
            assert ev["quote"] in turn["text"] and turn["start"] - 0.01 <= ev["start"] <= turn["end"] + 0.01


@pytest.mark.parametrize(("data", "message"), [
    ({"utterances": [{"speaker": "A", "end": 900, "text": "Hi."}]}, "utterances[0] has no 'start'"),
    ({"utterances": [{"speaker": "A", "start": -5, "end": 900, "text": "Hi."}]},
     "utterances[0].start is -5, not a time within a day"),
    ({"utterances": [{"speaker": "A", "start": 900, "end": 100, "text": "Hi."}]},
     "utterances[0] ends (100) before it starts (900)"),
    ({"utterances": "all of it"}, "'utterances' is not a list"),
    ({"results": {"utterances": [{"start": 0, "end": "1.0", "transcript": "Hi"}]}},
     "results.utterances[0].end is not a number of seconds"),
    ({"monologues": [{"speaker": 0, "elements": [{"type": "text", "value": "Hi"}]}]},
     "monologues[0] has no timed words"),
    ({"segments": [{"start": 0, "end": 1e300, "text": "Hi"}]}, "segments[0].end is 1e+300, not a time within a day"),
    ({"utterances": [{"speaker": "A", "start": 0, "end": 900, "text": "[Music]"}]},
     "is a transcript from AssemblyAI with no text"),
    # a speaker that is no name or number became a speaker called "['x']"
    ({"segments": [{"start": 0, "end": 2, "speaker": ["x"], "text": "Hi."}]},
     "segments[0].speaker is a list, not a speaker's name or number"),
    ({"utterances": [{"speaker": {"id": 1}, "start": 0, "end": 900, "text": "Hi."}]},
     "utterances[0].speaker is an object, not a speaker's name or number"),
    ({"segments": [{"start": 0, "end": 2, "text": "Hi.", "words": [{"start": 0, "end": 1, "word": "Hi.",
                                                                    "speaker": True}]}]},
     "segments[0].words[0].speaker is true or false"),
])
def test_a_broken_transcript_from_a_tool_is_refused_in_one_line(tmp_path, data, message):
    f = tmp_path / "export.json"
    f.write_text(json.dumps(data))
    with pytest.raises(InputError) as refused:
        load_transcript(f)
    text = str(refused.value)
    assert text.startswith(f"{f}: ") and message in text and "\n" not in text, text


def test_json_of_no_known_shape_is_still_read_as_ours_and_says_why_not(tmp_path):
    f = tmp_path / "other.json"
    f.write_text(json.dumps({"items": [1, 2]}))
    with pytest.raises(InputError, match="field source: Field required"):
        load_transcript(f)


def test_openai_word_timestamps_give_each_segment_its_words_or_make_the_turns(tmp_path):
    """verbose_json with timestamp_granularities=["word"]: top-level `words` without punctuation, beside
    the segments (or instead of them when only words were asked for). Each word keeps its own time and
    takes the text's punctuation back."""
    verbose = json.loads((OTHER / "openai_verbose.json").read_text())
    times = {"Hi": (0.24, 0.5), "Alex": (0.54, 0.9), "thanks": (1.0, 1.3), "for": (1.32, 1.5), "calling": (1.52, 2.0),
             "back": (2.1, 2.66)}
    verbose["words"] = [{"word": w, "start": a, "end": b} for w, (a, b) in times.items()]
    verbose["words"].append({"word": "Of", "start": 3.26, "end": 3.4})
    f = tmp_path / "words.json"
    f.write_text(json.dumps(verbose))
    t = load_transcript(f)
    first = t.segments[0]
    assert [w.word.strip() for w in first.words] == FIRST_WORDS  # the text's punctuation, the tool's times
    assert first.words[1].start == 0.54 and first.words[-1].end == 2.66
    second = t.segments[1]  # too few timed words for its text: spread over its times, as without any
    assert len(second.words) == len(second.text.split()) and second.words[0].start == 3.26
    only_words = {"task": "transcribe", "text": verbose["text"],
                  "words": [{"word": w.strip(",.?"), "start": i * 0.5, "end": i * 0.5 + 0.4}
                            for i, w in enumerate(verbose["text"].split())]}
    f.write_text(json.dumps(only_words))
    t = load_transcript(f)
    assert t.warnings[0].startswith("read as a transcript from Whisper")
    assert [s.text for s in t.segments][:2] == ["Hi Alex, thanks for calling back.", "Of course, Jordan."]
    assert t.segments[1].words[0].start == 3.0 and {s.speaker for s in t.segments} == {"unknown"}
    only_words["words"][2]["end"] = "soon"
    f.write_text(json.dumps(only_words))
    with pytest.raises(InputError, match=r"words\[2\]\.end"):
        load_transcript(f)


def test_gong_parties_saved_with_the_transcript_name_the_speakers_and_the_rep(tmp_path):
    """Gong's transcript API names speakers by id only; its calls API lists the call's parties (name,
    speakerId, affiliation). A file holding both shows names, and its one "Internal" speaker is the rep,
    even when the customer talks first."""
    transcript = {"callId": "7782342274025937895", "transcript": [
        {"speakerId": "6432345678555530067", "sentences": [{"start": 240, "end": 2660, "text": "Hi, thanks for calling back."}]},
        {"speakerId": "1122334455667788990", "sentences": [{"start": 3260, "end": 9580, "text": "Of course. How do carriers cancel?"}]},
        {"speakerId": "6432345678555530067", "sentences": [{"start": 10480, "end": 16300, "text": "By phone, mostly."}]}]}
    parties = [{"id": "1", "name": "Jordan  Lee", "speakerId": "6432345678555530067", "affiliation": "External"},
               {"id": "2", "name": "Alex Rivera", "speakerId": "1122334455667788990", "affiliation": "Internal"},
               {"id": "3", "name": "Sam Manager", "speakerId": None, "affiliation": "Internal"}]  # invited, silent
    both = {"callTranscripts": [transcript],
            "calls": [{"metaData": {"id": "7782342274025937895", "title": "Acme discovery"}, "parties": parties}]}
    f = tmp_path / "gong.json"
    f.write_text(json.dumps(both))
    t = load_transcript(f)
    assert [(s.speaker, s.role) for s in t.segments] == [
        ("Jordan Lee", "customer"), ("Alex Rivera", "rep"), ("Jordan Lee", "customer")]
    assert t.warnings == ["read as a transcript from Gong; the rep is Alex Rivera, the one speaker Gong lists as "
                          "internal"]
    assert load_transcript(f, rep_speaker="Jordan Lee").segments[0].role == "rep"  # the manager still decides
    parties[1].pop("name")  # no name: the id is numbered, and still the rep
    f.write_text(json.dumps({"callTranscripts": [transcript], "parties": parties}))
    t = load_transcript(f)
    assert [(s.speaker, s.role) for s in t.segments][:2] == [("Jordan Lee", "customer"), ("speaker_1", "rep")]
    assert not [w for w in t.warnings if REP_GUESSED in w]
    parties[1]["name"] = "Jordan Lee"  # two people of one name are not merged into one speaker
    f.write_text(json.dumps({"callTranscripts": [transcript], "parties": parties}))
    assert [s.speaker for s in load_transcript(f).segments] == ["speaker_1", "speaker_2", "speaker_1"]
    parties[0]["affiliation"] = "Internal"  # two internal speakers: Gong does not say which sells
    f.write_text(json.dumps({"callTranscripts": [transcript], "parties": parties}))
    assert "the rep is" not in load_transcript(f).warnings[0]


def test_the_review_command_says_when_the_rep_is_only_a_guess(cli, tmp_path):
    """The CLI's summary listed the scorecard's flags but not what reading the file warned of, so "the rep
    is taken to be speaker_1 ... if that is the customer, say who the rep is" stayed in transcript.json."""
    code, stdout, err = cli("review", str(OTHER / "assemblyai.json"), "--methodology", "discovery", "--rep", "Sam Ortiz",
                            "--out", str(tmp_path / "out"))
    assert code == 0, err
    guessed = [line for line in stdout.splitlines() if REP_GUESSED in line]
    assert len(guessed) == 1 and guessed[0].startswith("  ! the speakers are only numbered")
    code, stdout, err = cli("review", str(OTHER / "assemblyai.json"), "--methodology", "discovery", "--rep", "Sam Ortiz",
                            "--rep-speaker", "speaker_2", "--out", str(tmp_path / "named"))
    assert code == 0, err
    assert REP_GUESSED not in stdout  # the rep named: no guess to warn of
