"""Quality checks on an Arabic source and its English target; each issue has a code and a message."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tm import tags
from tm.glossary import TermHit, contains_term
from tm.lang import ARABIC_DIGIT, arabic_script_in, normalize

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
DATE_MISMATCH = "date-mismatch"


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


_THOUSANDS = re.compile(r",\d{3}(?!\d)")


def number_value(text: str) -> str:
    """Return a number's value as a canonical string: 1,500 and 1500 agree, 2.50 and 2.5 agree.

    A comma followed by exactly three digits is a thousands separator; several dots (12.000.000)
    are thousands separators too; a single dot or comma otherwise is the decimal point.
    """
    t = text
    if t.count(".") > 1:
        t = t.replace(".", "")
    if _THOUSANDS.search(t):
        t = t.replace(",", "")
    t = t.replace(",", ".")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t.lstrip("0") or "0"


# --- Numbers as a newsroom writes them -------------------------------------------------------------
# Both texts are read after normalize() (Arabic-Indic digits, one alef, ة -> ه, lower case), with the
# same tables for both languages, so "300 ألف" in the Arabic meets "300,000", "300 thousand" or "300k".

# A word after a number that multiplies it (normalized spellings; Arabic singular, accusative, plural)
_MULTIPLIERS = {
    "hundred": 100,
    "thousand": 1000,
    "الف": 1000,
    "الفا": 1000,
    "الاف": 1000,
    "million": 10**6,
    "مليون": 10**6,
    "مليونا": 10**6,
    "ملايين": 10**6,
    "billion": 10**9,
    "مليار": 10**9,
    "مليارا": 10**9,
    "مليارات": 10**9,
    "بليون": 10**9,
    "بليونا": 10**9,
    "بلايين": 10**9,
    "trillion": 10**12,
    "ترليون": 10**12,
    "ترليونا": 10**12,
    "ترليونات": 10**12,
    "تريليون": 10**12,
    "تريليونا": 10**12,
    "تريليونات": 10**12,
}
# Abbreviations glued to a number (2.5bn, $3m, 300k); the one-letter ones may be units (100m, 5k), so
# a number with one of those also keeps its plain value
_ABBREVIATIONS = {"k": 1000, "m": 10**6, "mn": 10**6, "b": 10**9, "bn": 10**9, "tn": 10**12, "trn": 10**12}
_AMBIGUOUS = {"k", "m", "b"}
# Spelled-out numbers. They never raise a finding themselves (AP style spells one to nine, and an
# Arabic word such as ست or خمس has other readings), but a figure they stand for counts as present.
_WORDS = {
    **dict.fromkeys(("one", "first", "واحد", "واحده"), 1),
    **dict.fromkeys(("two", "second", "اثنان", "اثنين", "اثنتان", "اثنتين"), 2),
    **dict.fromkeys(("three", "third", "ثلاث", "ثلاثه"), 3),
    **dict.fromkeys(("four", "fourth", "اربع", "اربعه"), 4),
    **dict.fromkeys(("five", "fifth", "خمس", "خمسه"), 5),
    **dict.fromkeys(("six", "sixth", "ست", "سته"), 6),
    **dict.fromkeys(("seven", "seventh", "سبع", "سبعه"), 7),
    **dict.fromkeys(("eight", "eighth", "ثمان", "ثماني", "ثمانيه"), 8),
    **dict.fromkeys(("nine", "ninth", "تسع", "تسعه"), 9),
    **dict.fromkeys(("ten", "tenth", "عشر", "عشره"), 10),
    **dict.fromkeys(("eleven", "eleventh"), 11),
    **dict.fromkeys(("twelve", "twelfth", "dozen"), 12),
    **dict.fromkeys(("عشرون", "عشرين"), 20),
    **dict.fromkeys(("ثلاثون", "ثلاثين"), 30),
    **dict.fromkeys(("اربعون", "اربعين"), 40),
    **dict.fromkeys(("خمسون", "خمسين"), 50),
    **dict.fromkeys(("ستون", "ستين"), 60),
    **dict.fromkeys(("سبعون", "سبعين"), 70),
    **dict.fromkeys(("ثمانون", "ثمانين"), 80),
    **dict.fromkeys(("تسعون", "تسعين"), 90),
    **dict.fromkeys(("مئه", "مائه"), 100),
    **dict.fromkeys(("مئتان", "مئتين", "مئتي", "مائتان", "مائتين", "مائتي"), 200),
    **dict.fromkeys(("الف",), 1000),
    **dict.fromkeys(("الفان", "الفين", "الفي"), 2000),
    **dict.fromkeys(("مليون",), 10**6),
    **dict.fromkeys(("مليونان", "مليونين", "مليوني"), 2 * 10**6),
    **dict.fromkeys(("مليار",), 10**9),
    **dict.fromkeys(("ملياران", "مليارين", "ملياري"), 2 * 10**9),
}


def _alternation(words: Iterable[str]) -> str:
    """Return a regex matching any of words, factored as a trie (far faster to scan than a|b|c)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


