"""Reading an HTML page into blocks: a linear tokenizer that records where every piece sits.

The rules (what is a block, what is inline, what is never touched) are described in
tm/formats/html.py, which decodes pages, extracts blocks and merges the English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape

from tm import tags
from tm.errors import FormatError
from tm.tags import CLOSE, EMPTY, OPEN, Tag

MAX_HTML_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 4096  # real pages nest a few dozen deep; browsers flatten beyond 512


def _words(text: str) -> set[str]:
    return set(text.split())


INLINE = _words("a abbr acronym b bdi bdo big blink cite data del dfn em font i ins mark nobr q rp rt")
INLINE |= _words("ruby s small span strike strong sub sup time tt u")
INLINE_VOID, INVISIBLE_VOID = {"br", "img", "wbr", "input"}, {"meta", "link"}  # meta: microdata
_PHRASING = INLINE | INLINE_VOID | INVISIBLE_VOID
VOID = INLINE_VOID | INVISIBLE_VOID | _words("area base basefont col embed hr keygen param source track")
UNTOUCHED = _words("script style code pre textarea noscript template svg math iframe kbd samp var xmp")
INVISIBLE = _words("script style noscript template comment markup meta link")
RAW = _words("script style xmp iframe noembed noframes noscript title textarea")  # no tags inside
ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
META = _words("description keywords og:title og:description og:image:alt twitter:title")
META |= _words("twitter:description twitter:image:alt")
HEADINGS = {f"h{i}" for i in range(1, 7)}
KINDS = dict.fromkeys(HEADINGS | {"title"}, "heading") | dict.fromkeys(("td", "th"), "cell")
KINDS |= dict.fromkeys(("li", "dt", "dd", "option"), "item")
P_CLOSERS = HEADINGS | _words("address article aside blockquote center details dialog dir div dl dd dt")
P_CLOSERS |= _words("fieldset figcaption figure footer form header hgroup hr li main menu nav ol p pre")
P_CLOSERS |= _words("section summary table ul")
SCOPE = ("button", "table", "td", "th", "caption", "html", "template", "object", "marquee", "applet")
_ROWS = ("tbody", "thead", "tfoot", "tr", "td", "th")
_Rule = tuple[tuple[str, ...], tuple[str, ...]]  # the open elements a start tag closes, and what fences them
IMPLIED: dict[str, _Rule] = {
    "li": (("li",), ("ul", "ol", *SCOPE)),
    "dt": (("dt", "dd"), ("dl", *SCOPE)),
    "td": (("td", "th"), ("table",)),
    "tr": (("tr", "td", "th"), ("table",)),
    "tbody": (_ROWS, ("table",)),
    "option": (("option",), ("select", "datalist")),
    "optgroup": (("option", "optgroup"), ("select",)),
}
IMPLIED |= {"dd": IMPLIED["dt"], "th": IMPLIED["td"], "thead": IMPLIED["tbody"], "tfoot": IMPLIED["tbody"]}
WS = " \t\n\r\f"
_BREAKS = re.compile("[ \t\n\r\f\v\x1c-\x1e\x85\u2028\u2029]+")  # a block holds no line break
_MARKUP = re.compile(r"<[A-Za-z!?/]")
_NAME = re.compile(r"[^\t\n\f\r />]*")
_ATTR = re.compile(
    r"""[\t\n\f\r /]*(?:(>)|([^\t\n\f\r />][^\t\n\f\r /=>]*)"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"?|'([^']*)'?|([^\t\n\f\r >]*)))?)"""
)
_PUA_RAW = re.compile(r"[\ue000-\uf8ff]|&#[xX][0-9a-fA-F]+;?|&#[0-9]+;?")
PIECES = re.compile(f"({tags.TAG.pattern})")
CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_END_OF: dict[str, re.Pattern[str]] = {}
_KIND = {"open": OPEN, "close": CLOSE, "empty": EMPTY}
Edit = tuple[int, int, str]  # replace page[start:end] by the text
# a piece of a block: (kind, start, end, key, name, title); kind text|open|close|empty, key is the
# decoded text of a text, the element's serial of an open or close, "invisible" for an empty
Item = tuple[str, int, int, object, str, str]


