# ruff: noqa: F811  (pytest fixtures imported from test_app are used as parameters)
"""The team view: each rep's recent level per criterion, and the skills most of a team misses."""

from __future__ import annotations

from test_app import add_account, app, seams, store, store_review, texts, tiny_wav  # noqa: F401

from review.team_trends import overview


def rows(*calls: dict[str, int | None]) -> list[dict]:
    """Trend rows (oldest first) from {criterion id: score} per call, every criterion on a 0-2 scale."""
    return [{"call_id": i, **{f"criterion:{c}": s for c, s in call.items()}, **{f"max:{c}": 2 for c in call}}
            for i, call in enumerate(calls)]


TARGETS = {"pain": 2, "agenda": 1, "next_step": 1}
NAMES = {"pain": "Pain quantified", "agenda": "Agenda set", "next_step": "Next step"}


def test_a_skill_most_of_the_team_misses_is_a_team_gap():
    team = {
        "Alex": rows({"agenda": 2, "pain": 0, "next_step": 1}, {"agenda": 2, "pain": 1, "next_step": 2}),
        "Sam": rows({"agenda": 1, "pain": 1, "next_step": 0}),
        "Ana": rows({"agenda": 2, "pain": 2, "next_step": 1}, {"agenda": 1, "pain": 2, "next_step": 1}),
    }
    found = overview(team, TARGETS, NAMES)
    assert found.reps == ["Alex", "Sam", "Ana"] and found.criteria == ["agenda", "pain", "next_step"]
    cell = next(c for c in found.cells if (c.rep, c.criterion_id) == ("Alex", "pain"))
    assert (cell.mean, cell.percent, cell.calls) == (0.5, 25.0, 2)
    assert [(g.criterion_id, g.missing, g.reps) for g in found.gaps] == [("pain", ("Alex", "Sam"), 3)]
    assert found.gaps[0].text.startswith("Pain quantified: 2 of 3 reps are under the target (Alex, Sam); "
                                         "the team averages 58%.")
    # one rep under the target is that rep's coaching topic, not the team's (next_step: only Sam)
    assert "next_step" not in [g.criterion_id for g in found.gaps]


def test_only_the_latest_calls_count_and_unscored_criteria_are_left_out():
    improving = rows(*[{"pain": 0}] * 5, *[{"pain": 2}] * 5)  # ten calls: the last five at the target
    found = overview({"Alex": improving, "Sam": rows({"pain": 0})}, TARGETS, window=5)
    assert [(c.rep, c.mean) for c in found.cells] == [("Alex", 2.0), ("Sam", 0.0)]
    assert found.gaps == []  # one of two under the target is no team gap (needs 2 reps)
    wider = overview({"Alex": improving, "Sam": rows({"pain": 0})}, TARGETS, window=10)
    assert [g.missing for g in wider.gaps] == [("Alex", "Sam")]
    # a criterion not applicable on a call (None) is left out of the mean, not counted as 0
    na = overview({"Alex": rows({"pain": None}, {"pain": 2}), "Sam": rows({"pain": None})}, TARGETS)
    assert [(c.rep, c.mean, c.calls) for c in na.cells] == [("Alex", 2.0, 1)] and na.reps == ["Alex"]
    assert overview({}, TARGETS).cells == [] and overview({"Alex": []}, TARGETS).reps == []


def test_the_team_view_shows_each_rep_and_names_the_team_wide_gap(seams, store):
    """A manager's Rep trends page, "The team": a cell per rep and criterion, the skill both reps miss
    named as a training topic for the team; a rep has no team view."""
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    add_account(store, "sam", "rep", "Sam Ortiz", team="east")
    for rep in ("Sam Ortiz", "Ana Ruiz", "Wes Hall"):
        store.assign_rep(rep, "east" if rep != "Wes Hall" else "west")
    store_review(store, tiny_wav(tone=11), "sam-1.wav", rep="Sam Ortiz", rep_score=0)
    store_review(store, tiny_wav(tone=12), "ana-1.wav", rep="Ana Ruiz", rep_score=1)
    store_review(store, tiny_wav(tone=13), "wes-1.wav", rep="Wes Hall", rep_score=0)  # another team
    assert app("trends", user="kim").radio(key="trend_view").options == ["One rep", "The team"]
    at = app("trends", user="kim", trend_view="The team")
    assert not at.exception and not at.error
    shown = texts(at)
    assert "2 rep(s)." in shown and "Wes Hall" not in shown
    gaps = [w.value for w in at.warning]
    assert any(g.startswith("Pain quantified: 2 of 2 reps are under the target (Ana Ruiz, Sam Ortiz)") for g in gaps), gaps
    assert any(g.startswith("Next step agreed with a date: 2 of 2 reps") for g in gaps)
    assert not any(g.startswith("Agenda set at the start") for g in gaps)  # both at 2/2
    assert "training topic for the team (Field Training" in shown  # what a team-wide gap calls for
    numbers = at.dataframe[-1].value
    assert list(numbers.index) == ["Ana Ruiz", "Sam Ortiz"] and numbers.loc["Ana Ruiz", "Pain quantified"] == 50.0
    # an override counts: Sam's pain raised to the target leaves one rep under it, no team gap there
    store.add_override(store.latest_review(store.list_calls(rep="Sam Ortiz")[0].id).id, "pain_quantified", 2,
                       "he did quantify it")
    at = app("trends", user="kim", trend_view="The team")
    assert not any(w.value.startswith("Pain quantified") for w in at.warning)
    rep = app("trends", user="sam")
    assert not [r for r in rep.radio if r.key == "trend_view"]