_MULTIPLIER = rf"(?P<mult>{_alternation(_MULTIPLIERS)})(?!\w)"
# a figure: digits, maybe multiplied (300 ألف, 2.5 million, $2.5bn)
_FIGURE = re.compile(
    rf"(?P<num>\d+(?:[.,]\d+)*)(?:[\s-]*{_MULTIPLIER}|\s?(?P<abbr>{_alternation(_ABBREVIATIONS)})(?!\w))?"
)
# a spelled number, maybe with Arabic proclitics (وثلاثه, بخمسه, الثلاثه), maybe multiplied (a million)
_SPELLED = re.compile(
    rf"(?<!\w)[وف]?[بلك]?(?:ال)?(?P<word>{_alternation([*_WORDS, 'a'])})(?!\w)(?:[\s-]+{_MULTIPLIER})?"
)


# between two numbers that may be one value: a time (3:30) or an Arabic sum (2 مليون و500 ألف)
_COLON = re.compile(r"\s?:\s?")
_AND = re.compile(r"\s*و\s*")
_CLOCK = re.compile(r"([01]?\d|2[0-4])[.:]([0-5]\d)")


@dataclass(slots=True)
class _Number:
    """A number of one text: the values it may stand for, and how a message shows it."""

    values: frozenset[str]
    shown: str  # the figure as written, in the style of number_value
    full: str = ""  # the whole value when a multiplier makes it different (300 ألف -> 300,000)
    required: bool = True  # a figure in digits must be found; a spelled-out number may be
    start: int = 0
    end: int = 0
    scale: int = 0  # the multiplier, if any
    raw: str = ""  # the digits as written, for times


def _canonical(d: Decimal) -> str:
    return number_value(format(d, "f"))


def _grouped(d: Decimal) -> str:
    return f"{d:,f}".rstrip("0").rstrip(".") if "." in f"{d:f}" else f"{d:,f}"


def _clock_values(hour: int, minute: str) -> set[str]:
    """Return the ways a time h:mm may be written: 3:30 is also 15:30 (and 3pm for 3:00)."""
    hours = {hour}
    if 0 < hour < 12:
        hours.add(hour + 12)
    elif 12 < hour <= 24:
        hours.add(hour - 12)
    values = {f"{h}:{minute}" for h in hours}
    if minute == "00":
        values |= {str(h) for h in hours}
    return values


def _numbers(norm: str, spelled: bool = False) -> list[_Number]:
    """Return the numbers of normalized text, in order, each with every value it may stand for.

    Spelled-out numbers only when asked: they can only settle a figure that is otherwise unmatched.
    """
    found: list[_Number] = []
    for m in _FIGURE.finditer(norm):
        raw = m.group("num")
        plain = number_value(raw)
        mult = m.group("mult") or m.group("abbr")
        if mult is None:
            values = {plain}
            clock = _CLOCK.fullmatch(raw)
            if clock and "." in raw:  # 3.30 may be a time, as newspapers write it
                values |= _clock_values(int(clock.group(1)), clock.group(2))
            found.append(_Number(frozenset(values), plain, start=m.start(), end=m.end(), raw=raw))
            continue
        scale = _MULTIPLIERS.get(mult) or _ABBREVIATIONS[mult]
        try:
            whole = Decimal(plain) * scale
        except InvalidOperation:
            found.append(_Number(frozenset({plain}), plain, start=m.start(), end=m.end()))
            continue
        values = {_canonical(whole)} | ({plain} if mult in _AMBIGUOUS else set())
        found.append(_Number(frozenset(values), plain, _grouped(whole), True, m.start(), m.end(), scale))
    if not spelled:
        return found
    taken = [(n.start, n.end) for n in found]
    for m in _SPELLED.finditer(norm):
        word, mult = m.group("word"), m.group("mult")
        if (word == "a" and not mult) or any(s < m.end() and m.start() < e for s, e in taken):
            continue  # "a" only counts before a multiplier; "الف" of "300 الف" is the figure's
        scale = _MULTIPLIERS[mult] if mult else 0
        value = str(_WORDS.get(word, 1) * (scale or 1))
        found.append(_Number(frozenset({value}), value, "", False, m.start(), m.end(), scale))
    return sorted(found, key=lambda n: n.start)


