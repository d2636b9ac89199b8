import pytest

from tm.adapt import adapt

SRC = "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار في فبراير 2023"
TGT = "The government signed a $500 million deal in February 2023"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "وقعت الحكومة اتفاقا بقيمة ٧٥٠ مليون دولار في فبراير 2023",
            "The government signed a $750 million deal in February 2023",
        ),
        (
            "وقعت الحكومة اتفاقا بقيمة 500 مليون دولار في مارس 2024",
            "The government signed a $500 million deal in March 2024",
        ),
        (
            "وقعت الحكومة اتفاقا بقيمة 2.5 مليون دولار في آذار ٢٠٢٤",
            "The government signed a $2.5 million deal in March 2024",
        ),
    ],
)
def test_numbers_and_months_are_rewritten(query, expected):
    assert adapt(SRC, TGT, query).target == expected


def test_weekdays_and_thousands_style():
    a = adapt(
        "ارتفع المؤشر 1,500 نقطة يوم الأحد",
        "The index rose 1,500 points on Sunday",
        "ارتفع المؤشر ٢٣٠٠ نقطة يوم الخميس",
    )
    assert a.target == "The index rose 2,300 points on Thursday"
    assert a.changes == [
        ("1,500", "٢٣٠٠".translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))),
        ("Sunday", "Thursday"),
    ]


def test_swapped_values_are_applied_together():
    assert adapt("من 5 إلى 10", "from 5 to 10", "من 10 إلى 15").target == "from 10 to 15"


@pytest.mark.parametrize(
    ("src", "tgt", "query"),
    [
        ("زاد 5 و 5", "rose 5 and 5", "زاد 6 و 5"),  # the old number twice in the English
        (
            "بلغ النمو 2.5 في المئة",
            "Growth reached two and a half percent",
            "بلغ النمو 3 في المئة",
        ),  # not found
        (SRC, TGT, "وقعت الشركة اتفاقا بقيمة 750 مليون دولار في فبراير 2023"),  # a word differs too
        (SRC, TGT, SRC),  # nothing differs
        ("في فبراير", "in Feb.", "في مارس"),  # month written otherwise in English
    ],
)
def test_no_adaptation_when_unsure(src, tgt, query):
    assert adapt(src, tgt, query) is None
