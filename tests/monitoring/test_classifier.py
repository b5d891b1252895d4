"""The lexicon stage: categories, severities, context and evidence."""

from __future__ import annotations

import dataclasses

import pytest

from harbour.monitoring import CATEGORIES, Classifier, Risk
from harbour.monitoring.classifier import EXTRA_TERM_SEVERITY
from tests.monitoring.conftest import categories


def test_pupil_asking_for_a_suicide_method_is_critical(classifier: Classifier) -> None:
    assert categories(classifier, "how many paracetamol would it take to die") == [("suicide", 5)]


def test_first_person_plan_with_a_time_is_critical(classifier: Classifier) -> None:
    assert categories(classifier, "im going to end it all tonight") == [("suicide", 5)]


@pytest.mark.parametrize(
    "text",
    [
        "k1ll mys3lf",
        "k i l l  m y s e l f",
        "kill.my.self",
        "KILL MYSELF",
        "gonna unalive myself",
        "i wanna kms",
        "kіll myself",  # Cyrillic і
        "i want to diiiie",
        "i want 2 die",
        "n0 re4s0n 2 l1ve",
        "sui c1de easiest w4y",
    ],
)
def test_evasive_spellings_of_suicidal_intent_are_caught(classifier: Classifier, text: str) -> None:
    risks = classifier.classify(text)
    assert risks and risks[0].category == "suicide" and risks[0].severity >= 4


@pytest.mark.parametrize(
    "text",
    [
        "how to kill a process in linux",
        "suicide squad cast",
        "history of the holocaust homework",
        "how to help a friend who is being bullied",
        "you killed it on stage",
        "this homework is killing me",
        "i'm dying of laughter",
        "bomb the exam tomorrow",
        "how to make a bath bomb",
        "convert 5 kms to miles",
        "dog grooming near me",
        "weed the garden",
        "love you xxx",
        "romeo and juliet suicide scene analysis",
        "what is radicalisation? pshe lesson",
        "how did anne frank die",
        "scunthorpe united fixtures",
        "je suis mort de rire",
        "the cheese is mature for 12 months",
        "national socialist party rise to power gcse history",
        "can you jump higher if you train",
        "long jump training for sports day",
        "choke chain for dogs",
        "what to do if someone is choking first aid",
        "what time do you finish work tonight",
        "mixing paint and alcohol for art",
        "how to build a gun in minecraft",
        "acid trip album by the band",
        "how long can you hold your breath underwater",
        "nitrous oxide at the dentist is it safe",
        "my grandad has scars from the war",
        "insulin pump how does it work biology",
    ],
)
def test_benign_senses_and_educational_framing_do_not_alert(
    classifier: Classifier, text: str
) -> None:
    assert classifier.classify(text) == []


@pytest.mark.parametrize(
    "text",
    ["gay", "is it ok to be trans", "muslim prayer times", "jewish history", "black people"],
)
def test_identity_words_alone_never_alert(classifier: Classifier, text: str) -> None:
    assert classifier.classify(text) == []


@pytest.mark.parametrize(
    "text", ["gay people are disgusting", "muslims are all terrorists", "go back to your country"]
)
def test_hostility_towards_a_group_is_discrimination(classifier: Classifier, text: str) -> None:
    assert categories(classifier, text)[0][0] == "discrimination"


def test_a_slur_alerts_even_when_disguised(classifier: Classifier) -> None:
    assert categories(classifier, "f4gg0t")[0][0] == "discrimination"
    assert categories(classifier, "f*ggot")[0][0] == "discrimination"


def test_help_for_a_friend_is_silent_but_a_friend_in_danger_is_noted_at_most_at_two(
    classifier: Classifier,
) -> None:
    assert classifier.classify("how to help my friend who is self harming") == []
    risks = classifier.classify("my friend who wants to kill herself, how can i help")
    assert all(r.severity <= 2 for r in risks)


