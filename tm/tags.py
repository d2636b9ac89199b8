"""Inline formatting inside a sentence (bold, italic, links, line breaks, footnote marks) as tags.

A tag is one character of Unicode's private use area, so every text routine sees a sentence as a
plain string: the segmenter, the editor, QA and the memory. Tag number n (from 1) is
`BASE + 4n` when it opens a span (<b>), `BASE + 4n + 1` when it closes it (</b>) and
`BASE + 4n + 2` when it stands alone (<br/>, a footnote mark, an image). What each tag stands
for in the file (its markup, a name to show) is kept beside the text in a table {n: Tag}.

Numbers go by order of appearance within a block (a paragraph, a table cell, an XLIFF unit). The
memory keeps each sentence `canonical`: its tags renumbered 1, 2, ... in order, so the same
sentence with the same formatting matches wherever it stood; `renumber` maps a match back.
Matching ignores tags (tm.lang.normalize drops them); a match whose only difference is its tags
scores 100 minus `penalty`, like a changed number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tm.errors import FormatError

OPEN, CLOSE, EMPTY = 0, 1, 2
KINDS = ("open", "close", "empty")
BASE = 0xE000
MAX_TAGS = 1500  # tags in one block: 4 code points each, inside the private use area E000-F8FF
LAST = BASE + 4 * MAX_TAGS + EMPTY
TAG = re.compile(f"[{chr(BASE + 4)}-{chr(LAST)}]")
TAG_PENALTY = 1  # points per tag that differs, like a changed number
MAX_PENALTY = 5


@dataclass
class Tag:
    """What a tag stands for in its file: the markup to give back and a short name to show."""

    kind: str  # open | close | empty
    name: str  # b, i, a, br, sup, w:r... shown on the chip
    markup: str = ""  # the original markup (an opening tag with its attributes, a run's properties)
    title: str = ""  # what to show on hover: a link's address, a footnote's text

    def to_json(self) -> dict[str, str]:
        """Return the JSON shape of a tag."""
        return {"kind": self.kind, "name": self.name, "markup": self.markup, "title": self.title}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tag:
        """Return a tag from its JSON shape."""
        markup, title = str(data.get("markup", "")), str(data.get("title", ""))
        return cls(str(data["kind"]), str(data["name"]), markup, title)


def char(n: int, kind: int) -> str:
    """Return the character of tag n (from 1) of a kind (OPEN, CLOSE, EMPTY)."""
    if not 1 <= n <= MAX_TAGS:
        raise FormatError(f"a paragraph holds more than {MAX_TAGS} inline codes; tm takes at most that many")
    return chr(BASE + 4 * n + kind)


def parse(ch: str) -> tuple[int, int] | None:
    """Return (number, kind) of a tag character, None for any other character."""
    code = ord(ch) - BASE
    if len(ch) != 1 or not 4 <= code <= 4 * MAX_TAGS + EMPTY or code % 4 == 3:
        return None
    return code // 4, code % 4


def tags_in(text: str) -> list[str]:
    """Return the tag characters of a text, in order."""
    return [c for c in TAG.findall(text) if parse(c) is not None]


def strip(text: str) -> str:
    """Return the text without its tags (for plain text and word counts)."""
    return TAG.sub("", text)


def numbers(text: str) -> list[int]:
    """Return the numbers of the tags in a text, each once, in order of first appearance."""
    seen: dict[int, None] = {}
    for c in tags_in(text):
        parsed = parse(c)
        if parsed is not None:
            seen.setdefault(parsed[0], None)
    return list(seen)


def canonical(text: str) -> tuple[str, dict[int, int]]:
    """Return the text with its tags renumbered 1, 2, ... in order, and the map old -> new."""
    mapping = {old: new for new, old in enumerate(numbers(text), start=1)}
    return renumber(text, mapping), mapping


def renumber(text: str, mapping: dict[int, int]) -> str:
    """Return the text with tag n written as tag mapping[n] (tags not in mapping are kept)."""

    def swap(m: re.Match[str]) -> str:
        parsed = parse(m.group())
        if parsed is None or parsed[0] not in mapping:
            return m.group()
        return char(mapping[parsed[0]], parsed[1])

    return TAG.sub(swap, text)


def subtable(table: dict[int, Tag], text: str, mapping: dict[int, int] | None = None) -> dict[int, Tag]:
    """Return the part of a block's table a text uses, renumbered by mapping when given."""
    out = {}
    for n in numbers(text):
        if n in table:
            out[mapping.get(n, n) if mapping else n] = table[n]
    return out


