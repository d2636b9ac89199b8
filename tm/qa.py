"""Quality checks on an Arabic source and its English target; each issue has a code and a message."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tm.glossary import TermHit, contains_term
from tm.lang import has_arabic, normalize

# Codes, for filtering and for the editor's icons.
NUMBER_MISSING = "number-missing"
NUMBER_EXTRA = "number-extra"
TERM_MISSING = "term-missing"
TERM_FORBIDDEN = "term-forbidden"
ARABIC_IN_TARGET = "arabic-in-target"
EMPTY = "empty-target"
UNTRANSLATED = "untranslated"
BRACKETS = "unbalanced-brackets"
QUOTES = "unbalanced-quotes"
ARABIC_PUNCT = "arabic-punctuation"
DOUBLE_SPACE = "double-space"


# Findings that stop a confirm unless the translator overrides them (and the override is recorded)
BLOCKING = (EMPTY, NUMBER_MISSING, TERM_FORBIDDEN, ARABIC_IN_TARGET, UNTRANSLATED)


@dataclass(frozen=True)
class Issue:
    """One QA finding."""

    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        """Return the JSON shape of an issue."""
        return {"code": self.code, "message": self.message}


_NUM = re.compile(r"\d+(?:[.,]\d+)*")


def number_value(text: str) -> str:
    """Return a number's value as a canonical string: 1,500 and 1500 agree, 2.50 and 2.5 agree.

    A comma followed by exactly three digits is a thousands separator; several dots (12.000.000)
    are thousands separators too; a single dot or comma otherwise is the decimal point.
    """
    t = text
    if t.count(".") > 1:
        t = t.replace(".", "")
    if re.search(r",\d{3}(?!\d)", t):
        t = t.replace(",", "")
    t = t.replace(",", ".")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t.lstrip("0") or "0"


def numbers_in(text: str) -> Counter[str]:
    """Return the values of the numbers in a text (Arabic digits included), counted."""
    return Counter(number_value(m.group()) for m in _NUM.finditer(normalize(text)))


_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))


def check(source: str, target: str, hits: list[TermHit] | None = None) -> list[Issue]:
    """Run every check on a segment pair; `hits` are the glossary terms found in the source."""
    issues: list[Issue] = []
    if not target.strip():
        return [Issue(EMPTY, "the translation is empty")]
    if normalize(target) == normalize(source):
        issues.append(Issue(UNTRANSLATED, "the translation is the same as the source"))
    src_nums, tgt_nums = numbers_in(source), numbers_in(target)
    for value, n in (src_nums - tgt_nums).items():
        issues.append(
            Issue(NUMBER_MISSING, f"number {value} of the source is missing" + (f" ({n}x)" if n > 1 else ""))
        )
    for value, n in (tgt_nums - src_nums).items():
        issues.append(
            Issue(NUMBER_EXTRA, f"number {value} is not in the source" + (f" ({n}x)" if n > 1 else ""))
        )
    for h in hits or []:
        if not contains_term(target, h.term.target):
            issues.append(Issue(TERM_MISSING, f"glossary: {h.text} should be translated as {h.term.target}"))
        for bad in h.term.forbidden:
            if contains_term(target, bad):
                issues.append(Issue(TERM_FORBIDDEN, f"glossary: do not use {bad!r}, use {h.term.target!r}"))
    if has_arabic(target) and not (normalize(target) == normalize(source)):
        issues.append(Issue(ARABIC_IN_TARGET, "Arabic script is left in the translation"))
    for left, right in _PAIRS:
        if target.count(left) != target.count(right):
            issues.append(Issue(BRACKETS, f"unbalanced {left}{right} in the translation"))
    if target.count("“") != target.count("”") or target.count('"') % 2:
        issues.append(Issue(QUOTES, "unbalanced quotation marks in the translation"))
    for mark, name in (("؟", "Arabic question mark ؟"), ("،", "Arabic comma ،"), ("؛", "Arabic semicolon ؛")):
        if mark in target:
            issues.append(Issue(ARABIC_PUNCT, f"{name} in the translation"))
    if "  " in target.strip():
        issues.append(Issue(DOUBLE_SPACE, "double space in the translation"))
    return issues


def blocking(issues: list[Issue]) -> list[Issue]:
    """Return the findings of the blocking kind (BLOCKING) among issues."""
    return [i for i in issues if i.code in BLOCKING]