def test_help_seeking_for_oneself_still_alerts(classifier: Classifier) -> None:
    assert categories(classifier, "how to stop self harming") == [("self_harm", 4)]
    risks = classifier.classify("i want to kill myself, childline number?")
    assert risks[0].severity == 5


def test_worry_of_the_helper_after_a_friends_words_keeps_the_help_cap(
    classifier: Classifier,
) -> None:
    text = "what do i say to my mate whos been saying he wants to die, i dont want to make it worse"
    assert all(r.severity <= 2 for r in classifier.classify(text))


def test_help_sought_about_the_writers_own_marks_is_not_capped(classifier: Classifier) -> None:
    text = "what do i say to the school nurse if she sees the marks on my thighs"
    assert categories(classifier, text)[0][0] == "self_harm"
    assert categories(classifier, text)[0][1] >= 4


def test_a_word_inside_a_longer_phrase_of_another_category_takes_its_meaning(
    classifier: Classifier,
) -> None:
    risks = classifier.classify(
        "gonna jump him at the park after school, bring the boys and the blade"
    )
    assert risks[0].category == "violence"
    assert "suicide" not in {r.category for r in risks}
    # ... even when another phrase of the longer reading is its evidence.
    text = "me and the boys are jumping him at the station friday, bring the blades"
    assert [r.category for r in classifier.classify(text)][0] == "violence"
    assert "suicide" not in {r.category for r in classifier.classify(text)}
    # A graver reading is never overshadowed by a milder, longer one.
    assert categories(classifier, "nude pics of 13 year olds")[0] == ("illegal", 5)


def test_want_to_die_over_a_test_with_laughter_is_hyperbole(classifier: Classifier) -> None:
    assert classifier.classify("i literally want to die that maths test was so hard lol") == []


def test_a_threat_over_a_spoiled_ending_is_hyperbole(classifier: Classifier) -> None:
    assert classifier.classify("zabije go jak mi zaspoileruje final serialu") == []
    assert categories(classifier, "zabije go jutro po szkole")[0][0] == "violence"


def test_want_to_die_with_laughter_alone_still_alerts(classifier: Classifier) -> None:
    assert categories(classifier, "i want to die lol")[0][0] == "suicide"
    assert categories(classifier, "i want to die, that maths test was the last straw")[0][1] >= 4


def test_game_talk_does_not_hide_grooming(classifier: Classifier) -> None:
    text = "this guy i met on roblox is 24, hes meeting me at the shopping centre, dont tell anyone"
    assert categories(classifier, text)[0][0] == "grooming"
    assert classifier.classify("roblox tips for beginners, how to get robux") == []


def test_a_secret_between_friends_is_not_grooming(classifier: Classifier) -> None:
    assert classifier.classify("dont tell anyone but i fancy jake from form, its our secret") == []
    assert categories(classifier, "dont tell anyone, send me a pic of you")[0][0] == "grooming"


def test_a_parents_message_asking_if_you_are_home_alone_is_not_grooming(
    classifier: Classifier,
) -> None:
    text = "are you home alone tonight? dad is working late, lasagne in the fridge. love mum x"
    assert classifier.classify(text) == []


def test_intent_and_method_raise_severity(classifier: Classifier) -> None:
    bare = categories(classifier, "suicide")[0][1]
    with_intent = categories(classifier, "how to commit suicide")[0][1]
    assert bare < with_intent
    assert categories(classifier, "overdose")[0:1] == []
    assert categories(classifier, "overdose on ibuprofen how many") == [("suicide", 5)]


def test_insults_need_a_target_or_each_other(classifier: Classifier) -> None:
    assert classifier.classify("ugly christmas jumper ideas") == []
    assert categories(classifier, "you're so ugly")[0][0] == "bullying"
    assert categories(classifier, "stupid ugly cow")[0][0] == "bullying"