@dataclass
class _Attr:
    name: str
    value: str | None
    start: int = 0  # where the value is, without its quotes
    end: int = 0
    quote: str = '"'


@dataclass
class Source:
    """A block as it sits in the page: its span, and where each tag's markup is."""

    kind: str
    id: str
    start: int
    end: int
    text: str = ""
    table: dict[int, Tag] = field(default_factory=dict)
    spans: dict[int, tuple[int, int, int, int, bool]] = field(default_factory=dict)  # open, close, invisible
    quote: str = '"'


@dataclass(slots=True)
class _Open:
    name: str
    start: int
    serial: int
    index: int
    ordinal: int
    container: bool = False
    inline_untouched: bool = False
    edits: list[Edit] = field(default_factory=list)  # dir and lang to turn English
    blocks: list[int] = field(default_factory=list)  # [first, end) of the blocks it holds


class Page:
    """One pass over the page: the blocks and the places that may change."""

    def __init__(self, s: str, name: str):
        self.s, self.name = s, name
        self.stack: list[_Open] = []
        self.where: dict[str, list[int]] = {}  # name -> indices in stack
        self.containers: list[_Open] = []
        self.skip = -1  # stack index of the untouched element we are inside
        self.items: list[Item] = []  # of the block being read
        self.container: _Open | None = None
        self.pending: list[Source] = []  # attributes of inline elements, after their block
        self.awaiting: list[_Open] = []  # closed inside the block being read
        self.sources: list[Source] = []
        self.directed: list[_Open] = []
        self.counts: dict[str, int] = {}
        self.parts: dict[int, int] = {}
        self.serial = 0

    def run(self) -> Page:
        s, n, pos = self.s, len(self.s), 0
        while pos < n:
            m = _MARKUP.search(s, pos)
            lt = m.start() if m else n
            if lt > pos:
                self.text(pos, lt)
            pos = self.markup(lt) if m else n
        self.pop_to(0, n, n)
        self.boundary()
        return self

    def markup(self, lt: int) -> int:
        s, n = self.s, len(self.s)
        if s.startswith("<!--", lt):
            end = s.find(">", lt) + 1 if s.startswith(("<!-->", "<!--->"), lt) else s.find("-->", lt + 4) + 3
            self.add_empty(lt, end if end > 2 else n, "comment")
            return end if end > 2 else n
        c = s[lt + 1]
        if c in "!?" or (c == "/" and not re.match("[A-Za-z]", s[lt + 2 : lt + 3])):
            end = s.find(">", lt + 2) + 1 or n
            self.add_empty(lt, end, "markup")  # doctype, bogus comment, </>
            return end
        at = lt + (2 if c == "/" else 1)
        tag = _NAME.match(s, at).group().lower()  # type: ignore[union-attr]
        stop, attrs = _attrs(s, at + len(tag))
        if stop is None:  # the file ends inside a tag: leave the rest alone
            self.add_empty(lt, n, "markup")
            return n
        if c == "/":
            self.end_tag(tag, lt, stop)
            return stop
        self.start_tag(tag, lt, stop, attrs)
        if tag not in RAW or not self.stack or self.stack[-1].name != tag:
            return stop
        close = _END_OF.setdefault(tag, re.compile(rf"</{tag}[\t\n\f\r />]", re.I)).search(s, stop)
        if tag == "title":
            self.text(stop, close.start() if close else n)
        return close.start() if close else n

    def text(self, start: int, end: int) -> None:
        if self.skip >= 0 or (not self.items and not self.s[start:end].strip(WS)):
            return
        pos = start
        if tags.TAG.search(unescape(self.s[start:end])):  # private-use characters (icon fonts) of the
            for m in _PUA_RAW.finditer(self.s, start, end):  # page would read as tags: make them tags
                if tags.TAG.fullmatch(unescape(m.group())):
                    if m.start() > pos:
                        self.add(("text", pos, m.start(), unescape(self.s[pos : m.start()]), "", ""))
                    self.add(("empty", m.start(), m.end(), False, "char", ""))
                    pos = m.end()
        if pos < end:
            self.add(("text", pos, end, unescape(self.s[pos:end]), "", ""))

    def add(self, item: Item) -> None:
        if not self.items:
            self.container = self.containers[-1] if self.containers else None
        self.items.append(item)

    def add_empty(self, start: int, end: int, name: str, title: str = "") -> None:
        if self.skip < 0:
            self.add(("empty", start, end, name in INVISIBLE, name, title))

    def start_tag(self, name: str, lt: int, end: int, attrs: list[_Attr]) -> None:
        self.counts[name] = ordinal = self.counts.get(name, 0) + 1
        void = name in VOID or (self.s[end - 2] == "/" and (name in ("svg", "math") or self.skip >= 0))
        if self.skip >= 0:
            if not void:
                self.push(name, lt)
            return
        values = {a.name: a for a in reversed(attrs)}  # the first of a repeated attribute counts
        untouched = name in UNTOUCHED or ("translate" in values and values["translate"].value == "no")
        inline = name in _PHRASING or (untouched and name != "pre")
        if not inline:
            self.boundary()
            self.close_implied(name, lt)
        if untouched:
            if void:
                self.add_empty(lt, end, name, "")
            else:
                entry = self.push(name, lt)
                self.skip, entry.inline_untouched = entry.index, inline
            return
        first = len(self.sources)
        (self.pending if inline else self.sources).extend(self.attributes(name, ordinal, values))
        if void:
            if name in INLINE_VOID or (name in INVISIBLE_VOID and self.items):
                alt = values.get("alt") or values.get("src")
                self.add_empty(lt, end, name, (alt.value or "") if alt else "")
            return
        entry = self.push(name, lt)
        entry.container, entry.blocks = not inline, [first, first]
        if not inline:
            self.containers.append(entry)
        for key, english in (("dir", "ltr"), ("lang", "en"), ("xml:lang", "en")):
            value = (values[key].value or "").strip().lower() if key in values else ""
            if value in ("rtl", "ar") or value.startswith(("ar-", "ar_")):
                entry.edits.append((values[key].start, values[key].end, english))
        if inline:
            href = values.get("href")
            self.add(("open", lt, end, entry.serial, name, (href.value or "") if href else ""))

    def attributes(self, name: str, ordinal: int, values: dict[str, _Attr]) -> list[Source]:
        found = [values[k] for k in ATTRIBUTES if k in values]
        key = values.get("name") or values.get("property")
        if name == "meta" and key and (key.value or "").strip().lower() in META and "content" in values:
            found.append(values["content"])
        out = []
        for a in found:
            text = _BREAKS.sub(" ", a.value or "").strip(" ")
            if any(ch.isalnum() for ch in text):
                source = Source("attribute", f"{name}[{ordinal}]@{a.name}", a.start, a.end, quote=a.quote)
                source.text, source.table = _pua_tags(text)
                out.append(source)
        return out

    def end_tag(self, name: str, lt: int, end: int) -> None:
        idx = self.where[name][-1] if self.where.get(name) else -1
        if self.skip >= 0 and (idx < 0 or idx > self.skip):
            self.pop_to(idx, lt, end) if idx >= 0 else None
        elif idx < 0:  # a stray end tag
            if name in INLINE:
                self.serial += 1
                self.add(("close", lt, end, -self.serial, name, ""))
            elif name in INLINE_VOID:
                self.add_empty(lt, end, name)
            else:
                self.boundary()
        elif idx == self.skip:
            inline = self.stack[idx].inline_untouched
            self.pop_to(idx, lt, end)
            self.boundary() if not inline else None
        elif name in INLINE and (not self.containers or self.containers[-1].index < idx):
            serial = self.stack[idx].serial
            self.pop_to(idx, lt, lt)
            self.add(("close", lt, end, serial, name, ""))
        else:
            self.pop_to(idx, lt, end)
            self.boundary()

    def push(self, name: str, lt: int) -> _Open:
        if len(self.stack) >= MAX_DEPTH:
            raise FormatError(
                f"elements are nested more than {MAX_DEPTH} deep; tm refuses such a page (a real page "
                "nests a few dozen deep): check that this is the page you meant",
                path=self.name,
                line=self.s.count("\n", 0, lt) + 1,
            )
        self.serial += 1
        entry = _Open(name, lt, self.serial, len(self.stack), self.counts.get(name, 0))
        self.stack.append(entry)
        self.where.setdefault(name, []).append(entry.index)
        return entry

    def pop_to(self, idx: int, token_start: int, token_end: int) -> None:
        """Close the open elements down to stack[idx]: by its end tag, or implied by another token."""
        while len(self.stack) > idx:
            entry = self.stack.pop()
            self.where[entry.name].pop()
            if entry.container:
                self.containers.pop()
            if entry.index == self.skip:
                self.skip = -1
                if entry.inline_untouched:
                    stop = token_end if entry.index == idx else token_start
                    self.add_empty(entry.start, stop, entry.name, _plain(self.s[entry.start : stop]))
            if entry.edits:
                entry.blocks[1] = len(self.sources)
                self.directed.append(entry)
                self.awaiting += [entry] if self.items else []

    def close_implied(self, name: str, lt: int) -> None:
        rules: list[_Rule] = [(("p",), SCOPE)] if name in P_CLOSERS else []
        rules += [IMPLIED[name]] if name in IMPLIED else []
        if name in HEADINGS and self.stack and self.stack[-1].name in HEADINGS:
            rules.append(((self.stack[-1].name,), ()))
        for targets, fence in rules:
            best = max((self.where[t][-1] for t in targets if self.where.get(t)), default=-1)
            if best > max((self.where[f][-1] for f in fence if self.where.get(f)), default=-1):
                self.pop_to(best, lt, lt)

    def boundary(self) -> None:
        items, self.items = self.items, []
        for part in _split_at_breaks(items):
            source = self.block(part)
            self.sources += [source] if source else []
        self.sources += self.pending
        self.pending = []
        for entry in self.awaiting:
            entry.blocks[1] = len(self.sources)
        self.awaiting = []

    def block(self, part: list[Item]) -> Source | None:
        part = _trim(part)
        if not any(it[0] == "text" and any(ch.isalnum() for ch in str(it[3])) for it in part):
            return None
        part[0] = _shrink(self.s, part[0], lead=True)
        part[-1] = _shrink(self.s, part[-1], lead=False)
        source = Source("paragraph", "", part[0][1], part[-1][2])
        numbers: dict[object, int] = {}
        out = []
        for kind, start, end, key, name, title in part:
            if kind == "text":
                out.append(str(key))
            elif kind == "close" and key in numbers and source.spans[numbers[key]][2] < 0:
                n = numbers[key]
                source.spans[n] = (*source.spans[n][:2], start, end, False)
                out.append(tags.char(n, CLOSE))
            else:
                n = len(source.table) + 1
                source.table[n] = Tag(kind, name, self.s[start:end], title[:200])
                source.spans[n] = (start, end, -1, -1, kind == "empty" and key is True)
                numbers.update({key: n} if kind == "open" else {})
                out.append(tags.char(n, _KIND[kind]))
        source.text = _BREAKS.sub(" ", "".join(out)).strip(" ")
        c = self.container
        source.kind = KINDS.get(c.name, "paragraph") if c else "paragraph"
        self.parts[c.serial if c else 0] = part_no = self.parts.get(c.serial if c else 0, 0) + 1
        source.id = (f"{c.name}[{c.ordinal}]" if c else "text") + (f".{part_no}" if part_no > 1 else "")
        return source


