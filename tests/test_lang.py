import random

import pytest

from tm.lang import (
    NUMBER_SLOT,
    arabic_script_in,
    clitic_variants,
    has_arabic,
    light_stem,
    match_key,
    normalize,
    normalize_with_map,
    numbers,
    tokenize,
)


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("كَتَبَ الطَّالِبُ الدَّرْسَ", "كتب الطالب الدرس"),  # harakat, shadda, sukun
        ("شكراً جزيلاً", "شكرا جزيلا"),  # tanween
        ("هٰذا", "هذا"),  # superscript alef
        ("أحمد وإسلام وآمال وٱبن", "احمد واسلام وامال وابن"),  # alef forms
        ("مصطفى على", "مصطفي علي"),  # alef maqsura
        ("مدرسة", "مدرسه"),  # ta marbuta
        ("العـــربيه", "العربيه"),  # tatweel
        ("عام ٢٠٢٣ و۱۴۰۲", "عام 2023 و1402"),  # Arabic-Indic and extended digits
        ("لماذا؟ نعم، ولكن؛ لا", "لماذا? نعم, ولكن; لا"),  # Arabic punctuation
        ("قال\u200f الرئيس\u200c\u200d", "قال الرئيس"),  # bidi marks, ZWNJ, ZWJ
        ("  قال \t\n  الرئيس  ", "قال الرئيس"),  # whitespace collapsed
        ("«مرحبا» “hello”", '"مرحبا" "hello"'),  # quotes unified
        ("The PRESIDENT", "the president"),
        ("٪٥٠ و٣٫٥", "%50 و3.5"),
    ],
)
def test_normalization_folds_variants_to_one_matching_form(variant, plain):
    assert normalize(variant) == plain.lower()
    assert normalize(plain) == plain.lower()


def test_presentation_form_ligature_becomes_letters():
    assert normalize("\ufefb") == "لا"  # lam-alef ligature
    assert normalize("\ufe8d\ufedf\ufee4\ufed0\ufeae\ufe8f") == "المغرب"


def test_normalize_and_mapped_normalize_agree_on_random_text():
    alphabet = "ابتةىأإآٱؤئءَُِّْٰـ٠١٢٣۴۵،؛؟«»“” \t\n\u200fﻻﷲABCdéΣσﬁ0123.,!?…\u00a0İ\u0654\u0301"
    rng = random.Random(5)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 15)))
        assert normalize(text) == normalize_with_map(text)[0], repr(text)


def test_mapped_normalization_points_back_into_the_original():
    text = "قَالَ  الرَّئِيسُ ٢٠٢٣"
    norm, index = normalize_with_map(text)
    assert norm == "قال الرئيس 2023"
    assert text[index[norm.index("2023")]] == "٢"
    assert len(index) == len(norm)


def test_tokens_keep_numbers_whole_and_spans_in_the_original():
    text = "ارتفع المؤشر ٢٫٥ في المئة إلى 1,500 نقطة."
    tokens = tokenize(text)
    nums = [t for t in tokens if t.kind == "num"]
    assert [t.text for t in nums] == ["2.5", "1,500"]
    assert text[nums[0].start : nums[0].end] == "٢٫٥"
    assert tokens[-1].kind == "punct" and tokens[-1].text == "."


def test_match_key_turns_numbers_into_one_slot_and_drops_punctuation():
    key = match_key(normalize("بلغ العجز 500 مليون دولار، أي 2.5%"))
    assert key == ["بلغ", "العجز", NUMBER_SLOT, "مليون", "دولار", "اي", NUMBER_SLOT]
    assert numbers(normalize("بلغ العجز ٥٠٠ مليون و2.5")) == ["500", "2.5"]


@pytest.mark.parametrize("word", ["والمغرب", "بالمغرب", "للمغرب", "فالمغرب", "المغرب", "وبالمغرب"])
def test_clitic_forms_share_a_stem(word):
    assert light_stem(normalize(word)) == light_stem("المغرب") == "مغرب"
    assert "المغرب" in clitic_variants(normalize(word))


@pytest.mark.parametrize("word", ["ولد", "بلد", "كتب", "فيلم"])
def test_short_words_are_not_eaten_by_clitic_stripping(word):
    assert len(light_stem(word)) >= 3


def test_has_arabic():
    assert has_arabic("The حرب")
    assert not has_arabic("The war, 2023")


def test_arabic_script_in_sees_every_arabic_block_and_leaves_has_arabic_alone():
    for text in ("حرب", "ﺍﻟﻮﺯﻳﺮ", "ﻻ", "ﭖ", "ﷺ", "ݐ", "ࢠ", "\U0001ee00"):
        assert arabic_script_in(f"The {text}"), text
    for text in ("The war, 2023", "\ufeffThe war", "٣٠٠", "،؛؟"):
        assert not arabic_script_in(text), text
    # has_arabic (light_stem, encoding detection) keeps its narrower letter set
    assert not has_arabic("ﺍﻟﻮﺯﻳﺮ") and has_arabic("الوزير")
