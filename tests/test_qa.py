import pytest

from tm.glossary import Glossary
from tm.qa import check, number_value
from tm.store.sqlite import SQLiteStore

SOURCE = "وقعت وزارة الدفاع صفقة بقيمة ٥٠٠ مليون دولار في 2023 (بحسب مصادر)."
GOOD = "The Ministry of Defence signed a $500 million deal in 2023 (according to sources)."


@pytest.fixture
def hits(tmp_path):
    store = SQLiteStore(tmp_path / "m.db")
    g = Glossary(store)
    g.add("وزارة الدفاع", "Ministry of Defence", forbidden=["Defense Ministry"])
    yield g.hits(SOURCE)
    store.close()


def codes(source, target, hits=None):
    return [i.code for i in check(source, target, hits)]


def test_a_good_translation_has_no_issue(hits):
    assert check(SOURCE, GOOD, hits) == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (GOOD.replace("$500", "$50"), ["number-missing", "number-extra"]),
        (GOOD.replace(" in 2023", ""), ["number-missing"]),
        (GOOD.replace("Ministry of Defence", "Defense Ministry"), ["term-missing", "term-forbidden"]),
        (GOOD.replace("Ministry of Defence", "army"), ["term-missing"]),
        (GOOD + " المصادر", ["arabic-in-target"]),
        ("", ["empty-target"]),
        ("   ", ["empty-target"]),
        (GOOD.replace(")", ""), ["unbalanced-brackets"]),
        (GOOD.replace("deal", '"deal'), ["unbalanced-quotes"]),
        (GOOD.replace(".", "؟"), ["arabic-punctuation"]),
        (GOOD.replace("signed a", "signed  a"), ["double-space"]),
    ],
)
def test_each_check_fires(hits, target, expected):
    assert codes(SOURCE, target, hits) == expected


def test_untranslated_target():
    assert codes("قال الرئيس", "قال الرئيس") == ["untranslated"]
    assert codes("BBC", "BBC") == []  # nothing Arabic to translate: a name stays as it is


def test_numbers_compare_by_value_across_scripts_and_styles():
    assert codes("بلغ ١٬٥٠٠ شخص", "1,500 people") == []
    assert codes("بلغ 1500 شخص", "1,500 people") == []
    assert codes("بنسبة ٢٫٥٪", "by 2.5%") == []
    assert codes("بنسبة 2.50%", "by 2.5%") == []
    assert codes("500 مليون", "500 million") == []
    assert number_value("12.000.000") == "12000000"


def test_quotes_that_balance_are_fine():
    assert codes("قال «نعم»", 'He said "yes"') == []
    assert codes("قال «نعم»", "He said “yes”") == []


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("بلغ عدد الزوار 300 ألف.", "Visitors reached 300,000."),
        ("بلغ 10 آلاف", "reached 10,000"),
        ("بلغ 10 آلاف", "reached 10 thousand"),
        ("قتل 20 ألفا", "20,000 were killed"),
        ("بلغت 2.5 مليون", "reached 2,500,000"),
        ("بلغت 2.5 مليون", "reached 2.5 million"),
        ("بلغت 2.5 مليون", "reached 2.5m"),
        ("بلغ 5 ملايين", "reached 5 million"),
        ("بقيمة 2.5 مليار دولار", "worth $2.5bn"),
        ("بقيمة 3 مليارات دولار", "worth $3 billion"),
        ("بقيمة 1,5 تريليون", "worth 1.5 trillion"),
        ("بلغ 300 ألف", "reached 300k"),
        ("بلغ ٣٠٠ ألف", "reached 300,000"),
        ("صفقة بـ300 ألف دولار", "a $300,000 deal"),
        ("بلغ 300,000", "reached 300 thousand"),
        ("بلغ 2 مليون و500 ألف", "reached 2.5 million"),
        ("بلغ 5 آلاف و300 شخص", "5,300 people"),
        ("ركض 100 متر", "ran the 100m"),  # a unit, not a million
    ],
)
def test_a_multiplier_word_and_the_full_figure_agree(source, target):
    assert codes(source, target) == []


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("قتل 3 أشخاص", "three people were killed"),
        ("ارتفع بنسبة 5 في المئة.", "rose five percent."),
        ("بلغ 12 شخصا", "a dozen people"),
        ("مليون دولار", "a million dollars"),
        ("ثلاثة آلاف شخص", "3,000 people"),  # an Arabic number word written in figures
        ("وثلاثة أشخاص", "and 3 people"),
        ("ألف شخص", "1,000 people"),
    ],
)
def test_spelled_out_numbers_stand_for_figures(source, target):
    assert codes(source, target) == []


