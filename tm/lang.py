"""Arabic and English text handling for matching: normalization, tokens, clitics.

Normalization is only ever used to *compare* text. What the user wrote is stored and
exported unchanged; every normalized character remembers which original character it
came from, so hits found on normalized text can be highlighted in the original.
"""

from __future__ import annotations

import codecs
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


# The fast path for the text tm sees most, Arabic with ASCII: str.translate looks every character
# up in a dict, one at a time, which is most of normalizing a diacritized sentence. Instead each
# character of _BYTE_CHARS becomes one byte through a codec's encoding map (C, a few ns a
# character), the bytes are folded and dropped by bytes.translate and their spaces collapsed, and
# the bytes turned back into text. Each byte is folded exactly as _TABLE then casefold() fold its
# character, into ASCII or an Arabic letter of _FAST_OUT: text made of those is already NFKC
# (tests/store/test_sqlite_imports.py checks every pair), so normalize() would not take its
# careful path for it. A text with any other character takes the general path.
_FAST_OUT = frozenset(map(chr, range(0x0620, 0x064B))) - {"\u0640"}  # Arabic letters, not tatweel
_BYTE_CHARS = [
    *map(chr, range(0x80)),
    *"\u00a0\u00ab\u00bb\u00ad\u060c\u061b\u061c\u061f\u0670\u0671\u06a9\u06cc\u06d4\ufeff",
    *map(chr, (*range(0x0610, 0x061B), *range(0x0620, 0x066D), *range(0x06F0, 0x06FA))),
    *map(chr, (*range(0x200B, 0x2010), 0x2013, 0x2014, 0x2018, 0x2019, 0x201A, 0x201C, 0x201D, 0x201E)),
]
_BYTE_CHARS += ["\ufffe"] * (256 - len(_BYTE_CHARS))  # U+FFFE: no character has this byte
_FOLD = bytearray(range(256))
_FOLD_DROP = bytearray()
for _b, _ch in enumerate(_BYTE_CHARS):
    if _ch == "\ufffe":
        continue
    _folded = _ch.translate(_TABLE).casefold()
    if not _folded:
        _FOLD_DROP.append(_b)
    elif len(_folded) == 1 and (_folded.isascii() or _folded in _FAST_OUT):
        _FOLD[_b] = _BYTE_CHARS.index(_folded)
    else:  # folds into something else: such text takes the general path
        _BYTE_CHARS[_b] = "\ufffe"
_BYTES_DECODE = "".join(_BYTE_CHARS)
_BYTES_ENCODE = codecs.charmap_build(_BYTES_DECODE)
_FOLD_BYTES, _FOLD_DROP_BYTES = bytes(_FOLD), bytes(_FOLD_DROP)
# inline tags (tm.tags), dropped before the fast path tries a tagged sentence
_TAG_CHARS = re.compile("[\ue004-\uf772]")
_charmap_encode, _charmap_decode = codecs.charmap_encode, codecs.charmap_decode


def _fast_normalize(text: str) -> str | None:
    """Return normalize(text) for text made of _BYTE_CHARS (and tags), else None."""
    try:
        data = _charmap_encode(text, "strict", _BYTES_ENCODE)[0]
    except UnicodeEncodeError:
        untagged = _TAG_CHARS.sub("", text)
        if len(untagged) == len(text):
            return None
        try:
            data = _charmap_encode(untagged, "strict", _BYTES_ENCODE)[0]
        except UnicodeEncodeError:
            return None
    data = data.translate(_FOLD_BYTES, _FOLD_DROP_BYTES)
    # find(), not `in`: bytes.__contains__ tries its argument as an int first, at the cost of an
    # exception every time
    if data.find(b"  ") != -1 or data.startswith(b" ") or data.endswith(b" "):
        data = b" ".join(data.split())  # the only whitespace left is the space
    return _charmap_decode(data, "strict", _BYTES_DECODE)[0]


def normalize(text: str) -> str:
    """Normalize text for matching: no diacritics, one alef, ى/ي, ة/ه, 0-9, ASCII punctuation."""
    if text.isascii():  # English: only case and spacing to fold
        return " ".join(text.lower().split())
    fast = _fast_normalize(text)
    if fast is not None:
        return fast
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


# The fast path of words_and_numbers, for text made of _BYTE_CHARS: each byte's class as the
# pattern sees its character: "L" a letter ([^\W\d_]), "D" a digit, the four marks that can
# join a token (' - . ,) themselves, " " anything else. Where no letter touches a digit, no mark
# joins two letters or two digits, the tokens are the runs of letters and of digits: the text
# split at everything else.
_CLASS = bytearray(b" " * 256)
_RUNS = bytearray(b" " * 256)  # letters and digits kept, the rest a space
for _b, _ch in enumerate(_BYTE_CHARS):
    if _ch == "\ufffe":
        continue
    if re.fullmatch(r"[^\W\d_]", _ch):
        _CLASS[_b], _RUNS[_b] = ord("L"), _b
    elif re.fullmatch(r"\d", _ch):
        _CLASS[_b], _RUNS[_b] = ord("D"), _b
    elif _ch in "'-.,":
        _CLASS[_b] = _b
_CLASS_BYTES, _RUNS_BYTES = bytes(_CLASS), bytes(_RUNS)


def words_and_numbers(norm: str) -> list[str]:
    """Return the word and number tokens of normalized text, numbers as written (no slot)."""
    try:
        data = _charmap_encode(norm, "strict", _BYTES_ENCODE)[0]
    except UnicodeEncodeError:
        return _WORD_OR_NUMBER.findall(norm)
    kinds = data.translate(_CLASS_BYTES)
    other = kinds.translate(None, b"L .,")  # digits, ' and -
    # find(), not `in`: bytes.__contains__ tries its argument as an int first, at the cost of an
    # exception every time
    if other and (
        (
            other.find(b"D") != -1
            and (
                kinds.find(b"LD") != -1
                or kinds.find(b"DL") != -1
                or kinds.find(b"D.D") != -1
                or kinds.find(b"D,D") != -1
            )
        )
        or (other.find(b"'") != -1 and kinds.find(b"L'L") != -1)
        or (other.find(b"-") != -1 and kinds.find(b"L-L") != -1)
    ):
        return _WORD_OR_NUMBER.findall(norm)
    return _charmap_decode(data.translate(_RUNS_BYTES), "strict", _BYTES_DECODE)[0].split()


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
