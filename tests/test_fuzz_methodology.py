"""Property tests (Hypothesis) over the methodology loader, the playbook importer and the keyword
check: whatever text they are given, the answer is a valid methodology or a one-line
CallreviewError, never another exception and never a hang. Kept to ~20 s in all."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.errors import CallreviewError
from review.keywords import keyword_problem, search_keyword
from review.methodology import MethodologyLibrary, parse_methodology_bytes
from review.schema import Methodology
from testkit.playbook import playbook_to_methodology

SAMPLES = Path(__file__).resolve().parent / "data" / "methodology"
DEMO_TEXT = (SAMPLES / "team_demo.yaml").read_text()
DEMO = yaml.safe_load(DEMO_TEXT)
FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like YAML or Markdown more often than uniform noise would.
YAML_BITS = st.sampled_from([
    "id: x\n", "name: ", "criteria:\n", "  - ", "levels: [", "]", "{", "}", "&a ", "*a", "!!python/object:os.system ",
    ": ", "- ", "\n", "  ", "'", '"', "#", "weight: .inf\n", "weight: .nan\n", "keywords: ['(a+)+']\n", "---\n",
    "? ", "|\n", ">\n", "\t", "\\", "%YAML 1.1\n", "<<: *a\n", "score: 0\n", "\x00", "\u2028", "\ufeff",
])
MD_BITS = st.sampled_from([
    "# ", "## ", "### ", "#### ", "- ", "* ", "1. ", "\n", "\n\n", "Budget", "Timeline", ": ", "?", '"quoted phrase here"',
    "**bold**", "`code`", "  ", "\t", "CAPITALS:", "Ask about the decision process", "(", ")", "[", "]", "|", "\u00e9",
])


def check(call) -> bool:
    """True when `call` gave a valid methodology or a one-line error, quickly (asserts say what is
    wrong otherwise)."""
    started = time.monotonic()
    try:
        result = call()
    except CallreviewError as exc:
        assert "\n" not in str(exc) and str(exc).strip()
    else:
        assert isinstance(result, Methodology)
        assert all(c.name.strip() for c in result.criteria)
    assert time.monotonic() - started < 5
    return True


@FAST
@given(st.binary(max_size=2000))
def test_the_loader_never_crashes_on_bytes(raw):
    assert check(lambda: parse_methodology_bytes(raw, "fuzz.yaml"))


@FAST
@given(st.lists(st.one_of(YAML_BITS, st.text(max_size=20)), max_size=60).map("".join))
def test_the_loader_never_crashes_on_yaml_like_text(text):
    assert check(lambda: parse_methodology_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.yaml"))


LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                   st.lists(st.text(max_size=10), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _paths(child, (*prefix, i))


PATHS = [p for p in _paths(DEMO) if p]


@FAST
@given(st.lists(st.tuples(st.sampled_from(PATHS), LEAVES), min_size=1, max_size=4))
def test_a_valid_file_with_random_values_is_valid_or_one_line_error(changes):
    data = copy.deepcopy(DEMO)
    for path, value in changes:
        target = data
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    raw = yaml.safe_dump(data, allow_unicode=True).encode()
    assert check(lambda: parse_methodology_bytes(raw, "fuzz.yaml"))


@FAST
@given(st.lists(st.one_of(MD_BITS, st.text(max_size=15)), max_size=50).map("".join))
def test_the_playbook_importer_never_crashes(text):
    assert check(lambda: playbook_to_methodology(text, "fuzz.md"))
    assert check(lambda: playbook_to_methodology(text, "fuzz.txt"))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(MD_BITS, YAML_BITS, st.text(max_size=15)), max_size=40).map("".join),
       st.sampled_from(["fuzz.md", "fuzz.txt", "fuzz.yaml"]))
def test_validate_file_never_crashes(tmp_path_factory, text, name):
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    library = MethodologyLibrary.__new__(MethodologyLibrary)
    assert check(lambda: library.validate_file(path).methodology)


REGEX_BITS = st.sampled_from(["(", ")", "*", "+", "?", "{0,3}", "{2,}", "|", "\\w", "\\s", "\\b", "[a-z]", ".", "^",
                              "$", "a", "b", "(?:", "(?=", "(?<!", "\\d+", "(?P<n>", "(?P=n)", "\\1", "[^", "]"])


@pytest.mark.filterwarnings("ignore:Possible (set|nested set):FutureWarning")  # "[[" in a random pattern
@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(REGEX_BITS, max_size=14).map("".join))
def test_a_keyword_that_passes_the_check_matches_quickly(pattern):
    if keyword_problem(pattern) is not None:
        return
    started = time.monotonic()
    search_keyword(pattern, "a" * 200 + "!" + " b" * 100)
    assert time.monotonic() - started < 1.0
