"""The learned word weights: the safety net under the hand-written lexicons."""

from __future__ import annotations

import math

import pytest

from harbour.monitoring import Classifier
from harbour.monitoring.evaluate import Example, parse_examples
from harbour.monitoring.learned import (
    FRAGMENT_WEIGHT,
    LearnedModel,
    feature_values,
    features,
    fragment_words,
    load_shipped,
    parse,
    word_fragments,
)
from harbour.monitoring.lexicon import load_default
from harbour.monitoring.training import train, training_digest
from tests.monitoring.conftest import DATA

CLASSES = ["bullying", "none", "suicide", "suicide+"]


def model(weights: dict[str, list[float]]) -> LearnedModel:
    """A hand-made model: benign unless a weighted word says otherwise."""
    return LearnedModel(CLASSES, [0.0, 3.0, 0.0, -3.0], weights)


def examples(severity: dict[str, int] | None = None, **risky: list[str]) -> list[Example]:
    """Benign lines and ``risky`` lines per category (severity 4 unless given), each thrice."""
    lines = {"none": ["maths homework tonight", "football after school", "what time is lunch"]}
    grades = {"none": 0, **(severity or {})}
    return [
        Example(text, category, grades.get(category, 4))
        for category, texts in {**lines, **risky}.items()
        for line in texts
        for text in (line, line + " ok", "so " + line)
    ]


# A word that reads as suicide, urgent, in this hand-made model.
GLOOM = {"zorblax": [0.0, -20.0, 0.0, 20.0]}


def test_features_are_the_words_and_the_pairs_of_neighbouring_words() -> None:
    assert features("nobody would notice me") == {
        "nobody",
        "notice",
        "nobody would",
        "would notice",
        "notice me",
    }
    assert features("what time do you") == {"time", "what time", "time do"}
    assert features("") == set()


def test_a_word_has_four_letter_fragments_marked_at_its_start_and_end() -> None:
    assert word_fragments("kill") == {"~<kil", "~kill", "~ill>"}
    assert word_fragments("shanks") == {"~<sha", "~shan", "~hank", "~anks", "~nks>"}


def test_only_content_words_of_four_letters_or_more_have_fragments() -> None:
    assert fragment_words("i want to die tonight with them") == {"want", "tonight"}


def test_fragments_weigh_as_their_own_block_beside_the_words() -> None:
    values = feature_values("shank shank")
    # Two word features (the word and the pair) share the words' weight ...
    assert values["shank"] == values["shank shank"] == pytest.approx(1.0 / math.sqrt(2))
    # ... and the four fragments of "shank" (once: the text's distinct words) share theirs.
    assert values["~hank"] == pytest.approx(FRAGMENT_WEIGHT / math.sqrt(4))


def test_judging_a_text_adds_up_exactly_the_values_the_model_was_trained_on() -> None:
    weights = {"~kill": [0.0, -1.0, 2.0, 1.5], "kills": [0.5, 0.0, 0.0, 0.0], "~ill>": [1, 1, 1, 1]}
    learned = model(weights)
    for text in ("he kills", "killing time kill", "nothing here at all", "kill kill"):
        logits = [0.0, 3.0, 0.0, -3.0]
        for feature, value in feature_values(text).items():
            for k, weight in enumerate(weights.get(feature, [0.0] * 4)):
                logits[k] += value * weight
        exps = [math.exp(v) for v in logits]
        risky = exps[0] + exps[2] + exps[3]
        for _ in range(2):  # the second time from the model's cache of word fragments
            judged = learned.judge(text)
            assert judged.p_none == pytest.approx(exps[1] / sum(exps))
            assert judged.p_urgent == pytest.approx(exps[3] / risky)
            assert judged.category == ("suicide" if exps[2] + exps[3] > exps[0] else "bullying")


def test_a_word_the_training_never_saw_is_read_by_its_fragments() -> None:
    learned = train(
        examples(
            violence=["bring the shank", "got my shank on me", "pulling a shank out"],
            bullying=["ur so ugly nobody likes u", "everyone hates u loser", "ugly loser"],
        ),
        str.lower,
    )
    assert "shanked" not in learned.weights
    assert learned.judge("he got shanked").category == "violence"
    assert learned.judge("he got shanked").p_none < learned.judge("he got picked").p_none


def test_a_model_reads_back_from_its_file_with_the_same_judgements() -> None:
    original = LearnedModel(CLASSES, [0.1, 2.0, -0.5, -1.0], {**GLOOM, "classes": [1, 0, 0, 0]})
    copy = parse(original.dump(), "model.tsv")
    assert copy.weights.keys() == original.weights.keys()
    for text in ("zorblax", "the classes today", "hello there"):
        assert copy.judge(text) == original.judge(text)


def test_a_malformed_model_file_is_refused_with_its_line() -> None:
    text = model(GLOOM).dump().replace("zorblax\t0\t-20\t0\t20", "zorblax\t0\t-20\t0")
    with pytest.raises(ValueError, match=r"model.tsv:5: 'zorblax' has 3 weights, expected 4"):
        parse(text, "model.tsv")
    with pytest.raises(ValueError, match=r"model.tsv:3: the 'classes' line must come first"):
        parse("# model\n\nbias\t0\n", "model.tsv")


