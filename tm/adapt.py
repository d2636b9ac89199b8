"""Auto-adaptation of fuzzy matches that differ only in numbers, months or weekdays.

Like memoQ's and Trados' auto-translatables: when the new sentence differs from the memory's
source only in such tokens, the stored English is rewritten with the new values. Nothing is
adapted unless every value to change is found exactly once in the English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tm.lang import NUMBER, PUNCT, normalize, tokenize
from tm.qa import MONTHS, WEEKDAYS, number_value

# normalized Arabic name (one or two words) -> (kind, English)
NAMES: dict[tuple[str, ...], tuple[str, str]] = {}
for _english, _arabic in MONTHS.items():
    for _name in _arabic:
        NAMES[tuple(normalize(_name).split())] = ("month", _english)
for _english, _arabic in WEEKDAYS.items():
    for _name in _arabic:
        NAMES[tuple(normalize(_name).split())] = ("day", _english)
_CLITICS = ("و", "ف", "ب", "ل")


@dataclass
class Adapted:
    """An adapted translation and the changes made to the stored one."""

    target: str
    changes: list[tuple[str, str]] = field(default_factory=list)
    score: int | None = None  # the adapted match's score, when a match was adapted (adapt_match)


def _auto_key(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Return the sentence's words with auto-translatables as slots, and those values in order."""
    tokens = [t for t in tokenize(text) if t.kind != PUNCT]
    words = [t.text for t in tokens]
    key: list[str] = []
    values: list[tuple[str, str]] = []
    i = 0
    while i < len(words):
        w = words[i]
        if tokens[i].kind == NUMBER:
            key.append("\x00num")
            values.append(("num", w))
            i += 1
            continue
        matched = False
        for size in (2, 1):
            chunk = tuple(words[i : i + size])
            forms = [chunk]
            if chunk and chunk[0][:1] in _CLITICS and len(chunk[0]) > 3:
                forms.append((chunk[0][1:], *chunk[1:]))
            for k, form in enumerate(forms):
                if len(form) == size and form in NAMES:
                    kind, english = NAMES[form]
                    key.append(f"\x00{kind}" + ("+" + chunk[0][0] if k else ""))
                    values.append((kind, english))
                    i += size
                    matched = True
                    break
            if matched:
                break
        if not matched:
            key.append(w)
            i += 1
    return key, values


def date_names(text: str) -> list[tuple[str, str]]:
    """Return the weekdays and months an Arabic text names, as ("day" | "month", English name)."""
    return [v for v in _auto_key(text)[1] if v[0] != "num"]


_TARGET_NUM = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")


def _format_like(new: str, old_in_target: str) -> str:
    """Write a new number in the style of the old one in the English (thousands commas)."""
    value = number_value(new)
    if "," in old_in_target and re.search(r",\d{3}", old_in_target) and "." not in value:
        return f"{int(value):,}"
    return value


def adapt(memory_source: str, memory_target: str, query: str) -> Adapted | None:
    """Rewrite memory_target for query when only numbers, months or weekdays differ."""
    key_m, values_m = _auto_key(memory_source)
    key_q, values_q = _auto_key(query)
    if key_m != key_q:
        return None
    changed = [(m, q) for m, q in zip(values_m, values_q, strict=True) if m != q]
    if not changed:
        return None
    edits: list[tuple[int, int, str]] = []
    for (kind, old), (_, new) in changed:
        if kind == "num":
            spots = [
                m for m in _TARGET_NUM.finditer(memory_target) if number_value(m.group()) == number_value(old)
            ]
            if len(spots) != 1:
                return None
            edits.append((spots[0].start(), spots[0].end(), _format_like(new, spots[0].group())))
        else:
            spots = list(re.finditer(rf"(?<!\w){re.escape(old)}(?!\w)", memory_target))
            if len(spots) != 1:
                return None
            edits.append((spots[0].start(), spots[0].end(), new))
    edits.sort()
    if any(a[1] > b[0] for a, b in zip(edits, edits[1:], strict=False)):
        return None  # two changes claim the same spot: ambiguous
    out, pos = [], 0
    for start, end, text in edits:
        out += [memory_target[pos:start], text]
        pos = end
    out.append(memory_target[pos:])
    return Adapted("".join(out), [(o[1], n[1]) for o, n in changed])
