"""The methodology library: loading with one-line errors, listing, lookup, import (YAML and
playbooks, with and without an LLM engine) and the `callreview methodology` commands."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from fakes import fake_engine

from review.cli import main
from review.errors import InputError, LLMError, MethodologyError
from review.methodology import (
    LoadedMethodology,
    MethodologyLibrary,
    field_path,
    load_methodology_file,
    methodology_to_yaml,
)
from review.schema import Methodology
from testkit.playbook import playbook_to_methodology

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "methodology").glob("*.yaml"))
SAMPLES = REPO / "tests" / "data" / "methodology"
EXPECTED_SHIPPED = {
    "discovery", "meddpicc", "bant", "spin", "challenger", "sandler", "gap_selling",
    "command_of_the_message",
}


def line_of(path: Path, text: str) -> int:
    """1-based line of the first line of `path` that contains `text`."""
    for n, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return n
    raise AssertionError(f"{text!r} not in {path}")


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def library(settings) -> MethodologyLibrary:
    return MethodologyLibrary(settings)


# --------------------------------------------------------------------------- shipped files


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_file_validates(path):
    loaded = load_methodology_file(path, origin="shipped")
    assert loaded.methodology.id == path.stem
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_eight_shipped_methodologies_are_listed(library):
    listed = library.list()
    ids = [loaded.methodology.id for loaded in listed]
    assert EXPECTED_SHIPPED <= set(ids)
    assert ids == sorted(ids)
    assert all(loaded.origin == "shipped" for loaded in listed)
    assert library.problems == []


# --------------------------------------------------------------------------- loading errors


def test_good_sample_loads_with_hash_and_origin():
    path = SAMPLES / "team_demo.yaml"
    loaded = load_methodology_file(path)
    assert isinstance(loaded, LoadedMethodology)
    assert loaded.origin == "team" and loaded.path == path
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    m = loaded.methodology
    assert (m.id, m.version, len(m.criteria)) == ("team_demo", "2.1", 3)
    assert m.criterion("tailored_demo").weight == 1.5


def test_invalid_yaml_names_line_and_column():
    path = SAMPLES / "broken_yaml.yaml"
    with pytest.raises(MethodologyError) as err:
        load_methodology_file(path)
    msg = str(err.value)
    line = path.read_text().splitlines().index("   section: setup") + 1  # the mis-indented line
    assert msg.startswith(f"{path}:{line}:4: invalid YAML: ")
    assert msg.endswith("fix the indentation/quoting there")
    assert "\n" not in msg


def test_misspelled_key_suggests_the_known_key_and_its_line():
    path = SAMPLES / "misspelled_key.yaml"
    with pytest.raises(MethodologyError) as err:
        load_methodology_file(path)
    assert str(err.value) == (
        f"{path}:{line_of(path, 'weigth:')}: criteria[1].weigth: unknown key 'weigth' — did you mean 'weight'?"
    )


def test_unknown_key_without_a_close_match_lists_allowed_keys(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text((SAMPLES / "team_demo.yaml").read_text().replace(
        "      likely_solution: training\n", "      likely_solution: training\n      owner: dana\n"))
    with pytest.raises(MethodologyError, match=r"criteria\[1\]\.coaching\.owner: unknown key 'owner'; "
                       r"allowed keys here: usual_cause, drill, likely_solution$"):
        load_methodology_file(path)


def test_duplicate_criterion_ids_are_named_at_the_second_one():
    path = SAMPLES / "duplicate_ids.yaml"
    with pytest.raises(MethodologyError) as err:
        load_methodology_file(path)
    second = [n for n, line in enumerate(path.read_text().splitlines(), 1) if "id: use_case_confirmed" in line][1]
    assert str(err.value).startswith(f"{path}:{second}: criteria[1].id: duplicate criterion id(s): use_case_confirmed")


def test_section_reference_to_a_missing_section():
    path = SAMPLES / "missing_section.yaml"
    with pytest.raises(MethodologyError) as err:
        load_methodology_file(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line_of(path, 'section: closing')}: criteria[2].section: ")
    assert "names section 'closing'" in msg and "setup, wrap_up" in msg


def test_levels_must_be_scored_from_zero():
    path = SAMPLES / "bad_levels.yaml"
    with pytest.raises(MethodologyError) as err:
        load_methodology_file(path)
    msg = str(err.value)
    levels_lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.strip() == "levels:"]
    assert msg.startswith(f"{path}:{levels_lines[2]}: criteria[2].levels: ")
    assert "0, 1, 2" in msg and "[1, 2, 3]" in msg


def test_several_errors_give_the_first_in_file_order_and_a_count():
    path = SAMPLES / "several_errors.yaml"
    with pytest.raises(MethodologyError) as err:
        load_methodology_file(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line_of(path, 'weigth:')}: criteria[1].weigth: unknown key")
    assert msg.endswith("(and 2 more)") and "\n" not in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("", "must be a YAML mapping"),
        ("id: x\nid: y\n", ":2: top level: key 'id' appears twice"),
        ("id: Bad Id\nname: n\nversion: 1.0\ndescription: d\nsections: []\ncriteria: []\n",
         ":1: id: 'Bad Id' is not a valid id"),
    ],
)
def test_other_malformed_files(tmp_path, text, expected):
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(MethodologyError, match=expected):
        load_methodology_file(path)


def test_unquoted_number_for_text_says_to_quote(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text((SAMPLES / "team_demo.yaml").read_text().replace('version: "2.1"', "version: 2.1"))
    with pytest.raises(MethodologyError, match=r":4: version: expected text, got 2\.1; put the value in quotes$"):
        load_methodology_file(path)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_methodology_file(tmp_path / "nope.yaml")


def test_field_path():
    assert field_path(("criteria", 3, "weigth")) == "criteria[3].weigth"
    assert field_path(("criteria", 0, "levels", 1, "label")) == "criteria[0].levels[1].label"
    assert field_path(()) == ""


# --------------------------------------------------------------------------- library lookup


def test_get_by_id_or_case_insensitive_name(library):
    assert library.get("bant").methodology.id == "bant"
    assert library.get("MeDdPiCc").methodology.id == "meddpicc"
    by_name = library.get(library.get("discovery").methodology.name.upper())
    assert by_name.methodology.id == "discovery"


def test_unknown_methodology_lists_the_known_ones(library):
    with pytest.raises(MethodologyError) as err:
        library.get("medpic")
    msg = str(err.value)
    ids = [loaded.methodology.id for loaded in library.list()]
    assert msg.startswith(f"unknown methodology 'medpic'; known: {', '.join(ids)}")
    assert msg.endswith("did you mean 'meddpicc'?")


def test_broken_team_file_is_skipped_and_recorded(library):
    shutil.copy(SAMPLES / "misspelled_key.yaml", library.team_dir / "misspelled_key.yaml")
    shutil.copy(SAMPLES / "team_demo.yaml", library.team_dir / "team_demo.yaml")
    ids = {loaded.methodology.id: loaded.origin for loaded in library.list()}
    assert ids["team_demo"] == "team" and "bant" in ids
    assert len(library.problems) == 1 and "unknown key 'weigth'" in library.problems[0]
    # Asking for the broken file by its name gives its error, not "unknown methodology".
    with pytest.raises(MethodologyError, match="did you mean 'weight'"):
        library.get("misspelled_key")


def test_team_file_reusing_a_shipped_id_is_skipped(library):
    text = (SAMPLES / "team_demo.yaml").read_text().replace("id: team_demo", "id: bant")
    (library.team_dir / "copy.yaml").write_text(text)
    assert library.get("bant").origin == "shipped"
    assert any("already used" in p for p in library.problems)


# --------------------------------------------------------------------------- import


def test_import_yaml_keeps_the_file_as_written(library):
    loaded = library.import_file(SAMPLES / "team_demo.yaml")
    assert loaded.origin == "team" and loaded.path == library.team_dir / "team_demo.yaml"
    assert loaded.path.read_bytes() == (SAMPLES / "team_demo.yaml").read_bytes()  # comments kept
    assert library.get("team_demo").sha256 == loaded.sha256
    assert [p.name for p in library.team_dir.iterdir()] == ["team_demo.yaml"]  # no temp file left


def test_import_with_new_id_changes_only_the_id(library):
    loaded = library.import_file(SAMPLES / "team_demo.yaml", new_id="demo_v2")
    assert loaded.path.name == "demo_v2.yaml" and loaded.methodology.id == "demo_v2"
    original = (SAMPLES / "team_demo.yaml").read_text()
    assert loaded.path.read_text() == original.replace("id: team_demo", "id: demo_v2", 1)


def test_new_id_is_added_to_a_file_without_one_and_syntax_errors_still_win(library, tmp_path):
    path = tmp_path / "no_id.yaml"
    path.write_text((SAMPLES / "team_demo.yaml").read_text().replace("id: team_demo\n", ""))
    with pytest.raises(MethodologyError, match="required key 'id' is missing; add it"):
        library.validate_file(path)
    assert library.import_file(path, new_id="added").methodology.id == "added"
    with pytest.raises(MethodologyError, match="invalid YAML"):
        library.import_file(SAMPLES / "broken_yaml.yaml", new_id="other")
    with pytest.raises(MethodologyError, match="--id 'Not A Slug' is not a valid id"):
        library.import_file(SAMPLES / "team_demo.yaml", new_id="Not A Slug")


def test_import_refuses_a_shipped_id(library, tmp_path):
    path = tmp_path / "bant_copy.yaml"
    path.write_text((SAMPLES / "team_demo.yaml").read_text().replace("id: team_demo", "id: bant"))
    with pytest.raises(MethodologyError, match=r"'bant' is a shipped methodology; .*--id NEW_ID"):
        library.import_file(path)
    assert list(library.team_dir.iterdir()) == []
    assert library.import_file(path, new_id="our_bant").methodology.id == "our_bant"


@pytest.mark.parametrize("broken", ["broken_yaml.yaml", "misspelled_key.yaml", "duplicate_ids.yaml",
                                    "missing_section.yaml", "bad_levels.yaml", "no_criteria.md"])
def test_failed_import_leaves_the_team_folder_unchanged(library, broken):
    library.import_file(SAMPLES / "team_demo.yaml")
    library.import_file(SAMPLES / "playbook.md")
    before = folder_snapshot(library.team_dir)
    with pytest.raises(MethodologyError):
        library.import_file(SAMPLES / broken)
    assert folder_snapshot(library.team_dir) == before


def test_reimport_replaces_only_after_the_new_file_validates(library, tmp_path):
    library.import_file(SAMPLES / "team_demo.yaml")
    before = folder_snapshot(library.team_dir)
    bad = tmp_path / "team_demo.yaml"
    bad.write_text((SAMPLES / "misspelled_key.yaml").read_text())
    with pytest.raises(MethodologyError):
        library.import_file(bad)
    assert folder_snapshot(library.team_dir) == before
    newer = tmp_path / "newer.yaml"
    newer.write_text((SAMPLES / "team_demo.yaml").read_text().replace('version: "2.1"', 'version: "2.2"'))
    with pytest.raises(MethodologyError, match="--replace"):  # same id: never replaced silently
        library.import_file(newer)
    assert folder_snapshot(library.team_dir) == before
    assert library.import_file(newer, replace=True).methodology.version == "2.2"
    assert library.get("team_demo").methodology.version == "2.2"
    assert [p.name for p in library.team_dir.iterdir() if p.is_file()] == ["team_demo.yaml"]


def test_import_markdown_playbook(library):
    loaded = library.import_file(SAMPLES / "playbook.md")
    m = loaded.methodology
    assert (m.id, m.name) == ("acme_discovery_playbook", "Acme Discovery Playbook")
    assert m.description == "How we run first calls with mid-market logistics buyers."
    assert [s.id for s in m.sections] == ["opening", "discovery", "close"]
    assert [(c.id, c.section) for c in m.criteria] == [
        ("set_the_agenda", "opening"), ("introductions", "opening"),
        ("current_process", "discovery"), ("quantify_the_pain", "discovery"),
        ("decision_process", "discovery"), ("next_step_agreed_with_a_date", "close"),
    ]
    agenda = m.criterion("set_the_agenda")
    assert agenda.name == "Set the agenda"  # bold marks removed, cut at ':'
    assert agenda.question == "Did the rep confirm time, purpose and the outcome of the call?"
    assert [lv.score for lv in agenda.levels] == [0, 1, 2]
    assert [lv.label for lv in agenda.levels] == ["Not covered", "Vague", "Specific and confirmed"]
    assert {r"\bagenda\w*", r"\bpurpose\w*"} <= set(agenda.keywords)
    assert not any("the" in k for k in agenda.keywords)
    assert "Set the agenda" in agenda.coaching.usual_cause and "Set the agenda" in agenda.coaching.drill
    assert m.criterion("introductions").question == "Did the rep learn the buyer's role and what they own?"
    assert m.criterion("current_process").question == "Did the rep ask how they handle dispatch today?"
    assert m.criterion("decision_process").good_examples == ["Who else needs to be involved in this decision?"]
    # The stored file is valid YAML in the schema and reloads to the same methodology.
    assert load_methodology_file(loaded.path).methodology == m


def test_import_plain_text_playbook(library):
    m = library.import_file(SAMPLES / "playbook.txt").methodology
    assert m.name == "Acme qualification checklist"
    assert [(s.id, s.name) for s in m.sections] == [("budget", "BUDGET"), ("timeline", "Timeline")]
    assert [c.id for c in m.criteria] == [
        "budget_confirmed", "rep_asks_who_approves_the_spend", "go_live_date_tied_to_a_business_event",
        "decision_date_confirmed_by_the_buyer",
    ]
    assert m.criterion("rep_asks_who_approves_the_spend").question == "Did the rep ask who approves the spend?"
    assert m.criterion("budget_confirmed").section == "budget"


def test_playbook_ids_are_unique_and_untitled_text_is_named_after_the_file():
    m = playbook_to_methodology("Pain\nPain\n- Pain\n", "q3_call-guide.txt")
    assert m.name == "Q3 call guide" and m.id == "q3_call_guide"
    assert [c.id for c in m.criteria] == ["pain", "pain_2", "pain_3"]
    assert [s.name for s in m.sections] == ["General"]


def test_markdown_rules_and_empty_bullets_are_ignored():
    text = "Sales guide\n===========\n\n## Close\n---\n- \n- Next step: book the follow-up meeting\n* * *\n"
    m = playbook_to_methodology(text, "guide.md")
    assert [c.id for c in m.criteria] == ["next_step"]
    assert m.criterion("next_step").question == "Did the rep book the follow-up meeting?"
    assert m.criterion("next_step").keywords == [r"\bnext\w*", r"\bstep\w*", r"\bfollow\-up\w*", r"\bmeeting\w*"]


def test_playbook_without_criteria_says_what_is_needed():
    with pytest.raises(MethodologyError, match=r"^no_criteria\.md: no criteria found; a playbook needs '#'/'##'"):
        playbook_to_methodology((SAMPLES / "no_criteria.md").read_text(), "no_criteria.md")
    with pytest.raises(MethodologyError, match="lines ending in ':'"):
        playbook_to_methodology("\n\nTITLE:\n", "empty.txt")


def test_unsupported_file_type_is_refused(library, tmp_path):
    path = tmp_path / "playbook.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match=r"cannot import a '\.pdf' file; .* \.md, \.txt, \.docx or \.csv \(copy its text into a \.txt file\)$"):
        library.import_file(path)
    broken = tmp_path / "playbook.docx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"^playbook\.docx: not a Word \.docx file .*save it as \.docx$"):
        library.import_file(broken)
    assert not library.team_dir.exists() or list(library.team_dir.iterdir()) == []


def test_an_unreachable_engine_stops_the_import_instead_of_guessing():
    import httpx2
    import openai

    down = openai.APIConnectionError(request=httpx2.Request("POST", "http://llm.test/v1/chat/completions"))
    with pytest.raises(LLMError, match="unreachable"):
        playbook_to_methodology("# Demo\n## Setup\n- Recap\n", "demo.md", engine=fake_engine(error=down))


def test_methodology_to_yaml_round_trips():
    m = load_methodology_file(SAMPLES / "team_demo.yaml").methodology
    assert Methodology.model_validate(yaml.safe_load(methodology_to_yaml(m))) == m


# --------------------------------------------------------------------------- CLI


def test_cli_list(settings, capsys):
    MethodologyLibrary(settings).import_file(SAMPLES / "team_demo.yaml")
    assert main(["methodology", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "NAME", "VERSION", "CRITERIA", "ORIGIN"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["team_demo"][-3:] == ["2.1", "3", "team"]
    assert rows["bant"][-1] == "shipped"
    assert set(rows) == {loaded.methodology.id for loaded in MethodologyLibrary(settings).list()}


def test_cli_list_warns_about_a_broken_team_file(settings, capsys):
    shutil.copy(SAMPLES / "duplicate_ids.yaml", settings.user_methodology_path / "dup.yaml")
    assert main(["methodology", "list"]) == 0
    captured = capsys.readouterr()
    assert "bant" in captured.out
    assert captured.err.startswith("callreview: warning: skipped ") and "duplicate criterion id" in captured.err


def test_cli_show(settings, capsys):
    assert main(["methodology", "show", "BANT"]) == 0
    out = capsys.readouterr().out
    bant = load_methodology_file(REPO / "methodology" / "bant.yaml").methodology
    for c in bant.criteria:
        assert c.question in out and c.coaching.drill in out
        assert f"- {c.name} ({c.id})" in out
    for s in bant.sections:
        assert f"## {s.name} ({s.id})" in out
    assert "Shown by: " in out and "weight " in out and "Levels:" in out


def test_cli_show_unknown(settings, capsys):
    assert main(["methodology", "show", "spinn"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("callreview: error: unknown methodology 'spinn'; known: ")
    assert err.count("\n") == 1 and "did you mean 'spin'?" in err


def test_cli_validate(settings, capsys):
    assert main(["methodology", "validate", str(SAMPLES / "team_demo.yaml")]) == 0
    assert capsys.readouterr().out == "OK: team_demo v2.1, 3 criteria\n"
    assert main(["methodology", "validate", str(SAMPLES / "misspelled_key.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "did you mean 'weight'?" in err
    assert list(settings.user_methodology_path.iterdir()) == []  # validate writes nothing


def test_cli_validate_previews_a_playbook(settings, capsys):
    assert main(["methodology", "validate", str(SAMPLES / "playbook.md")]) == 0
    assert capsys.readouterr().out == "OK: acme_discovery_playbook v1.0, 6 criteria\n"
    assert main(["methodology", "validate", str(SAMPLES / "no_criteria.md")]) == 2
    assert capsys.readouterr().err.startswith("callreview: error: no_criteria.md: no criteria found")


def test_cli_import(settings, capsys):
    assert main(["methodology", "import", str(SAMPLES / "playbook.txt"), "--id", "acme_qual"]) == 0
    out = capsys.readouterr().out
    target = settings.user_methodology_path / "acme_qual.yaml"
    assert out.startswith("playbook.txt: 2 section(s), 4 criteria (drafted by rules)\n")
    assert out.endswith(f"Imported acme_qual v1.0, 4 criteria -> {target}\n")
    assert main(["methodology", "show", "acme_qual"]) == 0
    assert "Did the rep ask who approves the spend?" in capsys.readouterr().out


def test_cli_import_refuses_a_shipped_id(settings, capsys, tmp_path):
    path = tmp_path / "meddpicc.yaml"
    shutil.copy(REPO / "methodology" / "meddpicc.yaml", path)
    assert main(["methodology", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--id NEW_ID" in err
    assert main(["methodology", "import", str(path), "--id", "our_meddpicc"]) == 0
    assert [p.name for p in settings.user_methodology_path.iterdir()] == ["our_meddpicc.yaml"]


def test_cli_methodology_without_action_prints_help(settings, capsys):
    assert main(["methodology"]) == 2
    assert "ACTION" in capsys.readouterr().out
