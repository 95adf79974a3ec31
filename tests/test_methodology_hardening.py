"""Hostile and broken methodology files (issue 12): alias bombs, deep nesting, huge files, absurd
weights, empty names, catastrophic keyword regexes, and imports that would replace another
team's methodology. Each is refused quickly with one line, and nothing the team made is lost."""

from __future__ import annotations

import copy
import time
import warnings
from pathlib import Path

import pytest
import yaml
from test_app import seams, store  # noqa: F401  (fixtures for the Settings page test)

from review.cli import main
from review.errors import MethodologyError
from review.keywords import KeywordTimeoutWarning, keyword_problem, search_keyword
from review.methodology import MethodologyLibrary, parse_methodology_bytes
from review.rules import keyword_hits

SAMPLES = Path(__file__).resolve().parent / "data" / "methodology"
DEMO = yaml.safe_load((SAMPLES / "team_demo.yaml").read_text())


def demo_with(change) -> bytes:
    data = copy.deepcopy(DEMO)
    change(data)
    return yaml.safe_dump(data, sort_keys=False).encode()


def refused(raw: bytes, seconds: float = 3.0) -> str:
    started = time.monotonic()
    with pytest.raises(MethodologyError) as caught:
        parse_methodology_bytes(raw, "team.yaml")
    assert time.monotonic() - started < seconds
    message = str(caught.value)
    assert "\n" not in message and message.startswith("team.yaml")
    return message


# --------------------------------------------------------------------------- item 4: alias bomb, depth, size