def _attrs(s: str, pos: int) -> tuple[int | None, list[_Attr]]:
    """Return where a tag ends (None: at the end of the file) and its attributes with their places."""
    out: list[_Attr] = []
    while m := _ATTR.match(s, pos):  # no match: the file ends inside the tag
        if m.group(1):
            return m.end(), out
        group = next((g for g in (3, 4, 5) if m.group(g) is not None), 0)
        value = m.group(group) if group else None
        quote = {3: '"', 4: "'"}.get(group, "")
        start, end = (m.start(group), m.end(group)) if group else (0, 0)
        out.append(_Attr(m.group(2).lower(), None if value is None else unescape(value), start, end, quote))
        pos = m.end()
    return None, out


def _split_at_breaks(items: list[Item]) -> list[list[Item]]:
    """Split a block where two or more <br> follow each other (paragraphs of CMS copy)."""
    parts: list[list[Item]] = []
    current: list[Item] = []
    run_start = brs = 0
    for it in items:
        if it[0] == "empty" and it[4] == "br":
            run_start, brs = (len(current) if brs == 0 else run_start), brs + 1
        elif not (it[0] == "text" and not str(it[3]).strip(WS)):
            if brs >= 2:
                parts.append(current[:run_start])
                current = current[run_start:]
            brs = 0
        current.append(it)
    return [*parts, current]


