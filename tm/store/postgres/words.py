"""Target-side word search on PostgreSQL, tokenized as SQLite's FTS5 `unicode61` does.

The words of a unit's normalized English are computed here, not by a PostgreSQL text-search
configuration, and stored as a `tsvector` with their positions (GIN-indexed); a phrase is
a `tsquery` of those words joined by `<->`. Both engines then agree on what a word is:
a run of letters, digits and private-use characters, lower-cased; everything else separates.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# PostgreSQL refuses lexemes of 2 KiB or more, and positions stop at 16383
_MAX_LEXEME_BYTES = 2046
_MAX_POSITION = 16383


@lru_cache(maxsize=4096)
def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat == "Co"


def words(text: str) -> list[str]:
    """Return the words of text as FTS5's unicode61 tokenizer (no diacritics removal) finds them."""
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch.isascii():
            if ch.isalnum():
                current.append(ch)
                continue
        elif _is_word_char(ch):
            current.append(ch)
            continue
        if current:
            out.append("".join(current).lower())
            current = []
    if current:
        out.append("".join(current).lower())
    return out


def _lexeme(word: str) -> str | None:
    if len(word.encode()) > _MAX_LEXEME_BYTES:
        return None
    # words hold letters and digits only, but quote as the tsvector syntax wants anyway
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(text: str) -> str:
    """Return the tsvector literal of text's words with their positions."""
    parts = []
    for pos, word in enumerate(words(text), 1):
        lexeme = _lexeme(word)
        if lexeme is not None:
            parts.append(f"{lexeme}:{min(pos, _MAX_POSITION)}")
    return " ".join(parts)


def phrase(terms: list[str]) -> str | None:
    """Return the tsquery literal of a phrase (its words in a row), or None when it has no word."""
    found = words(" ".join(terms))
    lexemes = [_lexeme(w) for w in found]
    if not lexemes or any(lx is None for lx in lexemes):
        return None
    return " <-> ".join(lx for lx in lexemes if lx is not None)
