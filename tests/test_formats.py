"""Transcript files in and out: WebVTT (Teams, Zoom, Meet), SRT, plain text, our JSON; roles;
every kind of bad input."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from review.errors import ConfigError, InputError
from review.formats import (
    TRANSCRIPT_EXTENSIONS,
    load_transcript,
    metrics_to_text,
    transcript_to_text,
    transcript_to_vtt,
    write_json_atomic,
)
from review.speakers import assign_roles, rep_guessed_warning, split_speaker_prefixes
from review.types import Segment, Transcript

SAMPLES = Path(__file__).resolve().parent / "data" / "transcripts"


def said(t) -> list[tuple[str, float, str]]:
    """Who said what, when: each turn's speaker, start and text."""
    return [(s.speaker, s.start, s.text) for s in t.segments]


def turns(t: Transcript) -> list[tuple]:
    return [(s.id, s.start, s.end, s.speaker, s.role, s.text) for s in t.segments]


def check_words(t: Transcript) -> None:
    """Imported text gets evenly spread words covering each turn, probability 1.0."""
    for s in t.segments:
        assert [w.word.strip() for w in s.words] == s.text.split()
        assert s.words[0].start == s.start
        assert all(w.start <= w.end and w.probability == 1.0 for w in s.words)
        assert all(a.start <= b.start for a, b in pairwise(s.words))
        assert abs(s.words[-1].end - s.end) < 0.002


# --------------------------------------------------------------------------- WebVTT


def test_teams_vtt_voice_tags_merge_and_roles():
    t = load_transcript(SAMPLES / "teams_discovery.vtt")
    assert t.source.file == "teams_discovery.vtt" and t.source.format == "vtt"
    assert turns(t) == [
        # the first two cues are both Alex's: one turn
        (0, 1.2, 8.4, "Alex Rivera", "rep", "Hi Jordan, thanks for making time today. I'd like to "
         "spend twenty minutes on your shipping delays. Does that work?"),
        # a cue without the closing </v> still has its speaker
        (1, 9.1, 13.0, "Jordan Lee", "customer", "Sure, that works. We lose about two days on every cross-border order."),
        (2, 12.6, 17.0, "Alex Rivera", "rep", "What does a two-day delay cost you per month?"),
        (3, 18.0, 24.0, "Jordan Lee", "customer", "Roughly forty thousand dollars in penalties & overtime."),
        (4, 25.5, 29.0, "Alex Rivera", "rep", "Who else is involved in deciding on a fix?"),
    ]
    assert t.duration == 29.0
    # no rep named for the call: the first to talk is the rep, and the file says so (it is only a guess)
    assert t.warnings == [rep_guessed_warning("Alex Rivera")]
    assert load_transcript(SAMPLES / "teams_discovery.vtt", rep_name="Alex Rivera").warnings == []
    check_words(t)
    # patience: 12.6 - 13.0 overlaps -> 0; 18.0 -> 25.5: wait, 25.5 - 24.0 = 1.5; mean 0.75
    assert t.metrics.patience_s == 0.75
    assert t.metrics.speakers["Alex Rivera"].question_count == 3


def test_zoom_vtt_name_prefixes():
    t = load_transcript(SAMPLES / "zoom_demo.vtt")
    assert [(s.speaker, s.role) for s in t.segments] == [
        ("Sam Patel", "rep"), ("Priya Nair", "customer"), ("Sam Patel", "rep"),
        ("Priya Nair", "customer"), ("unknown", "unknown"), ("Sam Patel", "rep"),
    ]
    # cues 3 and 4 merged; "Here's the plan:" inside the text is not a speaker
    assert t.segments[2].text == "Great. Here's the plan: ten minutes on your goals, then a demo. Is there anything you'd add?"
    assert (t.segments[2].start, t.segments[2].end) == (5.6, 12.0)
    # "Note:" after the name stays text
    assert t.segments[3].text == "Note: our renewal date is in March, so timing matters."
    assert t.segments[5].text == "No problem. Does Thursday at 10:30 work for the follow-up?"
    assert set(t.metrics.speakers) == {"Sam Patel", "Priya Nair", "unknown"}
    check_words(t)


def test_vtt_without_speakers_and_short_timestamps():
    t = load_transcript(SAMPLES / "meet_captions.vtt")
    # MM:SS.mmm times, a header with metadata, a <c> class tag; "unknown" cues are not merged
    assert turns(t) == [
        (0, 2.0, 5.5, "unknown", "unknown", "thanks everyone for joining the pricing review"),
        (1, 6.0, 9.25, "unknown", "unknown", "we have three options to walk through"),
    ]
    assert t.metrics.patience_s is None


def test_two_voices_in_one_cue_share_its_time(tmp_path):
    f = tmp_path / "two.vtt"
    f.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n<v Ana>One two three.</v> <v Ben>Yes.</v>\n")
    t = load_transcript(f)
    # 4 words over 4 s: Ana's 3 words get 3 s, Ben's 1 word 1 s
    assert turns(t) == [(0, 0.0, 3.0, "Ana", "rep", "One two three."), (1, 3.0, 4.0, "Ben", "customer", "Yes.")]


def test_txt_holding_webvtt_is_read_as_webvtt(tmp_path):
    f = tmp_path / "export.txt"
    f.write_bytes(b"\xef\xbb\xbf" + (SAMPLES / "teams_discovery.vtt").read_bytes())  # with a BOM
    t = load_transcript(f)
    assert t.source.format == "vtt"
    assert turns(t) == turns(load_transcript(SAMPLES / "teams_discovery.vtt"))