def test_the_shipped_model_was_trained_on_the_labelled_files_as_they_are_now() -> None:
    # Fails when a labelled file, a lexicon or the normaliser changed since the last
    # training: run `harbour monitor train tests/monitoring/data/*.jsonl`.
    examples = [
        example
        for path in sorted(DATA.glob("*.jsonl"))
        for example in parse_examples(path.read_text("utf-8").splitlines(), path.name)
    ]
    normal_form = Classifier(load_default()).normal_form
    assert load_shipped().digest == training_digest(examples, normal_form)


def test_training_learns_which_words_carry_a_risk() -> None:
    learned = train(
        examples(
            suicide=["nobody would miss me", "i wont be around to miss", "nobody would care"],
            bullying=["ur so ugly nobody likes u", "everyone hates u loser", "ugly loser"],
            severity={"bullying": 3},
        ),
        str.lower,
    )
    assert learned.judge("nobody would miss me tbh").category == "suicide"
    assert learned.judge("nobody would miss me tbh").p_urgent > 0.5
    assert learned.judge("football and lunch").p_none > 0.5
    assert learned.judge("ugly loser").category == "bullying"
    assert learned.judge("ugly loser").p_urgent < 0.5


def test_training_needs_benign_texts_and_two_risk_categories() -> None:
    with pytest.raises(ValueError, match="benign"):
        train([Example("i want to die", "suicide", 5), Example("ugly", "bullying", 3)], str)


def test_training_needs_urgent_texts() -> None:
    with pytest.raises(ValueError, match="urgent"):
        train(
            examples(bullying=["ugly"], gambling=["bet"], severity={"bullying": 3, "gambling": 2}),
            str,
        )


def test_urgency_is_learned_within_a_category() -> None:
    # Most bullying is mild; sharing a pupil's nudes is urgent bullying all the same.
    mild = examples(
        bullying=["ur so ugly", "everyone hates u", "ugly loser", "nobody likes u"],
        severity={"bullying": 3},
    )
    urgent = examples(bullying=["spread her nudes round the year", "post her nudes in the gc"])
    learned = train(mild + urgent + examples(suicide=["i want to die"]), str.lower)
    assert learned.classes == ["bullying", "bullying+", "none", "suicide+"]
    assert learned.judge("share her nudes").category == "bullying"
    assert learned.judge("share her nudes").p_urgent > 0.5
    assert learned.judge("ugly loser lol").p_urgent < 0.5


def test_learned_weights_find_a_risk_the_lexicons_have_no_word_for() -> None:
    hand = Classifier(load_default())
    assisted = Classifier(load_default(), learned=model(GLOOM))
    assert hand.classify("feeling zorblax tonight") == []
    [risk] = assisted.classify("feeling zorblax tonight")
    assert (risk.category, risk.severity) == ("suicide", 4)
    assert risk.evidence == "feeling zorblax tonight"
    assert risk.term_id.startswith("learned/suicide:1.00 (zorblax")


def test_a_benign_idiom_vetoes_an_alert_of_the_learned_weights_alone() -> None:
    assisted = Classifier(load_default(), learned=model(GLOOM))
    assert assisted.classify("zorblax jump higher tonight") == []
    [raised] = assisted.classify("ur so weird zorblax jump higher")
    assert raised.severity == 4  # a lexicon risk is still raised


def test_one_and_two_word_texts_are_left_to_the_lexicons() -> None:
    assisted = Classifier(load_default(), learned=model(GLOOM))
    assert assisted.classify("zorblax") == []
    assert assisted.classify("zorblax tonight") == []


def test_learned_weights_never_raise_a_critical_alert_and_leave_urgent_risks_alone() -> None:
    assisted = Classifier(load_default(), learned=model(GLOOM))
    assert [r.severity for r in assisted.classify("zorblax zorblax zorblax")] == [4]
    [risk] = assisted.classify("i want to kill myself zorblax")
    assert (risk.severity, risk.term_id) == (5, "suicide/kill myself")


def test_learned_weights_raise_a_lexicon_risk_to_urgent_when_the_text_reads_urgent() -> None:
    hand = Classifier(load_default())
    assisted = Classifier(load_default(), learned=model(GLOOM))
    [mild] = hand.classify("ur so weird")
    assert mild.severity < 4
    [raised] = assisted.classify("ur so weird zorblax")
    assert (raised.category, raised.severity, raised.evidence) == ("bullying", 4, mild.evidence)
    assert raised.term_id.startswith(mild.term_id + "+learned:")


def test_a_schools_ignore_term_is_unread_by_the_learned_weights_too() -> None:
    school = Classifier(load_default(), ignore_terms=["zorblax"], learned=model(GLOOM))
    assert school.classify("feeling zorblax tonight") == []


def test_benign_text_stays_benign_with_the_shipped_weights(classifier: Classifier) -> None:
    for text in ("maths homework due friday", "what time does the canteen open", "gcse revision"):
        assert classifier.classify(text) == []