def _trim(part: list[Item]) -> list[Item]:
    """Leave out of a block what sits at its edges: space, <br>, comments, a span around it all."""
    opens = {it[3]: i for i, it in enumerate(part) if it[0] == "open"}
    closes = {it[3]: i for i, it in enumerate(part) if it[0] == "close"}
    lo, hi = 0, len(part)
    while lo < hi:
        first, last = part[lo], part[hi - 1]
        lone_open = first[0] == "open" and not lo < closes.get(first[3], -1) < hi
        lone_close = last[0] == "close" and not lo <= opens.get(last[3], -1) < hi
        if _blank(first) or first[0] == "close" or lone_open:
            lo += 1
        elif _blank(last) or last[0] == "open" or lone_close:
            hi -= 1
        elif first[0] == "open" and closes.get(first[3]) == hi - 1:
            lo, hi = lo + 1, hi - 1
        else:
            break
    return part[lo:hi]


def _blank(it: Item) -> bool:
    if it[0] == "text":
        return not str(it[3]).strip(WS)
    return it[0] == "empty" and (it[3] is True or it[4] in ("br", "wbr"))


def _shrink(s: str, it: Item, *, lead: bool) -> Item:
    """Return a text item without the white space at the block's edge (it stays in the page)."""
    if it[0] != "text":
        return it
    raw = s[it[1] : it[2]]
    start = it[1] + len(raw) - len(raw.lstrip(WS)) if lead else it[1]
    end = it[1] + len(raw.rstrip(WS)) if not lead else it[2]
    return ("text", start, end, unescape(s[start:end]), "", "")


def _plain(markup: str) -> str:
    """Return the words of a piece of markup, to show on the tag that stands for it."""
    return _BREAKS.sub(" ", unescape(re.sub(r"<[^>]*>?", " ", markup[:2000]))).strip()[:200]


def _pua_tags(text: str) -> tuple[str, dict[int, Tag]]:
    """Return a text whose private-use characters are empty tags standing for themselves."""
    table: dict[int, Tag] = {}

    def one(m: re.Match[str]) -> str:
        table[len(table) + 1] = Tag("empty", "char", m.group())
        return tags.char(len(table), EMPTY)

    return tags.TAG.sub(one, text), table
