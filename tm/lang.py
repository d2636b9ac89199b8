"""Arabic and English text handling for matching: normalization, tokens, clitics.

Normalization is only ever used to *compare* text. What the user wrote is stored and
exported unchanged; every normalized character remembers which original character it
came from, so hits found on normalized text can be highlighted in the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress

# Characters dropped entirely: harakat, tanween, shadda, sukun, maddah/hamza marks,
# superscript alef, tatweel, Quranic annotation marks, honorific signs, bidi controls,
# zero-width joiners, BOM and soft hyphen.
_DROP = set(range(0x064B, 0x0660)) | {0x0670, 0x0640} | set(range(0x06D6, 0x06EE))
_DROP |= set(range(0x0610, 0x061B))
_DROP |= {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF, 0x00AD}
_DROP |= set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))
# inline tags (tm.tags): formatting is not part of what a sentence says
_DROP |= set(range(0xE004, 0xE000 + 4 * 1500 + 3))

_MAP = {
    # alef variants -> bare alef
    "\u0623": "\u0627",
    "\u0625": "\u0627",
    "\u0622": "\u0627",
    "\u0671": "\u0627",
    # alef maqsura -> ya, ta marbuta -> ha (matching only)
    "\u0649": "\u064a",
    "\u0629": "\u0647",
    # Persian/Urdu letter forms that turn up in Arabic copy
    "\u06a9": "\u0643",
    "\u06cc": "\u064a",
    # Arabic punctuation -> ASCII
    "\u060c": ",",
    "\u061b": ";",
    "\u061f": "?",
    "\u066a": "%",
    "\u066b": ".",
    "\u066c": ",",
    "\u06d4": ".",
    # quotes of every kind -> one double / one single quote
    "\u00ab": '"',
    "\u00bb": '"',
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
}
for _i in range(10):
    _MAP[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _MAP[chr(0x06F0 + _i)] = str(_i)  # Extended Arabic-Indic (Persian/Urdu) digits

ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """Return the normalized form of one character ('' when it is dropped)."""
    if ord(ch) in _DROP:
        return ""
    if ch in _MAP:
        return _MAP[ch]
    if ch.isspace():
        return " "
    if ord(ch) < 128:
        return ch.lower()
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if ord(c) in _DROP:
            continue
        c = _MAP.get(c, c)
        out.append(" " if c.isspace() else c.casefold())
    return "".join(out)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalize text for matching and map each output char to its original index."""
    parts = list(map(_fold_char, text))
    joined = "".join(parts)
    # the usual case: no space to collapse at either end or inside, so nothing is dropped
    # but what _fold_char drops, and each output character maps to the one it came from
    if joined[:1] != " " and joined[-1:] != " " and "  " not in joined:
        dropped = parts.count("")
        if len(joined) == len(text) - dropped:  # no character became several
            if not dropped:
                return joined, list(range(len(text)))
            return joined, list(compress(range(len(text)), parts))
        return joined, [i for i, part in enumerate(parts) for _ in part]
    return _normalize_with_map_spaces(text)


def _normalize_with_map_spaces(text: str) -> tuple[str, list[int]]:
    """Normalize text that has spaces to collapse, one character at a time."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        for c in folded:
            if c == " " and (not out or out[-1] == " "):
                continue
            out.append(c)
            index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


# The same folding as _fold_char for the characters that need no NFKC, in one C call.
_TABLE: dict[int, str | None] = {c: None for c in _DROP}
_TABLE.update({ord(k): v for k, v in _MAP.items()})
_TABLE.update({c: " " for c in range(0x3100) if chr(c).isspace()})
# str.translate raises and swallows a LookupError for every character missing from the table:
# the characters Arabic text is made of map to themselves here, so that they are found.
for _c in (*range(0x20, 0x7F), *range(0x0600, 0x0700)):
    _TABLE.setdefault(_c, _c)


def normalize(text: str) -> str:
    """Normalize text for matching: no diacritics, one alef, ى/ي, ة/ه, 0-9, ASCII punctuation."""
    if text.isascii():  # English: only case and spacing to fold
        return " ".join(text.lower().split())
    folded = text.translate(_TABLE)
    if not folded.isascii() and not unicodedata.is_normalized("NFKC", folded):
        return normalize_with_map(text)[0]  # presentation forms, ligatures: the careful path
    return " ".join(folded.casefold().split())


# A number keeps its decimal point and thousands separators: 2.5, 1,500, 12.000.000.
_TOKEN = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*)"
    r"|(?P<word>[^\W\d_]+(?:['\-][^\W\d_]+)*)"
    r"|(?P<punct>[^\w\s])"
)

WORD, NUMBER, PUNCT = "word", "num", "punct"


@dataclass(frozen=True, slots=True)
class Token:
    """One token of normalized text and the span it covers in the original."""

    kind: str
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Tokenize original text; each token carries its normalized form and original span."""
    norm, index = normalize_with_map(text)
    tokens = []
    for m in _TOKEN.finditer(norm):
        start = index[m.start()]
        end = index[m.end() - 1] + 1
        tokens.append(Token(m.lastgroup or PUNCT, m.group(), start, end))
    return tokens


