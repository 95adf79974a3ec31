

def test_quotes_the_manager_marked_become_the_judges_examples():
    t = call(("rep", "We can start you on the small plan with the team licence."), ("customer", "Okay."))
    plain = judge.judge_call(t, CRITERIA, bag_of_words)["budget"]
    team = {"budget": (["start you on the small plan with the team licence"], [])}
    taught = judge.judge_call(t, CRITERIA, bag_of_words, judge.embed_criteria(CRITERIA, bag_of_words, team))["budget"]
    assert not plain.present and taught.present and taught.score > plain.score
    wrong = {"budget": ([], ["start you on the small plan with the team licence"])}
    untaught = judge.judge_call(t, CRITERIA, bag_of_words, judge.embed_criteria(CRITERIA, bag_of_words, wrong))
    assert untaught["budget"].score < plain.score
