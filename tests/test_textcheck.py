"""What people type: invisible direction controls and invisible-only text are refused, long text too."""

from __future__ import annotations

import pytest

from tm.errors import TMError
from tm.textcheck import check_typed, is_blank


@pytest.mark.parametrize("text", ["", "  ", "\u200b", "\ufeff \u2028", "\u200f\n\t"])
def test_text_of_invisible_characters_is_blank(text):
    assert is_blank(text)


@pytest.mark.parametrize("text", ["x", "قال", "\u200bأ", "٣"])
def test_text_with_anything_visible_is_not_blank(text):
    assert not is_blank(text)


@pytest.mark.parametrize(
    "control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"]
)
def test_direction_controls_are_refused_with_their_code(control):
    with pytest.raises(TMError, match=f"U\\+{ord(control):04X}"):
        check_typed(f"report{control}cod.exe", "title")


def test_marks_that_only_hint_direction_are_kept():
    assert check_typed("قال\u200f 5", "comment") == "قال\u200f 5"  # RLM, as Arabic keyboards type it


def test_a_limit_is_said_in_the_error():
    assert check_typed("a" * 10, "title", limit=10) == "a" * 10
    with pytest.raises(TMError, match="11 characters long; tm takes at most 10"):
        check_typed("a" * 11, "title", limit=10)