NUMBER_SLOT = "\u0000#"
# The same words and numbers as _TOKEN, without punctuation, for the hot paths.
_WORD_OR_NUMBER = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['\-][^\W\d_]+)*")


def words_and_numbers(norm: str) -> list[str]:
    """Return the word and number tokens of normalized text, numbers as written (no slot)."""
    return _WORD_OR_NUMBER.findall(norm)


def match_key(norm: str) -> list[str]:
    """Return the word tokens used for fuzzy scoring: numbers become one slot, punctuation goes."""
    return [NUMBER_SLOT if t[0].isdigit() else t for t in _WORD_OR_NUMBER.findall(norm)]


def numbers(norm: str) -> list[str]:
    """Return the numbers of normalized text, in order, in Western digits."""
    # findall gives (num, word, punct) per token, exactly one of them not empty
    return [num for num, _, _ in _TOKEN.findall(norm) if num]


def punctuation(norm: str) -> list[str]:
    """Return the punctuation marks of normalized text, in order."""
    return [mark for _, _, mark in _TOKEN.findall(norm) if mark]


def has_arabic(text: str) -> bool:
    """Tell whether text contains Arabic letters."""
    return ARABIC_LETTER.search(text) is not None


# Wider than ARABIC_LETTER, for QA only (ARABIC_LETTER feeds light_stem and encoding detection, so it
# stays as it is): every Arabic-script letter block, including the presentation forms that PDF
# copy-paste produces (ﺍﻟﻮﺯﻳﺮ), the supplement and extended blocks and the mathematical letters.
# Not the harakat, Arabic punctuation or the byte-order mark U+FEFF.
ARABIC_SCRIPT = re.compile(
    "[\u0620-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff\u0750-\u077f"
    "\u0870-\u088e\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefc\U00010ec0-\U00010eff\U0001ee00-\U0001eeff]"
)
# Arabic-Indic and Extended (Persian/Urdu) Arabic-Indic digits
ARABIC_DIGIT = re.compile("[\u0660-\u0669\u06f0-\u06f9]")


def arabic_script_in(text: str) -> bool:
    """Tell whether text contains a letter of any Arabic-script block (for QA; see ARABIC_SCRIPT)."""
    return ARABIC_SCRIPT.search(text) is not None


# Proclitics in the order they stack: conjunction, preposition, article.
_CONJ = ("و", "ف")
_PREP = ("ب", "ل", "ك")


def clitic_variants(word: str) -> set[str]:
    """Return the stems a normalized Arabic word may be, with proclitics peeled off.

    `والمغرب`, `بالمغرب` and `للمغرب` all yield `المغرب` (and `مغرب`); a stem must keep at
    least two letters so short words are not eaten.
    """
    found = {word}
    stems = {word}
    for prefixes in (_CONJ, _PREP):
        nxt = set()
        for w in stems:
            for p in prefixes:
                if w.startswith(p) and len(w) - len(p) >= 2:
                    nxt.add(w[len(p) :])
        stems |= nxt
    found |= stems
    for w in list(stems):
        if w.startswith("ال") and len(w) > 3:
            found.add(w[2:])
        # ل + ال contracts to لل: للمغرب = ل + المغرب
        if w.startswith("لل") and len(w) > 3:
            found.add("ال" + w[2:])
            found.add(w[2:])
    return found


@lru_cache(maxsize=65536)
def light_stem(word: str) -> str:
    """Return a normalized word with its proclitics (و ف, ب ل ك, ال) peeled off.

    Deterministic, so a word and its cliticized forms meet on one key: `والمغرب`,
    `بالمغرب`, `للمغرب` and `المغرب` all give `مغرب`. Used for search keys, not display.
    """
    if not has_arabic(word):
        return word
    w = word
    if w[:1] in _CONJ and len(w) > 3:
        w = w[1:]
    if w.startswith("لل") and len(w) > 4:
        return w[2:]
    if w[:1] in _PREP and len(w) > 3 and w[1:3] == "ال":
        w = w[1:]
    if w.startswith("ال") and len(w) > 3:
        w = w[2:]
    return w


def stem_key(norm: str) -> list[str]:
    """Return the light stems of the word and number tokens of normalized text."""
    return [light_stem(t) for t in _WORD_OR_NUMBER.findall(norm)]
