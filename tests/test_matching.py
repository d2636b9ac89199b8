import pytest

from tm.lang import normalize
from tm.matching import NUMBER_PENALTY, PUNCT_PENALTY, base_score, diff, score, score_text

TEN = "قال وزير المالية إن الحكومة ستخفض الضرائب على الشركات الصغيرة قريبا"


def test_identical_after_normalization_is_100():
    assert score_text(TEN, "قَالَ وَزِيرُ المالية إن الحكومة ستخفض الضرائب على الشركات الصغيرة قريباً").score == 100


def test_score_is_one_minus_edit_distance_over_longer_length():
    words = TEN.split()
    changed = " ".join(words[:-1] + ["غدا"])  # 1 of 11 words replaced
    assert score_text(TEN, changed).score == round(100 * (1 - 1 / 11))
    shorter = " ".join(words[:-2])  # 2 of 11 words missing
    assert score_text(TEN, shorter).score == round(100 * (1 - 2 / 11))


def test_base_score_of_token_lists():
    assert base_score(["a", "b", "c", "d"], ["a", "x", "c", "d"]) == 75.0
    assert base_score([], []) == 100.0


def test_changed_number_costs_a_small_penalty_and_is_named():
    s = score(
        normalize("بلغت الصادرات 500 مليون دولار في عام 2022"),
        normalize("بلغت الصادرات ٧٠٠ مليون دولار في عام 2022"),
    )
    assert s.score == 100 - NUMBER_PENALTY
    assert s.changed_numbers == [("500", "700")]


def test_added_number_counts_as_a_word():
    s = score_text("وصل الوفد أمس", "وصل الوفد أمس 3")
    assert s.score == round(100 * (1 - 1 / 4))
    assert s.changed_numbers == [("", "3")]


def test_punctuation_difference_costs_a_point_each_capped():
    assert score_text(TEN + ".", TEN).score == 100 - PUNCT_PENALTY
    assert score_text(TEN + "!?!?!?", TEN).score == 97


def test_a_non_identical_match_never_reaches_100():
    assert score_text("قال الرئيس", "قال  الرئيس ").score == 100  # only spacing: identical normalized
    assert score_text("قال الرئيس:", "قال الرئيس").score == 99


@pytest.mark.parametrize(("a", "b"), [("٪", "%"), ("3.5", "3.5")])
def test_only_numbers_and_punctuation_compare_by_characters(a, b):
    assert score_text(a, b).score == 100


def test_diff_shows_deleted_and_inserted_words_in_original_spelling():
    chunks = diff("وقعت الشركة عقدا بقيمة 500 مليون دولار.", "وقعت الشركة اتفاقا بقيمة ٧٠٠ مليون دولار.")
    ops = [(c.op, c.text.strip()) for c in chunks]
    assert ("delete", "عقدا") in ops
    assert ("insert", "اتفاقا") in ops
    assert ("delete", "500") in ops
    assert ("insert", "٧٠٠") in ops
    equal = "".join(c.text for c in chunks if c.op != "insert")
    assert equal == "وقعت الشركة عقدا بقيمة 500 مليون دولار."


def test_diff_keeps_a_space_before_an_inserted_word():
    chunks = diff("قال الرئيس.", "قال الرئيس أمس")
    assert [c.to_json() for c in chunks][-1] == {"op": "insert", "text": " أمس"}


def _texts(seed: int, n: int) -> list[str]:
    """Texts made of the pieces that tokenizing tells apart: letters and digits joined by ' - . ,
    or not, other marks, underscores, digits that are not decimal, tags, diacritics, spaces."""
    import random

    pieces = [
        "قال", "الوزير", "ب", "x", "Ab", "12", "٣", "1", "0", "²", "፩", "½", "_", "ـ", "\u064e",
        "'", "-", ".", ",", "!", "؟", "،", "…", '"', "(", ")", "%", " ", " ", " ", "\ue004",
    ]  # fmt: skip
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14))) for _ in range(n)]


@pytest.mark.parametrize("seed", range(4))
def test_the_scoring_features_are_the_match_key_numbers_and_punctuation(seed):
    from tm.lang import match_key, numbers, punctuation
    from tm.matching import _features

    for text in _texts(seed, 3000):
        for t in (text, normalize(text)):
            expected = tuple(match_key(t)), tuple(numbers(t)), tuple(punctuation(t))
            assert _features.__wrapped__(t) == expected, t


@pytest.mark.parametrize("seed", range(2))
def test_diff_tokens_are_those_of_tokenize(seed):
    from tm.lang import tokenize
    from tm.matching import _tokens

    for text in _texts(seed, 2000):
        tokens = tokenize(text)
        expected = tuple(t.text for t in tokens), tuple(t.start for t in tokens)
        assert _tokens.__wrapped__(text) == expected, text


def test_numbers_are_paired_as_counted_differences():
    import random
    from collections import Counter

    from tm.matching import _surplus

    rng = random.Random(1)
    for _ in range(2000):
        a = [rng.choice("12345") for _ in range(rng.randint(0, 5))]
        b = [rng.choice("12345") for _ in range(rng.randint(0, 5))]
        assert _surplus(a, b) == list((Counter(a) - Counter(b)).elements())