ALIAS_BOMB = "\n".join(
    [f'a: &a [{",".join(["lol"] * 9)}]']
    + [f"{b}: &{b} [{','.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"


def test_a_yaml_alias_bomb_is_refused_in_milliseconds():
    assert len(ALIAS_BOMB) < 400  # 9^9 = 387 million "lol"s when expanded
    assert "more than 100,000 values" in refused(ALIAS_BOMB.encode(), seconds=1.0)


def test_a_bomb_inside_a_valid_looking_methodology_is_refused_through_the_cli(settings, tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text((SAMPLES / "team_demo.yaml").read_text() + ALIAS_BOMB.replace("a: &a", "x_a: &a"))
    started = time.monotonic()
    assert main(["methodology", "import", str(path)]) == 2
    assert main(["methodology", "validate", str(path)]) == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "aliases" in err
    assert not settings.user_methodology_path.exists() or not any(settings.user_methodology_path.iterdir())


def test_a_few_aliases_are_still_allowed():
    text = (SAMPLES / "team_demo.yaml").read_text()
    data = yaml.safe_load(text)
    assert data["criteria"][0]["levels"][0]["label"]
    # re-use the first criterion's coaching block in the second one through an anchor
    lines = text.replace("    coaching:\n", "    coaching: &shared\n", 1)
    assert "&shared" in lines
    parse_methodology_bytes(lines.encode(), "team.yaml")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "- " * 300_000 + "x", "{a: " * 50_000 + "1"])
def test_deep_nesting_is_refused_without_crashing_the_yaml_parser(text):
    assert "nested more than 20 levels" in refused(text.encode())


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# padding\n" * 150_000)
    with pytest.raises(MethodologyError, match=r"1,500,000 bytes, over the 1,000,000-byte limit"):
        MethodologyLibrary.__new__(MethodologyLibrary)._convert(path)
    assert "over the 1,000,000-byte limit" in refused(b"#" * 1_000_001)


def test_100000_levels_are_refused():
    text = (SAMPLES / "team_demo.yaml").read_text()
    huge = "\n".join(f"      - {{score: {i}, label: x, description: y}}" for i in range(100_000))
    text = text.replace("    levels:\n", f"    levels:\n{huge}\n    old_levels:\n", 1)
    assert "over the 1,000,000-byte limit" in refused(text.encode())
    # under the size limit, the level limit says what is wrong
    levels = [{"score": i, "label": "x", "description": "y"} for i in range(40)]
    message = refused(demo_with(lambda d: d["criteria"][0].update(levels=levels)))
    assert "criteria[0].levels: 40 entries, over the limit of 11" in message


def test_too_many_criteria_are_refused():
    message = refused(demo_with(lambda d: d.update(criteria=[
        {**c, "id": f"c{i}_{c['id']}"} for i in range(70) for c in d["criteria"]])))
    assert "criteria: 210 entries, over the limit of 200" in message


# --------------------------------------------------------------------------- item 16 / 19: weights and names


@pytest.mark.parametrize("weight", [float("inf"), float("nan"), -1.0, 0.0, 1e9, True, False])
def test_absurd_weights_are_refused_naming_the_criterion(weight):
    message = refused(demo_with(lambda d: d["criteria"][1].update(weight=weight)))
    assert "criteria[1].weight: criterion 'tailored_demo': weight" in message and "at most 100" in message


@pytest.mark.parametrize("text", ["weight: .inf", "weight: .nan", "weight: -.inf"])
def test_yaml_infinity_spelled_out_is_refused(text):
    raw = (SAMPLES / "team_demo.yaml").read_text().replace("weight: 1.5", text, 1)
    assert text in raw
    assert "is not allowed" in refused(raw.encode())


def test_normal_weights_still_validate():
    low = parse_methodology_bytes(demo_with(lambda d: d["criteria"][1].update(weight=0.5)), "team.yaml")
    high = parse_methodology_bytes(demo_with(lambda d: d["criteria"][1].update(weight=100)), "team.yaml")
    assert (low.criteria[1].weight, high.criteria[1].weight) == (0.5, 100)


@pytest.mark.parametrize("field", ["name", "question"])
def test_an_empty_criterion_name_or_question_is_refused(field):
    message = refused(demo_with(lambda d: d["criteria"][2].update({field: "  "})))
    assert f"criteria[2].{field}: criterion 'next_step_dated': {field} is empty" in message


def test_an_empty_section_or_methodology_name_is_refused():
    assert "section 'setup': name is empty" in refused(demo_with(lambda d: d["sections"][0].update(name="")))
    assert "methodology's name is empty" in refused(demo_with(lambda d: d.update(name="")))


def test_a_playbook_heading_with_no_text_never_becomes_a_nameless_criterion(library_settings_dir):
    library, folder = library_settings_dir
    path = folder / "empty_heading.md"
    path.write_text("# Team playbook\n\n## Discovery\n\n### \n\n- \n-   \n\n### Budget\n\n- Ask about budget\n")
    try:
        loaded = library.validate_file(path)
    except MethodologyError as exc:  # refusing is fine; a criterion with no name is not
        assert "\n" not in str(exc)
        return
    assert all(c.name.strip() for c in loaded.methodology.criteria)


@pytest.fixture
def library_settings_dir(settings, tmp_path):
    return MethodologyLibrary(settings), tmp_path


# --------------------------------------------------------------------------- item 5: keyword regexes


@pytest.mark.parametrize("pattern, problem", [
    (r"^(\w+\s?)*$", "nests a repeat inside another repeat"),
    (r"(a+)+b", "nests a repeat inside another repeat"),
    (r"(x|xy)*z", "repeats an alternation"),
    (r".*a.*b.*c.*d.*e.*f.*g", "more than 6 unbounded repeats"),
    ("budget(", "not a valid regular expression"),
    ("x" * 501, "limit 500"),
    ("  ", "is empty"),
])
def test_unsafe_or_invalid_keywords_are_refused_at_validation(pattern, problem):
    assert problem in keyword_problem(pattern)
    message = refused(demo_with(lambda d: d["criteria"][0].update(keywords=["use case", pattern])))
    assert "criteria[0].keywords: criterion 'use_case_confirmed': keyword" in message and problem in message


def test_the_catastrophic_keyword_is_refused_by_the_cli_in_one_line(settings, tmp_path, capsys):
    path = tmp_path / "team.yaml"
    path.write_bytes(demo_with(lambda d: d["criteria"][0].update(keywords=[r"^(\w+\s?)*$"])))
    assert main(["methodology", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and r"'^(\\w+\\s?)*$'" in err and "use_case_confirmed" in err


def test_shipped_style_keywords_are_accepted():
    for pattern in [r"\b(\w+ ){0,3}budget\b", r"\bsign(s|ed)? off\b", r"(\d{3})*", r"\b\d+(,\d{3})*\s?k\b",
                    r"(?<!no )\b(problems?|issues?)\b[^.!]*\?", "c++"]:
        assert keyword_problem(pattern) is None, pattern


def test_matching_is_bounded_even_for_a_pattern_that_skipped_validation():
    from review.schema import Criterion

    criterion = Criterion.model_construct(keywords=[r"(x+x+)+y", "budget"])  # model_construct: no checks
    turn = "x" * 5000
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert keyword_hits(criterion, turn) == []
        assert keyword_hits(criterion, turn + " budget") == ["budget"]
    assert time.monotonic() - started < 3
    assert [w.category for w in caught] in ([], [KeywordTimeoutWarning])
    assert search_keyword("budget", "x" * 30_000 + " budget") is None  # only the first 20,000 characters


# --------------------------------------------------------------------------- item 3: import never replaces silently


def _playbook(folder: Path, name: str, criteria: list[str]) -> Path:
    path = folder / name
    bullets = "\n".join(f"- {c}: ask about {c.lower()} and confirm it" for c in criteria)
    path.write_text(f"# Discovery Playbook\n\nOur first calls.\n\n## Discovery\n\n{bullets}\n")
    return path


def test_two_playbooks_with_one_title_never_silently_replace_each_other(settings, tmp_path, capsys):
    team_a = _playbook(tmp_path, "team_a.md", ["Budget", "Timeline", "Decision process"])
    team_b = _playbook(tmp_path, "team_b.md", ["Pain"])
    assert main(["methodology", "import", str(team_a)]) == 0
    stored = settings.user_methodology_path / "discovery_playbook.yaml"
    original = stored.read_bytes()
    capsys.readouterr()

    assert main(["methodology", "import", str(team_b)]) == 2
    err = capsys.readouterr().err
    [error] = [line for line in err.splitlines() if line.startswith("callreview: error:")]  # one line
    err = error
    assert "'discovery_playbook' is already used by the team methodology 'Discovery Playbook' (3 criteria" in err
    assert "--id NEW_ID" in err and "--replace" in err
    assert stored.read_bytes() == original

    assert main(["methodology", "import", str(team_b), "--id", "discovery_b"]) == 0
    assert stored.read_bytes() == original
    assert main(["methodology", "import", str(team_b), "--replace"]) == 0
    out = capsys.readouterr().out
    backups = list((settings.user_methodology_path / "versions").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original
    assert f"kept at {backups[0]}" in out
    library = MethodologyLibrary(settings)
    assert len(library.get("discovery_playbook").methodology.criteria) == 1
    assert len(library.get("discovery_b").methodology.criteria) == 1
    assert library.problems == []  # the backup folder is not read as a methodology


def test_importing_the_same_file_again_changes_nothing(settings):
    library = MethodologyLibrary(settings)
    first = library.import_file(SAMPLES / "team_demo.yaml")
    again = library.import_file(SAMPLES / "team_demo.yaml")
    assert again.path == first.path and again.backup is None
    assert not (library.team_dir / "versions").exists()


def test_an_invalid_team_file_with_that_name_is_not_overwritten_silently(settings):
    library = MethodologyLibrary(settings)
    library.team_dir.mkdir(parents=True, exist_ok=True)
    broken = library.team_dir / "team_demo.yaml"
    broken.write_text("id: team_demo\nname: [unfinished\n")
    with pytest.raises(MethodologyError, match="already used by the file"):
        library.import_file(SAMPLES / "team_demo.yaml")
    assert broken.read_text() == "id: team_demo\nname: [unfinished\n"
    loaded = library.import_file(SAMPLES / "team_demo.yaml", replace=True)
    assert loaded.backup.read_text() == "id: team_demo\nname: [unfinished\n"


# --------------------------------------------------------------------------- the app's Settings page


@pytest.mark.usefixtures("seams")
def test_the_settings_page_refuses_a_bomb_and_replaces_only_when_ticked(settings):
    from test_app import app

    at = app("settings")
    bomb = ((SAMPLES / "team_demo.yaml").read_text() + ALIAS_BOMB.replace("a: &a", "x_a: &a")).encode()
    at.file_uploader(key="settings_playbook").set_value(("bomb.yaml", bomb, "text/yaml"))
    at.run()
    started = time.monotonic()
    next(b for b in at.button if b.label == "Validate").click().run()
    assert time.monotonic() - started < 10
    assert len(at.error) == 1 and "aliases" in at.error[0].value and "\n" not in at.error[0].value

    good = (SAMPLES / "team_demo.yaml").read_bytes()
    at.file_uploader(key="settings_playbook").set_value(("team_demo.yaml", good, "text/yaml"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert any("was imported" in s.value for s in at.success)
    newer = good.replace(b'version: "2.1"', b'version: "2.2"')
    at.file_uploader(key="settings_playbook").set_value(("team_demo.yaml", newer, "text/yaml"))
    at.run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert len(at.error) == 1 and "--replace" in at.error[0].value
    assert (settings.user_methodology_path / "team_demo.yaml").read_bytes() == good
    at.checkbox(key="settings_replace_methodology").check().run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert any("previous version is kept at" in s.value for s in at.success)
    assert (settings.user_methodology_path / "team_demo.yaml").read_bytes() == newer