# --------------------------------------------------------------------------- SRT and text


def test_srt_with_crlf_multiline_and_italics():
    t = load_transcript(SAMPLES / "vendor_eval.srt")
    assert t.source.format == "srt"
    assert turns(t) == [
        (0, 0.0, 3.5, "Speaker 1", "rep", "Thanks for joining, Dana."),
        (1, 4.0, 7.25, "Speaker 2", "customer", "Happy to. We are evaluating three vendors this quarter."),
        (2, 7.5, 10.0, "Speaker 1", "rep", "Which criteria matter most to your team?"),
        (3, 11.0, 15.0, "Speaker 2", "customer", "Integration effort, then price."),
    ]
    check_words(t)


def test_srt_rep_speaker_given():
    t = load_transcript(SAMPLES / "vendor_eval.srt", rep_speaker="speaker 2")
    assert [s.role for s in t.segments] == ["customer", "rep", "customer", "rep"]
    # patience now runs from Speaker 1's turns to Speaker 2's: (4.0-3.5 + 11.0-10.0) / 2 = 0.75
    assert t.metrics.patience_s == 0.75


def test_plain_text_estimates_timing_and_warns():
    t = load_transcript(SAMPLES / "follow_up.txt")
    assert t.source.format == "text"
    assert [(s.speaker, s.role) for s in t.segments] == [
        ("Alex Rivera", "rep"), ("Jordan Lee", "customer"), ("Alex Rivera", "rep"),
        ("Jordan Lee", "customer"), ("Alex Rivera", "rep"),
    ]
    # the unprefixed "Note: ..." line continues Jordan's turn
    assert t.segments[3].text == ("Finance approved the budget for the pilot. "
                                  "Note: they still need legal to review the contract.")
    # 150 words per minute = 0.4 s a word: turn 0 has 6 words -> 0.0..2.4, turn 1 4 words -> 2.4..4.0
    assert (t.segments[0].start, t.segments[0].end) == (0.0, 2.4)
    assert (t.segments[1].start, t.segments[1].end) == (2.4, 4.0)
    assert t.warnings[1:] == [rep_guessed_warning("Alex Rivera")]  # no rep named for the call: a guess
    assert len(t.warnings) == 2 and "estimated" in t.warnings[0]
    assert t.metrics.patience_s is None  # pauses would be invented
    check_words(t)


def test_plain_text_timestamps_are_honoured():
    t = load_transcript(SAMPLES / "timestamped.txt")
    assert [s.start for s in t.segments] == [5.0, 9.0, 20.0, 31.0]
    # "(00:20)" form too; ends are estimated: 5 words * 0.4 = 2.0 s
    assert t.segments[0].end == 7.0
    assert "end times are estimated" in t.warnings[0]