def table_json(table: dict[int, Tag]) -> dict[str, dict[str, str]]:
    """Return a tag table as JSON (numbers as strings, as JSON keys are)."""
    return {str(n): t.to_json() for n, t in sorted(table.items())}


def table_from_json(data: dict[str, Any] | None) -> dict[int, Tag]:
    """Return a tag table from its JSON shape (an empty table for None)."""
    return {int(n): Tag.from_json(t) for n, t in (data or {}).items()}


@dataclass
class TagIssue:
    """A difference between the tags of a source and of its translation."""

    code: str  # tag-missing | tag-extra | tag-order
    tags: list[str]  # the tag characters concerned

    def describe(self, table: dict[int, Tag] | None = None) -> str:
        """Say it in words, naming the tags as the editor shows them."""
        names = ", ".join(label(c, table) for c in self.tags)
        if self.code == "tag-missing":
            return f"the English lacks the formatting {names} that the Arabic has"
        if self.code == "tag-extra":
            return f"the English has formatting {names} that the Arabic does not"
        return f"the formatting {names} is out of order (a span closes before it opens, or across another)"


def label(c: str, table: dict[int, Tag] | None = None) -> str:
    """Return how a tag is written in messages and plain output: <b1>, </b1>, <br3/>."""
    parsed = parse(c)
    if parsed is None:
        return c
    n, kind = parsed
    name = table[n].name if table and n in table else "x"
    return {OPEN: f"<{name}{n}>", CLOSE: f"</{name}{n}>", EMPTY: f"<{name}{n}/>"}[kind]


def show(text: str, table: dict[int, Tag] | None = None) -> str:
    """Return the text with its tags written as <b1>…</b1> (CLI output, CSV, messages)."""
    return TAG.sub(lambda m: label(m.group(), table), text)


def compare(source: str, target: str) -> list[TagIssue]:
    """Return how the target's tags differ from the source's: missing, extra, misordered.

    Each tag counts once per occurrence. The order only matters within a pair: a span that
    closes before it opens (or opens after another span it was inside closed) is misordered;
    tags may otherwise move with the words, as English word order differs from Arabic.
    """
    want, have = tags_in(source), tags_in(target)
    issues = []
    missing = _minus(want, have)
    extra = _minus(have, want)
    if missing:
        issues.append(TagIssue("tag-missing", missing))
    if extra:
        issues.append(TagIssue("tag-extra", extra))
    misordered = _misordered(have)
    if misordered:
        issues.append(TagIssue("tag-order", misordered))
    return issues


def _minus(a: Iterable[str], b: Iterable[str]) -> list[str]:
    rest = list(b)
    out = []
    for c in a:
        if c in rest:
            rest.remove(c)
        else:
            out.append(c)
    return out


def _misordered(tags: list[str]) -> list[str]:
    """Return the closing tags that come before their opening tag, or that cross another span."""
    bad = []
    open_stack: list[int] = []
    opened: set[int] = set()
    for c in tags:
        parsed = parse(c)
        if parsed is None:
            continue
        n, kind = parsed
        if kind == OPEN:
            open_stack.append(n)
            opened.add(n)
        elif kind == CLOSE:
            if n not in opened:
                # a span whose opening tag is in another sentence of the block is fine when no
                # tag of this sentence opened it: only a close before its own open is wrong
                if chr(BASE + 4 * n) in tags:
                    bad.append(c)
                continue
            if open_stack and open_stack[-1] != n:
                bad.append(c)  # closes across a span opened inside it
            if n in open_stack:
                open_stack.remove(n)
    return bad


def penalty(query: str, memory: str) -> int:
    """Return the points a match loses because its tags differ from the query's (0 when alike)."""
    a, b = tags_in(canonical(query)[0]), tags_in(canonical(memory)[0])
    if a == b:
        return 0
    differing = len(_minus(a, b)) + len(_minus(b, a))
    return min(MAX_PENALTY, TAG_PENALTY * max(differing, 1))


def missing_next(source: str, target: str) -> str | None:
    """Return the first tag of the source the target still lacks (the editor's insert key)."""
    lacking = _minus(tags_in(source), tags_in(target))
    return lacking[0] if lacking else None


def edges(source: str) -> tuple[str, str]:
    """Return the tags before a sentence's first word and after its last (with nothing between).

    A machine translation cannot place tags inside the sentence, but these it can keep: a
    sentence in bold throughout, a line break at its end, a footnote mark after its full stop.
    """
    i = 0
    while i < len(source) and (source[i].isspace() or TAG.match(source[i])):
        i += 1
    j = len(source)
    while j > i and (source[j - 1].isspace() or TAG.match(source[j - 1])):
        j -= 1
    return "".join(tags_in(source[:i])), "".join(tags_in(source[j:]))
