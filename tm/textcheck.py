"""Checks of what people type into titles, English, comments and terms: no invisible tricks.

Bidirectional embedding and override controls (U+202A–202E, U+2066–2069) make text display in
another order than it is stored (a title "…‮exe.doc" reads as "…cod.exe"); the browser
lays mixed Arabic and English out by itself, so typed text never needs them. Text made only of
invisible characters (zero-width spaces, byte-order marks) is empty.
"""

from __future__ import annotations

import re
import unicodedata

from tm.errors import TMError

BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
MAX_TARGET = 20_000  # characters of a sentence's English: far beyond any news sentence
MAX_TITLE = 300


def is_blank(text: str) -> bool:
    """Tell whether text has nothing visible: only spaces, line breaks and format characters."""
    return all(c.isspace() or unicodedata.category(c) in ("Cf", "Cc", "Zs", "Zl", "Zp") for c in text)


def check_typed(text: str, what: str, *, limit: int | None = None) -> str:
    """Return text if it may be stored as `what`; TMError for bidi controls or more than limit characters."""
    bad = BIDI_CONTROLS.search(text)
    if bad:
        raise TMError(
            f"the {what} holds an invisible direction control (U+{ord(bad.group()):04X}) that would show "
            "the text in another order than it is written; remove it (it often comes with copied text)"
        )
    if limit is not None and len(text) > limit:
        raise TMError(f"the {what} is {len(text):,} characters long; tm takes at most {limit:,}")
    return text