def test_coaching_prep_says_when_the_focus_is_a_team_wide_gap(seams, store):
    """Preparing Sam's session on Pain quantified, the manager learns Ana misses it too; with Ana at the
    target it is Sam's own topic and nothing is said."""
    add_account(store, "kim", "manager", "Kim Lee", team="east")
    add_account(store, "sam", "rep", "Sam Ortiz", team="east")
    for rep in ("Sam Ortiz", "Ana Ruiz"):
        store.assign_rep(rep, "east")
    sam = store_review(store, tiny_wav(tone=21), "sam-prep.wav", rep="Sam Ortiz", rep_score=0)
    ana = store_review(store, tiny_wav(tone=22), "ana-prep.wav", rep="Ana Ruiz", rep_score=1)
    at = app("prep", user="kim", call_id=sam.call_id)
    said = [i.value for i in at.info if "Most of the team misses this skill too" in i.value]
    assert len(said) == 1 and "too: 2 of 2 reps are under the target (Ana Ruiz, Sam Ortiz)" in said[0], said
    assert "Sam Ortiz and 1 other rep(s)" in said[0] and "Rep trends" in said[0]
    store.save_document(sam.review_id, "shared_with_rep", "on", None)
    rep_page = app("prep", user="sam", call_id=sam.call_id)  # the rep reads the agenda, not the manager's hints
    assert "Coaching agenda: Sam Ortiz" in [t.value for t in rep_page.title]
    assert not [i for i in rep_page.info if "Most of the team" in i.value]
    store.add_override(ana.review_id, "pain_quantified", 2, "she quantified it")
    at = app("prep", user="kim", call_id=sam.call_id)  # the team's rows are cached, but not past an override
    assert not [i for i in at.info if "Most of the team" in i.value]


def test_the_team_command_prints_the_table_and_the_gaps(settings, cli):
    """`callreview team` is the team view for a script or a weekly report, from the same functions."""
    from review.store import Store

    store = Store.from_settings(settings)
    for i, (rep, pain) in enumerate((("Sam Ortiz", 0), ("Ana Ruiz", 1), ("Wes Hall", 2))):
        store_review(store, tiny_wav(tone=30 + i), f"cli-{i}.wav", rep=rep, rep_score=pain)
    store.assign_rep("Sam Ortiz", "east")
    store.assign_rep("Ana Ruiz", "east")
    store.close()
    code, out, _ = cli("team")
    assert code == 0
    assert out.startswith("Discovery call checklist: each rep's mean over their latest 5 reviewed call(s)")
    header = out.splitlines()[1]
    assert header.split() == ["Ana", "Ruiz", "Sam", "Ortiz", "Wes", "Hall"]
    pain = next(line for line in out.splitlines() if line.startswith("Pain quantified"))
    assert pain.split()[-3:] == ["50", "0", "100"]
    assert "- Pain quantified: 2 of 3 reps are under the target (Ana Ruiz, Sam Ortiz); the team averages 50%." in out
    assert "training topic for the team" in out
    code, out, _ = cli("team", "--team", "east", "--calls", "1")
    assert code == 0 and "Wes Hall" not in out and "latest 1 reviewed call(s)" in out
    for argv, message in ((("team", "--team", "north"), "team 'north' has no rep with calls"),
                          (("team", "--methodology", "spin"), "no rep has a call reviewed against 'spin'"),
                          (("team", "--calls", "0"), "--calls 0: give 1 or more")):
        code, out, err = cli(*argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