def _joined(norm: str, a: _Number, b: _Number) -> set[str]:
    """Return the values of two neighbouring numbers read as one (a time, a sum), or an empty set."""
    between = norm[a.end : b.start]
    if _COLON.fullmatch(between) and a.raw.isdigit() and b.raw.isdigit() and len(b.raw) == 2:
        clock = _CLOCK.fullmatch(f"{a.raw}:{b.raw}")
        return _clock_values(int(clock.group(1)), clock.group(2)) if clock else set()
    if a.scale >= 1000 and _AND.fullmatch(between) and len(a.values) == 1 and len(b.values) == 1:
        first, second = Decimal(next(iter(a.values))), Decimal(next(iter(b.values)))
        if second < a.scale and (b.scale < a.scale):
            return {_canonical(first + second)}
    return set()


def _merge(nums: list[_Number], joins: list[set[str]], other: set[str]) -> list[_Number]:
    """Read neighbouring numbers as one value (3:30, 2 مليون و500 ألف) where the other text has it.

    joins[i] holds the values of nums[i] and nums[i + 1] read together (see _joined).
    """
    out: list[_Number] = []
    i = 0
    while i < len(nums):
        if i < len(joins) and joins[i] & other:
            a, b = nums[i], nums[i + 1]
            shown = f"{a.raw}:{b.raw}" if a.raw and b.raw else min(joins[i], key=len)
            out.append(_Number(frozenset(joins[i]), shown, "", a.required or b.required, a.start, b.end))
            i += 2
            continue
        out.append(nums[i])
        i += 1
    return out


def _unmatched(wanted: list[_Number], offered: list[_Number]) -> list[_Number]:
    """Return the required numbers of `wanted` that no number of `offered` can stand for.

    A maximum bipartite matching (each offered number used once), so a 3 that is both in "3" and
    "three" never hides another; the lists are a sentence long.
    """
    owner: dict[int, int] = {}

    def place(i: int, seen: set[int]) -> bool:
        for j, o in enumerate(offered):
            if j not in seen and wanted[i].values & o.values:
                seen.add(j)
                if j not in owner or place(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return [w for i, w in enumerate(wanted) if w.required and not place(i, set())]


def _number_issues(source_norm: str, target_norm: str, spelled: bool = False) -> list[Issue]:
    """Return the number findings; spelled-out numbers are read only if the figures alone disagree."""
    src, tgt = _numbers(source_norm, spelled), _numbers(target_norm, spelled)
    if not src and not tgt:
        return []
    src_joins = [_joined(source_norm, a, b) for a, b in zip(src, src[1:], strict=False)]
    tgt_joins = [_joined(target_norm, a, b) for a, b in zip(tgt, tgt[1:], strict=False)]
    # every value a text's numbers may stand for, alone or read together
    src_all = set().union(*(n.values for n in src), *src_joins)
    tgt_all = set().union(*(n.values for n in tgt), *tgt_joins)
    src, tgt = _merge(src, src_joins, tgt_all), _merge(tgt, tgt_joins, src_all)
    missing, extra = _unmatched(src, tgt), _unmatched(tgt, src)
    if (missing or extra) and not spelled:
        return _number_issues(source_norm, target_norm, spelled=True)
    issues: list[Issue] = []
    for kind, unmatched, text in (
        (NUMBER_MISSING, missing, "number {} of the source is missing"),
        (NUMBER_EXTRA, extra, "number {} is not in the source"),
    ):
        counted = Counter((n.shown, n.full) for n in unmatched)
        for (shown, full), n in counted.items():
            message = text.format(shown) + (f" ({full})" if full else "") + (f" ({n}x)" if n > 1 else "")
            issues.append(Issue(kind, message))
    return issues


# English month and weekday names -> how Arabic news writes them (both month systems: يناير and كانون الثاني);
# tm.adapt rewrites them in matches, the date check below compares them
MONTHS = {
    "January": ["يناير", "كانون الثاني"],
    "February": ["فبراير", "شباط"],
    "March": ["مارس", "آذار"],
    "April": ["أبريل", "ابريل", "نيسان"],
    "May": ["مايو", "أيار"],
    "June": ["يونيو", "يونيه", "حزيران"],
    "July": ["يوليو", "يوليه", "تموز"],
    "August": ["أغسطس", "آب"],
    "September": ["سبتمبر", "أيلول"],
    "October": ["أكتوبر", "تشرين الأول"],
    "November": ["نوفمبر", "تشرين الثاني"],
    "December": ["ديسمبر", "كانون الأول"],
}
WEEKDAYS = {
    "Sunday": ["الأحد"],
    "Monday": ["الاثنين", "الإثنين"],
    "Tuesday": ["الثلاثاء"],
    "Wednesday": ["الأربعاء"],
    "Thursday": ["الخميس"],
    "Friday": ["الجمعة"],
    "Saturday": ["السبت"],
}


def _english_name(name: str, kind: str) -> re.Pattern[str]:
    """Return how a translation may write a weekday or month (months also Jan., Sept.)."""
    forms = [name]
    if kind == "month" and len(name) > 5:
        forms += [name[:3] + r"\.?"] + ([r"Sept\.?"] if name == "September" else [])
    return re.compile(r"\b(?:" + "|".join(forms) + r")(?!\w)")


_KINDS = (("day", WEEKDAYS), ("month", MONTHS))
_NAMED = {name: _english_name(name, kind) for kind, names in _KINDS for name in names}


def _date_issues(source: str, target: str) -> list[Issue]:
    """Return a finding where the English names another weekday or month than the Arabic does.

    Only a name that replaces the source's is flagged (Saturday in the Arabic, Friday alone in
    the English): a translation may add a weekday (AP style: "Friday", not "yesterday"), and a
    word that is also a weekday in Arabic (الاثنين, "the two") flags nothing when the English
    names no other day.
    """
    from tm.adapt import date_names  # tm.adapt uses this module's number reading

    issues: list[Issue] = []
    named = date_names(source)
    for kind, names in _KINDS:
        wanted = {english for k, english in named if k == kind}
        if not wanted:
            continue
        said = {name for name in names if _NAMED[name].search(target)}
        missing, other = sorted(wanted - said), sorted(said - wanted)
        if missing and other:
            what = "weekday" if kind == "day" else "month"
            issues.append(
                Issue(
                    DATE_MISMATCH,
                    f"the source's {what} {', '.join(missing)} is not in the translation, which says "
                    f"{', '.join(other)}",
                )
            )
    return issues


_ARABIC_DIGITS = re.compile(ARABIC_DIGIT.pattern + "+")
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))


