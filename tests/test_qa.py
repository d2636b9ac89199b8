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
    assert codes("BBC", "BBC") == ["untranslated"]


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
