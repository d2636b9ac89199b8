"""The fast paths of text handling give exactly what the character-by-character code gives."""

from __future__ import annotations

import random
import unicodedata

import pytest

from tm import lang
from tm.lang import _TOKEN, NUMBER, PUNCT, _fold_char

# Arabic with every mark and letter form, digits of three scripts, spaces of several kinds,
# quotes and dashes, presentation forms and ligatures (the careful path), astral letters.
POOL = (
    [chr(c) for c in range(0x0600, 0x0700)]
    + list("abcXYZ 0123456789\t\n.,;:!?'\"-_«»“”‘’…–—  ")
    + [chr(c) for c in (0x200B, 0x200C, 0x200F, 0x202B, 0x2067, 0xFEFF, 0x00AD, 0x00A0, 0x2009, 0x3000)]
    + [chr(c) for c in (0x06F1, 0xFB50, 0xFE8D, 0xFDF2, 0xFEFB, 0x1D400, 0x00E9, 0x0130, 0x00DF, 0xFB01)]
    + [chr(c) for c in (0x00B2, 0x00BD, 0x2460, 0x0660, 0x066B, 0x066C)]
)


def texts(seed: int, n: int = 1500) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def normalize_with_map_one_by_one(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            if c == " " and (not out or out[-1] == " "):
                continue
            out.append(c)
            index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def normalize_by_dict(text: str) -> str:
    """normalize() with the translation table as it was: only the characters that change."""
    if text.isascii():
        return " ".join(text.lower().split())
    table: dict[int, str | None] = {c: None for c in lang._DROP}
    table.update({ord(k): v for k, v in lang._MAP.items()})
    table.update({c: " " for c in range(0x3100) if chr(c).isspace()})
    folded = text.translate(table)
    if not folded.isascii() and not unicodedata.is_normalized("NFKC", folded):
        return normalize_with_map_one_by_one(text)[0]
    return " ".join(folded.casefold().split())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_normalize_and_its_map_are_those_of_the_one_by_one_code(seed):
    for text in texts(seed):
        assert lang.normalize_with_map(text) == normalize_with_map_one_by_one(text), repr(text)
        assert lang.normalize(text) == normalize_by_dict(text), repr(text)


@pytest.mark.parametrize("seed", [4, 5])
def test_numbers_and_punctuation_are_those_of_the_tokenizer(seed):
    for text in texts(seed):
        norm = lang.normalize(text)
        tokens = list(_TOKEN.finditer(norm))
        assert lang.numbers(norm) == [m.group() for m in tokens if m.lastgroup == NUMBER]
        assert lang.punctuation(norm) == [m.group() for m in tokens if m.lastgroup == PUNCT]


def test_a_diacritized_sentence_maps_back_to_its_letters():
    text = "قَالَ  الوَزِيرُ إِنَّ"
    norm, index = lang.normalize_with_map(text)
    assert norm == "قال الوزير ان"
    assert [text[i] for i in index] == list("قال") + [" "] + list("الوزير") + [" "] + list("إن")