def check(source: str, target: str, hits: list[TermHit] | None = None) -> list[Issue]:
    """Run every check on a segment pair; `hits` are the glossary terms found in the source."""
    issues: list[Issue] = []
    if not target.strip():
        return [Issue(EMPTY, "the translation is empty")]
    source_norm, target_norm = normalize(source), normalize(target)
    # the same text after normalizing is a copy, unless only Arabic digits became Western ones (٢٠٢٣ -> 2023);
    # a source with nothing Arabic in it (a name, "BBC", a figure) is rightly the same in English
    same = (
        source_norm == target_norm
        and bool(arabic_script_in(source) or ARABIC_DIGIT.search(source))
        and not (ARABIC_DIGIT.search(source) and not ARABIC_DIGIT.search(target))
    )
    if same:
        issues.append(Issue(UNTRANSLATED, "the translation is the same as the source"))
    issues += _number_issues(source_norm, target_norm)
    issues += _date_issues(source, target)
    for h in hits or []:
        if not contains_term(target, h.term.target):
            issues.append(Issue(TERM_MISSING, f"glossary: {h.text} should be translated as {h.term.target}"))
        for bad in h.term.forbidden:
            if contains_term(target, bad):
                issues.append(Issue(TERM_FORBIDDEN, f"glossary: do not use {bad!r}, use {h.term.target!r}"))
    if not same:
        if arabic_script_in(target):
            issues.append(Issue(ARABIC_IN_TARGET, "Arabic script is left in the translation"))
        digits = _ARABIC_DIGITS.findall(target)
        if digits:
            issues.append(
                Issue(ARABIC_IN_TARGET, f"Arabic digits are left in the translation: {', '.join(digits)}")
            )
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
    # inline formatting (bold, links, footnote marks): a warning, the file is repaired on export
    issues += [Issue(t.code, t.describe()) for t in tags.compare(source, target)]
    return issues


def blocking(issues: list[Issue]) -> list[Issue]:
    """Return the findings of the blocking kind (BLOCKING) among issues."""
    return [i for i in issues if i.code in BLOCKING]