@pytest.mark.parametrize("target", ["at 3.30", "at 3:30", "at 3.30pm"])
def test_times_agree_however_they_are_written(target):
    assert codes("الساعة 3:30", target) == []
    assert codes("الساعة 15:30", "at 3.30pm") == []


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("الساعة 3:30", "at 4:30", ["number-missing", "number-extra"]),
        ("بلغ 300 ألف", "reached 30,000", ["number-missing", "number-extra"]),
        ("بلغ 300 ألف", "reached 300", ["number-missing", "number-extra"]),
        ("بلغت 2.5 مليون", "reached 2.5 billion", ["number-missing", "number-extra"]),
        ("قتل 3 أشخاص", "four people were killed", ["number-missing"]),
        ("قتل 3 أشخاص", "people were killed", ["number-missing"]),
        ("قتل 3 أشخاص", "3 people were killed, 4 injured", ["number-extra"]),
    ],
)
def test_a_changed_or_missing_figure_is_still_found(source, target, expected):
    assert codes(source, target) == expected


def test_a_missing_multiplied_figure_shows_as_written_and_in_full():
    (missing, _) = check("بلغ 300 ألف", "reached 30,000")
    assert missing.message == "number 300 of the source is missing (300,000)"
    assert [i.message for i in check("كلف 30 مليون دينار", "It cost dinars.")] == [
        "number 30 of the source is missing (30,000,000)"
    ]


@pytest.mark.parametrize(
    "target",
    [
        "The minister ﺍﻟﻮﺯﻳﺮ said",  # presentation forms B, from a PDF
        "The minister ﻻ said",  # the lam-alef ligature
        "The minister ﭖ said",  # presentation forms A
        "Peace be upon him ﷺ",
        "The name ݐ",  # Arabic Supplement
        "The name ࢠ",  # Arabic Extended-A
    ],
)
def test_arabic_in_any_block_is_left_in_the_translation(target):
    assert codes("قال الوزير", target) == ["arabic-in-target"]


def test_arabic_digits_are_left_in_the_translation():
    issues = check("بلغ 300 شخص", "300 people, ٣٠٠ of them")
    assert [(i.code, i.message) for i in issues] == [
        ("number-extra", "number 300 is not in the source"),
        ("arabic-in-target", "Arabic digits are left in the translation: ٣٠٠"),
    ]
    assert codes("بلغ ٣٠٠ شخص", "۳۰۰ people") == ["arabic-in-target"]  # Persian digits too
    assert [i.message for i in check("بلغ 300 و5", "٣٠٠ and ٥")] == [
        "Arabic digits are left in the translation: ٣٠٠, ٥"
    ]
    assert codes("بلغ 300 شخص", "300 people\ufeff") == []  # a byte-order mark is no Arabic


def test_a_copy_is_untranslated_but_converted_digits_are_a_translation():
    assert codes("٢٠٢٣", "2023") == []
    assert codes("٢٠٢٣", "٢٠٢٣") == ["untranslated"]
    assert codes("ﺍﻟﻮﺯﻳﺮ", "الوزير") == ["untranslated"]
    assert codes("قال ٣", "قال 3") == ["arabic-in-target"]


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        # another weekday or month than the Arabic's: the memory's old Friday over a Saturday
        ("ارتفعت أسعار النفط يوم السبت.", "Oil prices rose on Friday.", ["date-mismatch"]),
        ("وعقد الاجتماع في سبتمبر الماضي.", "The meeting was held last August.", ["date-mismatch"]),
        ("وعقد الاجتماع في أيلول الماضي.", "The meeting was held last Aug.", ["date-mismatch"]),
        ("وقال إن الانتخابات ستجري في مايو.", "He said the elections may be held in June.", ["date-mismatch"]),
        # the same day or month, written out or abbreviated, with a clitic on the Arabic
        ("ارتفعت أسعار النفط يوم السبت.", "Oil prices rose on Saturday.", []),
        ("وعقد الاجتماع في سبتمبر الماضي.", "The meeting was held last Sept.", []),
        ("وفي مايو قال الوزير إن الميزانية تكفي.", "In May, the minister said the budget was enough.", []),
        ("وبالسبت أعلنت الوزارة النتائج.", "On Saturday the ministry announced the results.", []),
        # a weekday the English adds (AP style for "yesterday") or a day the Arabic does not name
        ("أعلنت الوزارة النتائج أمس.", "The ministry announced the results on Friday.", []),
        ("التقى الاثنان في العاصمة.", "The two met in the capital on Friday.", []),
        # a day named and kept, another added beside it: nothing replaced
        ("وصل الوفد يوم السبت.", "The delegation arrived on Saturday, a day after Friday's talks.", []),
    ],
)
def test_a_weekday_or_month_other_than_the_sources_is_flagged(source, target, expected):
    issues = [i for i in check(source, target) if i.code == "date-mismatch"]
    assert [i.code for i in issues] == expected
    if issues:
        assert "is not in the translation, which says" in issues[0].message