@pytest.mark.parametrize(
    ("text", "category", "language"),
    [
        ("quiero matarme", "suicide", "es"),
        ("je veux mourir", "suicide", "fr"),
        ("quero me matar", "suicide", "pt"),
        ("chcę się zabić", "suicide", "pl"),
        ("vreau sa mor", "suicide", "ro"),
        ("main khudkushi karna chahta hoon", "suicide", "ur"),
        ("main marna chaunda haan", "suicide", "pa"),
        ("tnę się", "self_harm", "pl"),
        ("khud ko nuqsan pohanchana", "self_harm", "ur"),
        ("no le digas a tus padres que hablamos", "grooming", "es"),
        ("apne ammi abbu ko mat batana", "grooming", "ur"),
        ("nu le spune parintilor tai", "grooming", "ro"),
        ("comment fabriquer une bombe", "extremism", "fr"),
        ("jihad mein shamil hona hai", "extremism", "ur"),
    ],
)
def test_grave_categories_are_understood_in_other_languages(
    classifier: Classifier, text: str, category: str, language: str
) -> None:
    top = classifier.classify(text)[0]
    assert (top.category, top.language) == (category, language)
    assert top.severity >= 4


def test_evidence_quotes_the_pupils_own_words(classifier: Classifier) -> None:
    text = "ok so basically i wanna K.I.L.L my self tbh"
    assert classifier.classify(text)[0].evidence == "K.I.L.L my self"


def test_one_risk_per_category_strongest_first(classifier: Classifier) -> None:
    risks = classifier.classify("how many pills to kill yourself, you fat loser")
    assert [r.category for r in risks] == ["suicide", "bullying"]
    assert risks[0].severity >= risks[1].severity
    assert len({r.category for r in risks}) == len(risks)


def test_risks_are_immutable_records_naming_their_term(classifier: Classifier) -> None:
    risk = classifier.classify("pornhub")[0]
    assert risk == Risk("pornography", 3, "pornhub", "pornography/pornhub", "en")
    with pytest.raises(dataclasses.FrozenInstanceError):
        risk.severity = 1  # type: ignore[misc]


def test_every_category_has_terms_and_nothing_else_is_a_category(classifier: Classifier) -> None:
    assert {term.category for term in classifier.terms} == set(CATEGORIES)


def test_school_extra_terms_alert_in_their_category() -> None:
    school = Classifier.default(extra_terms={"drugs": ["wizzle"], "bullying": ["fishface"]})
    found = school.classify("got any w1zzle", learned=False)
    assert [(r.category, r.severity) for r in found] == [("drugs", EXTRA_TERM_SEVERITY)]
    assert school.classify("ur a fishface")[0].category == "bullying"
    assert Classifier.default().classify("got any wizzle") == []


def test_school_ignore_terms_silence_what_they_cover() -> None:
    school = Classifier.default(ignore_terms=["kill bill quiz", "thinspo"])
    assert school.classify("kill bill quiz answers") == []
    assert school.classify("thinspo") == []
    assert school.classify("i want to kill myself")[0].severity == 5


def test_extra_terms_for_an_unknown_category_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown category 'weapons'"):
        Classifier.default(extra_terms={"weapons": ["zip gun"]})


@pytest.mark.parametrize("category", ["suicide", "self_harm", "grooming", "extremism"])
def test_grave_categories_have_terms_in_every_language_pupils_commonly_use(
    classifier: Classifier, category: str
) -> None:
    languages = {t.language for t in classifier.terms if t.category == category}
    assert {"en", "es", "fr", "pt", "pl", "ro", "ur", "pa"} <= languages


def test_a_policy_brings_its_school_terms() -> None:
    from pathlib import Path

    from harbour.policy import load_policy_text

    text = (Path(__file__).parents[2] / "examples" / "policy.toml").read_text("utf-8")
    text = text.replace(
        'ignore_terms = ["oakbridge"]',
        'ignore_terms = ["thinspo"]\nextra_terms = { drugs = ["wizzle"] }',
    )
    school = Classifier.for_policy(load_policy_text(text, "policy.toml"))
    assert school.classify("thinspo") == []
    assert school.classify("wizzle")[0].category == "drugs"