def test_plain_text_end_capped_by_next_timestamp(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("[00:00:00] Ana: one two three four five six seven eight nine ten\n[00:00:02] Ben: ok\n")
    t = load_transcript(f)
    assert t.segments[0].end == 2.0  # 10 words would take 4 s, but Ben starts at 2 s


def test_plain_text_otter_style_headers(tmp_path):
    f = tmp_path / "otter.txt"
    f.write_text("Alex Rivera  0:00\nThanks for joining.\nShall we start?\n\nJordan Lee  0:06\nYes please.\n")
    t = load_transcript(f)
    assert turns(t)[0][1:] == (0.0, 2.4, "Alex Rivera", "rep", "Thanks for joining. Shall we start?")
    assert turns(t)[1][1:4] == (6.0, 6.8, "Jordan Lee")


def test_plain_text_rev_style_headers(tmp_path):
    """Rev's export heads each turn "Speaker 1 (00:05):" on its own line; other tools write the
    text after it on the same line ("Alex Rivera (00:05): ...")."""
    rev = tmp_path / "rev.txt"
    rev.write_text("Speaker 1 (00:00):\nThanks for joining.\nShall we start?\n\nSpeaker 2 (00:06):\nYes please.\n"
                   "\nSpeaker 1 (01:02:03):\nGreat.\n")
    t = load_transcript(rev)
    assert [s[1:4] for s in turns(t)] == [(0.0, 2.4, "Speaker 1"), (6.0, 6.8, "Speaker 2"), (3723.0, 3723.4, "Speaker 1")]
    assert turns(t)[0][5] == "Thanks for joining. Shall we start?"
    inline = tmp_path / "inline.txt"
    inline.write_text("Alex Rivera (00:01): Thanks for joining.\nJordan Lee [00:04]: Happy to.\n"
                      "More from Jordan on the next line.\n")
    t = load_transcript(inline)
    assert said(t) == [
        ("Alex Rivera", 1.0, "Thanks for joining."), ("Jordan Lee", 4.0, "Happy to. More from Jordan on the next line.")]


@pytest.mark.parametrize(("shape", "text"), [
    ("Gong", "0:01 | Alex Rivera\nThanks for joining.\n\n0:04 | Jordan Lee\nHappy to.\n"),
    ("Fireflies", "Alex Rivera - 00:01\nThanks for joining.\n\nJordan Lee - 00:04\nHappy to.\n"),
    ("a time alone on a line", "00:00:01\nAlex Rivera: Thanks for joining.\n00:00:04\nJordan Lee: Happy to.\n"),
    ("a name over its time (Chorus)", "Alex Rivera\n00:00:01\nThanks for joining.\n\nJordan Lee\n00:00:04\n"
                                     "Happy to.\n"),
    ("a time then a name", "00:00:01 Alex Rivera\nThanks for joining.\n00:00:04 Jordan Lee\nHappy to.\n"),
])
def test_plain_text_turn_headers_of_other_tools(tmp_path, shape, text):
    f = tmp_path / "call.txt"
    f.write_text(text)
    t = load_transcript(f)
    assert said(t) == [
        ("Alex Rivera", 1.0, "Thanks for joining."), ("Jordan Lee", 4.0, "Happy to.")], shape


def test_one_word_names_over_their_times_heading_two_turns_each(tmp_path):
    f = tmp_path / "call.txt"
    f.write_text("Alex\n0:01\nThanks for joining.\nJordan\n0:04\nHappy to.\nAlex\n0:06\nGreat.\nJordan\n0:07\nSure.\n")
    assert said(load_transcript(f)) == [("Alex", 1.0, "Thanks for joining."), ("Jordan", 4.0, "Happy to."),
                                        ("Alex", 6.0, "Great."), ("Jordan", 7.0, "Sure.")]


@pytest.mark.parametrize(("shape", "text", "expected"), [
    # captions copied with a time over each line: "Okay" is what was said at 0:05, not a speaker
    ("time over each line", "0:05\nOkay\n0:07\nOkay\n0:09\nSure thing.\n",
     [("unknown", 5.0, "Okay"), ("unknown", 7.0, "Okay"), ("unknown", 9.0, "Sure thing.")]),
    ("a time before each line", "[00:00:05] Okay\n[00:00:07] Okay\n[00:00:09] Sure, let us start.\n",
     [("unknown", 5.0, "Okay"), ("unknown", 7.0, "Okay"), ("unknown", 9.0, "Sure, let us start.")]),
    # a short capitalised line before a time that heads a named line stays speech
    ("a reply over a time", "Alex: Thanks for the time.\nThank You\n00:05:00\nJordan: Sure.\n",
     [("Alex", 0.0, "Thanks for the time. Thank You"), ("Jordan", 300.0, "Sure.")]),
    # one turn of one-word name over its time: not enough to read "Alex" as a speaker
    ("one short line over a time", "Alex\n0:05\nThanks for joining.\n",
     [("unknown", 0.0, "Alex"), ("unknown", 5.0, "Thanks for joining.")]),
])
def test_short_lines_near_times_stay_speech(tmp_path, shape, text, expected):
    f = tmp_path / "call.txt"
    f.write_text(text)
    assert said(load_transcript(f)) == expected, shape


def test_captions_tag_speakers_in_brackets_and_sound_cues_are_no_turns(tmp_path):
    f = tmp_path / "call.srt"
    f.write_text("1\n00:00:01,000 --> 00:00:03,000\n[Music]\n\n2\n00:00:03,000 --> 00:00:05,000\n"
                 "[Alex Rivera] Thanks for joining.\n\n3\n00:00:05,000 --> 00:00:07,000\n[Jordan Lee] Happy to.\n"
                 "\n4\n00:00:07,000 --> 00:00:09,000\n\u266a\u266a\n\n5\n00:00:09,000 --> 00:00:11,000\n"
                 "[Jordan Lee] [laughs] Sure, (laughs) go on.\n")
    t = load_transcript(f)
    assert [(s.speaker, s.text) for s in t.segments] == [  # "[Music]" and "♪♪" are nobody's speech
        ("Alex Rivera", "Thanks for joining."), ("Jordan Lee", "Happy to. [laughs] Sure, (laughs) go on.")]
    one = tmp_path / "one.srt"  # a single bracket is an aside, not a speaker tag
    one.write_text("1\n00:00:01,000 --> 00:00:03,000\n[Alex] laughs at that\n")
    assert load_transcript(one).segments[0].speaker == "unknown"


def test_plain_text_without_names_is_unknown_and_unpunctuated_text_warns(tmp_path):
    f = tmp_path / "raw.txt"
    f.write_text("so what we need is a faster way to ship things across the border "
                 "and honestly the current process is slow and manual for everyone\n")
    t = load_transcript(f)
    assert [(s.speaker, s.role) for s in t.segments] == [("unknown", "unknown")]
    assert any("no punctuation" in w for w in t.warnings)


def test_cp1252_text_is_decoded(tmp_path):
    f = tmp_path / "legacy.txt"
    f.write_bytes("José Núñez: Olá, ça va? Prices in €.\nAna: Sí.\n".encode("cp1252"))
    t = load_transcript(f)
    assert t.segments[0].speaker == "José Núñez"
    assert t.segments[0].text == "Olá, ça va? Prices in €."


def test_transcript_to_text_lines():
    original = load_transcript(SAMPLES / "vendor_eval.srt", rep_speaker="Speaker 2")
    text = transcript_to_text(original)
    assert text.splitlines()[0] == "[00:00:00] Speaker 1 (customer): Thanks for joining, Dana."
    assert text.splitlines()[1].startswith("[00:00:04] Speaker 2 (rep): Happy to.")
    assert text.endswith("then price.")  # no trailing newline: callers print it


def test_transcript_to_text_round_trip(tmp_path):
    original = load_transcript(SAMPLES / "vendor_eval.srt", rep_speaker="Speaker 2")
    f = tmp_path / "call.txt"
    f.write_text(transcript_to_text(original), encoding="utf-8")
    back = load_transcript(f)
    # speakers, roles (from the "(rep)" suffix), texts and start seconds survive
    assert [(s.speaker, s.role, s.text, int(s.start)) for s in back.segments] == [
        (s.speaker, s.role, s.text, int(s.start)) for s in original.segments
    ]


def test_transcript_to_vtt_round_trip(tmp_path):
    original = load_transcript(SAMPLES / "zoom_demo.vtt")
    vtt = transcript_to_vtt(original)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.500 --> 00:00:03.000\n<v Sam Patel>Good morning")
    f = tmp_path / "export.vtt"
    f.write_text(vtt, encoding="utf-8")
    assert turns(load_transcript(f)) == turns(original)


# --------------------------------------------------------------------------- JSON


def test_json_round_trip(tmp_path):
    original = load_transcript(SAMPLES / "teams_discovery.vtt")
    f = tmp_path / "out" / "call.json"
    write_json_atomic(f, original)
    assert load_transcript(f) == original
    data = json.loads(f.read_text(encoding="utf-8"))
    assert set(data) == {"version", "segments", "metrics", "duration", "language", "audio_sha256",
                         "source", "warnings", "speaker_names", "attribution"}
    assert list(f.parent.iterdir()) == [f]  # no temp file left behind


def test_json_rep_speaker_reassigns_roles_and_metrics(tmp_path):
    f = tmp_path / "call.json"
    write_json_atomic(f, load_transcript(SAMPLES / "teams_discovery.vtt"))
    t = load_transcript(f, rep_speaker="Jordan Lee")
    assert [s.role for s in t.segments] == ["customer", "rep", "customer", "rep", "customer"]
    # customer -> rep: 9.1 - 8.4 = 0.7 and 18.0 - 17.0 = 1.0 -> 0.85
    assert t.metrics.patience_s == 0.85


def test_write_json_atomic_dict_unicode_and_failure_keeps_old_file(tmp_path):
    f = tmp_path / "data.json"
    write_json_atomic(f, {"name": "Zoë", "n": 1})
    raw = f.read_text(encoding="utf-8")
    assert raw == '{\n  "name": "Zoë",\n  "n": 1\n}\n'
    with pytest.raises(TypeError):
        write_json_atomic(f, {"bad": object()})
    assert f.read_text(encoding="utf-8") == raw
    assert list(tmp_path.iterdir()) == [f]


def test_metrics_to_text_from_formats():
    table = metrics_to_text(load_transcript(SAMPLES / "teams_discovery.vtt").metrics)
    assert "Alex Rivera" in table and "Jordan Lee" in table and "switches per minute" in table


def test_extensions():
    assert TRANSCRIPT_EXTENSIONS == {".vtt", ".srt", ".txt", ".json", ".docx"}


# --------------------------------------------------------------------------- bad input


def one_line_error(path, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        load_transcript(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    assert path.name in message
    return message


@pytest.mark.parametrize("name", ["notes.odt", "call.pdf", "call.mp3.zip"])
def test_unsupported_extension(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"PK\x03\x04 binary")
    message = one_line_error(f)
    assert "is not a supported transcript (.vtt, .srt, .txt, .json, .docx); export the call as WebVTT or SRT" in message


def test_missing_file(tmp_path):
    assert "not found" in one_line_error(tmp_path / "nope.vtt")


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("name", ["empty.vtt", "empty.srt", "empty.txt", "empty.json"])
def test_empty_files(tmp_path, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    assert "is empty" in one_line_error(f)


def test_vtt_without_cues(tmp_path):
    f = tmp_path / "header_only.vtt"
    f.write_text("WEBVTT\n\nNOTE nothing was said\n")
    assert "has no cues" in one_line_error(f)


def test_srt_with_only_empty_cues(tmp_path):
    f = tmp_path / "blank.srt"
    f.write_text("1\n00:00:00,000 --> 00:00:01,000\n<i></i>\n\n2\n00:00:01,000 --> 00:00:02,000\nAna:\n")
    assert "has no cues with text" in one_line_error(f)


@pytest.mark.parametrize("name", ["call.txt", "call.vtt", "call.json"])
def test_binary_file(tmp_path, name):
    f = tmp_path / name
    f.write_bytes(b"%PDF-1.7\n\x00\x01\x02\x03\xff\xfe binary stream \x00\x00")
    assert "is not a text file" in one_line_error(f)


def test_json_must_be_utf8(tmp_path):
    f = tmp_path / "call.json"
    f.write_bytes('{"source": {"file": "Zoë", "format": "vtt"}}'.encode("cp1252"))
    assert "is not a text file" in one_line_error(f)


def test_invalid_json(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('{"segments": [}')
    assert "is not valid JSON (line 1, column 15" in one_line_error(f)


def test_json_not_an_object(tmp_path):
    f = tmp_path / "list.json"
    f.write_text("[1, 2]")
    assert "expected a JSON object" in one_line_error(f)


def _valid_json() -> dict:
    return load_transcript(SAMPLES / "vendor_eval.srt").model_dump(mode="json")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["segments"][1].pop("end"), "field segments[1].end: Field required"),
        (lambda d: d["segments"][0]["words"][2].update(start="soon"), "field segments[0].words[2].start"),
        (lambda d: d["segments"][0].update(role="manager"), "field segments[0].role"),
        (lambda d: d.update(colour="blue"), "field colour: Extra inputs are not permitted"),
        (lambda d: d.pop("source"), "field source: Field required"),
        (lambda d: d["segments"][2].update(id=0), "field segments[2].id: duplicate segment id 0"),
        (lambda d: d["segments"][1].update(end=0.0), "field segments[1].end: 0.0 is before start"),
        (lambda d: d.update(version=99), "field version: transcript format 99 is newer"),
    ],
)
def test_broken_json_names_the_field(tmp_path, change, field):
    data = _valid_json()
    change(data)
    f = tmp_path / "call.json"
    f.write_text(json.dumps(data))
    assert field in one_line_error(f)


def test_txt_starting_with_brace_but_not_json_is_text(tmp_path):
    f = tmp_path / "odd.txt"
    f.write_text("{inaudible} Ana: we can start\n")
    assert load_transcript(f).source.format == "text"


# --------------------------------------------------------------------------- roles


def S(i: int, speaker: str, start: float) -> Segment:
    return Segment(id=i, start=start, end=start + 1, speaker=speaker, text="hi")


def test_assign_roles_defaults_and_copies():
    segments = [S(0, "unknown", 0), S(1, "Jordan", 1), S(2, "Alex", 2), S(3, "Jordan", 3)]
    roles = assign_roles(segments)
    # the first *named* speaker to talk is the rep; "unknown" stays unknown
    assert [s.role for s in roles] == ["unknown", "rep", "customer", "rep"]
    assert [s.role for s in segments] == ["unknown"] * 4  # inputs untouched
    assert roles[1] is not segments[1]


def test_assign_roles_prefers_left_channel_speaker():
    roles = assign_roles([S(0, "speaker_2", 0), S(1, "speaker_1", 1), S(2, "speaker_3", 2)])
    assert [s.role for s in roles] == ["customer", "rep", "customer"]


def test_assign_roles_given_rep_matches_ignoring_case():
    roles = assign_roles([S(0, "Alex Rivera", 0), S(1, "Jordan Lee", 1)], rep_speaker="jordan  lee")
    assert [s.role for s in roles] == ["customer", "rep"]


def test_assign_roles_unknown_rep_lists_speakers():
    with pytest.raises(ConfigError) as info:
        assign_roles([S(0, "Alex", 0), S(1, "Jordan", 1), S(2, "unknown", 2)], rep_speaker="Sam")
    message = str(info.value)
    assert "'Sam'" in message and "'Alex', 'Jordan'" in message and "\n" not in message
    with pytest.raises(ConfigError, match="every turn is 'unknown'"):
        assign_roles([S(0, "unknown", 0)], rep_speaker="unknown")


def test_assign_roles_empty():
    assert assign_roles([]) == [] and assign_roles([], rep_speaker="Alex") == []


def test_speaker_prefix_detection():
    lines = ["Alex Rivera: hi", "Step 1: plug it in", "what we need: speed", "rep: ok",
             "rep: sure", "Ana de Souza: olá", "speaker_2: yes", "Why not: no idea?", "10:30 works"]
    assert [name for name, _ in split_speaker_prefixes(lines)] == [
        "Alex Rivera", None, None, "rep", "rep", "Ana de Souza", "speaker_2", None, None]


# --------------------------------------------------------------------------- more shapes


def test_srt_without_blank_lines_between_cues(tmp_path):
    f = tmp_path / "squashed.srt"
    f.write_text("1\n00:00:00,000 --> 00:00:02,000\nAna: Hello there.\n2\n00:00:02,500 --> 00:00:04,000\n"
                 "Ben: Hi Ana.\n")
    t = load_transcript(f)
    assert turns(t) == [(0, 0.0, 2.0, "Ana", "rep", "Hello there."),
                        (1, 2.5, 4.0, "Ben", "customer", "Hi Ana.")]


def test_srt_content_in_a_txt_file(tmp_path):
    f = tmp_path / "captions.txt"
    f.write_bytes((SAMPLES / "vendor_eval.srt").read_bytes())
    t = load_transcript(f)
    assert t.source.format == "srt" and len(t.segments) == 4


def test_srt_that_is_plain_text_has_no_cues(tmp_path):
    f = tmp_path / "notes.srt"
    f.write_text("Ana: we talked about pricing\n")
    assert "has no cues" in one_line_error(f)


def test_partly_timestamped_text_warns_about_estimates(tmp_path):
    f = tmp_path / "mixed.txt"
    f.write_text("Ana: hello there\n[00:00:10] Ben: hi\n")
    t = load_transcript(f)
    assert [s.start for s in t.segments] == [0.0, 10.0]
    assert "timings are estimated" in t.warnings[0]


def test_documented_json_example_is_valid_and_its_metrics_are_real(tmp_path):
    from review.metrics import compute_metrics

    doc = (SAMPLES.parents[2] / "README.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    f = tmp_path / "example.json"
    f.write_text(example, encoding="utf-8")
    t = load_transcript(f)
    assert t.metrics == compute_metrics(t.segments, t.duration)
    assert [s.role for s in assign_roles(t.segments)] == [s.role for s in t.segments]


def _word_file(path, paragraphs):
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def test_a_transcript_saved_as_a_word_file_is_read_as_its_text(tmp_path):
    """Google Meet saves its transcript as a document: a title, a time alone on a line, then
    "Name: text" paragraphs; Teams writes "Name   0:05" over each turn."""
    meet = _word_file(tmp_path / "meet.docx", ["Weekly sync - Transcript", "Attendees: Alex Rivera, Jordan Lee",
                                               "00:00:01", "Alex Rivera: Thanks for joining.", "00:00:04",
                                               "Jordan Lee: Happy to."])
    t = load_transcript(meet)
    assert said(t) == [  # the title is no one's turn, never a quote
        ("Alex Rivera", 1.0, "Thanks for joining."), ("Jordan Lee", 4.0, "Happy to.")]
    assert "a title or header, not speech" in t.warnings[0] and "Weekly sync" in t.warnings[0]
    teams = _word_file(tmp_path / "teams.docx", ["Alex Rivera   0:01", "Thanks for joining.",
                                                 "Jordan Lee   0:04", "Happy to."])
    assert [(s.speaker, s.start) for s in load_transcript(teams, rep_speaker="Alex Rivera").segments] == [
        ("Alex Rivera", 1.0), ("Jordan Lee", 4.0)]


def test_a_word_file_that_is_not_one_or_unpacks_too_large_is_refused(tmp_path, monkeypatch):
    from review import docx_text

    fake = tmp_path / "call.docx"
    fake.write_bytes(b"Alex: hello, this is not a zip")
    with pytest.raises(InputError, match=r"call.docx: not a Word .docx file .*save it as .docx"):
        load_transcript(fake)
    import io
    import zipfile

    for parts, why in (({"notes.txt": "hello"}, "a zip archive without a Word document's parts"),
                       ({"[Content_Types].xml": "<Types", "word/document.xml": "<w:document"}, None)):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, body in parts.items():
                archive.writestr(name, body)
        fake.write_bytes(buffer.getvalue())
        with pytest.raises(InputError) as refused:  # said in words, not as a Python exception's name
            load_transcript(fake)
        assert "Error" not in str(refused.value) and str(refused.value).endswith("save it as .docx")
        assert why is None or why in str(refused.value)
    real = _word_file(tmp_path / "big.docx", ["Alex Rivera: hello there."])
    monkeypatch.setattr(docx_text, "MAX_XML_BYTES", 1000)  # a huge text part, scaled down
    with pytest.raises(InputError, match=r"big.docx: holds 0 MB of text markup, more than a Word document"):
        load_transcript(real)
    monkeypatch.setattr(docx_text, "MAX_UNPACKED_BYTES", 1000)  # as a zip bomb would be, scaled down
    with pytest.raises(InputError, match=r"big.docx: unpacks to 0 MB, more than a Word document holds"):
        load_transcript(real)


def test_sound_notes_alone_are_no_turns_in_plain_text(tmp_path):
    (tmp_path / "call.txt").write_text("[00:00:01] Alex Rivera: Thanks for joining.\n[00:00:03] [Music]\n"
                                       "[00:00:20] (hold music)\n[00:00:30] Jordan Lee: Sorry, I'm back.\n"
                                       "[00:00:33] Jordan Lee: (laughs)\n")
    assert said(load_transcript(tmp_path / "call.txt")) == [
        ("Alex Rivera", 1.0, "Thanks for joining."), ("Jordan Lee", 30.0, "Sorry, I'm back.")]
    (tmp_path / "music.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:09.000\n[Music]\n")
    with pytest.raises(InputError, match="no cues with text"):
        load_transcript(tmp_path / "music.vtt")


def test_plain_text_that_names_nobody_has_a_turn_per_line_or_per_paragraph(tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("Hi, thanks for taking the call.\nSure, happy to chat.\nWhat is your timeline\nfor deciding?\n")
    assert [(s.speaker, s.text) for s in load_transcript(lines).segments] == [
        ("unknown", "Hi, thanks for taking the call."), ("unknown", "Sure, happy to chat."),
        ("unknown", "What is your timeline for deciding?")]  # a line ending mid-sentence goes on
    paragraphs = tmp_path / "paragraphs.txt"
    paragraphs.write_text("So what we need is a faster way.\nTo ship things across the border.\n\n"
                          "The current process is slow.\nAnd manual.\n")
    assert [s.text for s in load_transcript(paragraphs).segments] == [
        "So what we need is a faster way. To ship things across the border.", "The current process is slow. And manual."]
    named = tmp_path / "named.txt"  # where speakers are named, a line without a name still continues the turn
    named.write_text("Alex: Hi, thanks for taking the call.\nSure, let us start.\nSam: Great.\n")
    assert [(s.speaker, s.text) for s in load_transcript(named).segments] == [
        ("Alex", "Hi, thanks for taking the call. Sure, let us start."), ("Sam", "Great.")]


def test_the_rep_is_the_speaker_the_call_names_or_the_label_says_not_whoever_spoke_first(tmp_path):
    """A call often opens with the customer ("Hi, thanks for calling back"): the first speaker is only
    the last guess, after the call's rep by name and a label that is a role."""
    named = tmp_path / "named.txt"
    named.write_text("Jordan Lee: Hi, thanks for calling back.\nAlex Rivera: Of course. What happens today when an "
                     "order comes in?\nJordan Lee: We copy it into a spreadsheet.\n")
    roles = [(s.speaker, s.role) for s in load_transcript(named, rep_name="Alex Rivera").segments]
    assert roles == [("Jordan Lee", "customer"), ("Alex Rivera", "rep"), ("Jordan Lee", "customer")]
    first = tmp_path / "first-names.txt"  # "Alex" is Alex Rivera
    first.write_text("Jordan: Hi, thanks for calling back.\nAlex: Of course. What happens today?\n")
    assert load_transcript(first, rep_name="Alex Rivera").segments[1].role == "rep"
    assert load_transcript(first).segments[0].role == "rep"  # without the rep's name: the first to talk
    other = tmp_path / "another-alex.txt"  # Alex Chen is not Alex Rivera
    other.write_text("Sam: Hi, thanks for calling back.\nAlex Chen: Of course. What happens today?\n")
    assert [s.role for s in load_transcript(other, rep_name="Alex Rivera").segments] == ["rep", "customer"]
    # the rep given as a speaker still wins, and the call's rep not in the file changes nothing
    assert load_transcript(named, rep_speaker="Jordan Lee", rep_name="Alex Rivera").segments[0].role == "rep"
    assert load_transcript(named, rep_name="Sam Ortiz").segments[0].role == "rep"
    for text, rep in (("Prospect: Hi, thanks for calling back.\nRep: Of course. What happens today?\n", "Rep"),
                      ("Customer: Hi there.\nSales Rep: Thanks for joining. What happens today?\n", "Sales Rep"),
                      ("Client 1: Hi there.\nAgent: Thanks for joining.\nClient 1: Sure.\n", "Agent"),
                      ("Prospect: Hi there.\nDana Kim: Thanks for joining.\n", "Dana Kim")):  # not the buyer
        f = tmp_path / "roles.txt"
        f.write_text(text)
        t = load_transcript(f)
        assert [s.speaker for s in t.segments if s.role == "rep"] == [rep], text
    # a label that is the role shows the rep's name, or itself, not "Rep (rep)"
    f = tmp_path / "roles.txt"
    f.write_text("Prospect: Hi, thanks for calling back.\nRep: Of course. What happens today?\n")
    from review.speakers import display_names
    assert display_names(load_transcript(f).segments, "Alex Rivera") == {"Prospect": "Prospect", "Rep": "Alex Rivera (rep)"}
    assert display_names(load_transcript(f).segments) == {"Prospect": "Prospect", "Rep": "Rep"}


def test_a_name_with_the_company_in_parentheses_is_a_speaker(tmp_path):
    f = tmp_path / "companies.txt"
    f.write_text("Jordan Lee (Acme Corp): Hi, thanks for calling back.\nAlex Rivera (Rautwise): Of course. What "
                 "happens today?\nJordan Lee (Acme Corp): We copy it.\nNote (draft): not a speaker\n")
    t = load_transcript(f, rep_name="Alex Rivera")
    assert [(s.speaker, s.role) for s in t.segments] == [
        ("Jordan Lee (Acme Corp)", "customer"), ("Alex Rivera (Rautwise)", "rep"),
        ("Jordan Lee (Acme Corp)", "customer")]
    assert t.segments[2].text == "We copy it. Note (draft): not a speaker"
    assert load_transcript(f, rep_speaker="alex rivera").segments[1].role == "rep"


def test_the_speaker_who_introduces_themselves_by_the_rep_s_name_is_the_rep():
    from review.speakers import assign_roles, rep_in_speech
    from review.types import Segment

    def turns(*said: tuple[str, str]) -> list[Segment]:
        return [Segment(id=i, start=float(i), end=i + 0.9, speaker=who, text=text) for i, (who, text) in enumerate(said)]

    call = turns(("speaker_1", "Hi Alex, thanks for calling back."),  # named by the customer: not an introduction
                 ("speaker_2", "Of course! This is Alex from Rautwise, is now still good?"),
                 ("speaker_1", "Sure."))
    assert rep_in_speech(call, "Alex Rivera") == ("speaker_2", "introduced themselves as Alex")
    assert [s.role for s in assign_roles(call, rep_name="Alex Rivera")] == ["customer", "rep", "customer"]
    assert [s.role for s in assign_roles(call)] == ["rep", "customer", "rep"]  # without the rep's name: speaker_1
    assert rep_in_speech(call, "Sam Ortiz") is None and rep_in_speech(call, None) is None
    both = turns(("speaker_1", "I'm Alex."), ("speaker_2", "Alex here too, funny."))
    assert rep_in_speech(both, "Alex Rivera") is None  # two say so: no one is picked
    late = turns(*[("speaker_1", "Okay.")] * 3, ("speaker_1", "My name is Alex, by the way."), ("speaker_2", "Hi."))
    assert rep_in_speech(late, "Alex Rivera") is None  # an introduction comes in the first turns
    # greeted by the rep's name: on a two-person call the other one is the rep
    from review.speakers import rep_in_speech
    greeted = turns(("speaker_1", "Hi Alex, thanks for calling back."), ("speaker_2", "Of course, Jordan."))
    assert rep_in_speech(greeted, "Alex Rivera") == ("speaker_2", "greeted as Alex by speaker_1")
    assert rep_in_speech(turns(("speaker_1", "Sure thing."), ("speaker_2", "Great, thanks, Alex.")),
                         "Alex Rivera") == ("speaker_1", "greeted as Alex by speaker_2")
    three = turns(("speaker_1", "Hi Alex, thanks for calling back."), ("speaker_2", "Of course."),
                  ("speaker_3", "Hello all."))
    assert rep_in_speech(three, "Alex Rivera") is None  # three people: the greeted one is not told apart


def test_a_mono_recording_s_rep_is_the_speaker_who_introduces_themselves_before_the_first_to_talk():
    """On a mono call with no voice profile the rep was the first to talk; an inbound call opens with the
    customer. The one who introduces themselves by the rep's name now wins, and the note says why."""
    from review.transcribe import _attribution
    from review.types import Segment

    segments = [Segment(id=0, start=0.0, end=2.0, speaker="speaker_1", text="Hello, Acme logistics, Jordan speaking."),
                Segment(id=1, start=2.5, end=5.0, speaker="speaker_2", text="Hi Jordan, it's Alex from Rautwise.")]
    chosen = _attribution("voices", segments, None, None, {}, "Alex Rivera")
    assert chosen.rep_speaker == "speaker_2" and chosen.model.rep_chosen_by == "what was said"
    assert chosen.note == "rep is speaker_2 (introduced themselves as Alex)"
    guessed = _attribution("voices", segments, None, None, {}, "Sam Ortiz")
    assert guessed.rep_speaker == "speaker_1" and guessed.model.rep_chosen_by == "first speaker"
    assert _attribution("channels", segments, None, None, {}, "Alex Rivera").model.rep_chosen_by == "left channel"


def test_a_mono_call_opening_with_unplaced_words_names_its_first_voice_as_the_rep_not_unknown():
    """Words the diarizer placed in no turn come first: the note said "rep is unknown (the first to speak)"
    while the roles made speaker_1 the rep. The note and the roles now come from one choice."""
    from review.speakers import assign_roles
    from review.transcribe import _attribution
    from review.types import Segment

    segments = [Segment(id=0, start=0.0, end=0.5, speaker="unknown", text="Hello?"),
                Segment(id=1, start=1.0, end=3.0, speaker="speaker_1", text="Hi, thanks for taking the call."),
                Segment(id=2, start=3.5, end=5.0, speaker="speaker_2", text="Sure, go ahead.")]
    chosen = _attribution("voices", segments, None, None, {}, "Sam Ortiz")
    assert chosen.note.startswith("rep is speaker_1 (the first to speak)")
    roles = assign_roles(segments, chosen.rep_speaker)
    assert [s.role for s in roles] == ["unknown", "rep", "customer"]
    nobody = [segments[0]]
    assert _attribution("voices", nobody, None, None, {}, None).model.rep_chosen_by == "none"


def test_choose_rep_says_how_the_rep_was_chosen():
    from review.speakers import choose_rep
    from review.types import Segment

    def turns(*said: tuple[str, str]) -> list[Segment]:
        return [Segment(id=i, start=float(i), end=i + 0.9, speaker=who, text=text) for i, (who, text) in enumerate(said)]

    named = turns(("Jordan Lee", "Hi, thanks for calling back."), ("Alex", "Of course."))
    assert (choose_rep(named, None, "Alex Rivera").speaker, choose_rep(named, None, "Alex Rivera").how) == ("Alex", "name")
    assert choose_rep(named, "jordan lee").how == "given" and choose_rep(named, "jordan lee").speaker == "Jordan Lee"
    labelled = turns(("Customer", "Hello?"), ("Sales Rep", "Hi there."))
    assert (choose_rep(labelled).speaker, choose_rep(labelled).how) == ("Sales Rep", "label")
    said = turns(("speaker_1", "Hello, Acme."), ("speaker_2", "Hi, this is Alex from Rautwise."))
    found = choose_rep(said, None, "Alex Rivera")
    assert (found.speaker, found.how, found.reason) == ("speaker_2", "what was said", "introduced themselves as Alex")
    assert choose_rep(said).how == "speaker_1" and choose_rep(said).guessed
    buyer_first = turns(("Prospect", "Hi."), ("Jamie", "Hello Taylor."))
    assert (choose_rep(buyer_first).speaker, choose_rep(buyer_first).how) == ("Jamie", "first to talk")
    assert choose_rep(turns(("unknown", "Hi."))).how == "none" and choose_rep(turns(("unknown", "Hi."))).speaker is None
    assert not choose_rep(named, None, "Alex Rivera").guessed


def test_a_two_channel_call_whose_right_channel_introduces_itself_as_the_rep_is_doubted():
    from review.speakers import left_channel_doubt
    from review.types import Segment

    wired = [Segment(id=0, start=0.0, end=2.0, speaker="speaker_1", text="Hello, Acme logistics."),
             Segment(id=1, start=2.5, end=5.0, speaker="speaker_2", text="Hi, this is Alex from Rautwise.")]
    assert left_channel_doubt(wired, "Alex Rivera") == (
        "speaker_2 introduced themselves as Alex, but the rep is taken to be speaker_1 (the left channel); if the "
        "rep is on the other channel, say who the rep is (the call page's Manage this call -> Who is the rep, or "
        "--rep-speaker speaker_2)")
    assert left_channel_doubt(wired, "Sam Ortiz") is None
    wired[1].speaker, wired[0].speaker = "speaker_1", "speaker_2"
    assert left_channel_doubt(wired, "Alex Rivera") is None  # the left channel said it: as expected
