"""Find and replace across a document's English: a preview of every change, then apply the chosen ones.

Plain text (optionally whole words, case-insensitive) is matched in this process: an escaped
pattern cannot backtrack badly. A regular expression written by the user can (`(a+)+$`), and
`re` cannot be interrupted from another thread, so it runs in a separate, isolated Python
process with a time limit and a memory limit; one that takes too long is killed and refused.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tm.errors import Busy, TMError
from tm.rights import require_write
from tm.store.records import SegmentRow, User

if TYPE_CHECKING:
    from tm.documents import Documents

MAX_FIND = 200  # characters of the find text or pattern
MAX_REPLACE = 1000  # characters of the replacement
MAX_MATCHES = 10_000  # in one document
MAX_TARGET = 20_000  # characters of an English sentence after the replacement
REGEX_SECONDS = 3.0  # wall time of the regex process, its start included
REGEX_MEMORY = 512 * 1024 * 1024  # bytes of address space of the regex process
UNCONFIRMS = ("confirmed", "approved")  # a change sends these back to draft

Span = tuple[int, int]


class HasTarget(Protocol):
    """What preview reads of a segment."""

    idx: int
    target: str
    status: str
    version: int


@dataclass(frozen=True)
class Options:
    """How the find text is matched."""

    case: bool = False  # match upper and lower case exactly
    whole_words: bool = False  # only where the find text is not part of a longer word
    regex: bool = False  # the find text is a Python regular expression; the replacement may use \\1


@dataclass
class Change:
    """What a replacement does to one sentence: its English before and after, and where."""

    idx: int
    version: int
    status: str
    before: str
    after: str
    spans: list[Span]  # the matches in before
    after_spans: list[Span]  # the replacements in after

    @property
    def unconfirms(self) -> bool:
        """Tell whether the change sends a confirmed or approved sentence back to draft."""
        return self.status in UNCONFIRMS

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a change."""
        return {
            "idx": self.idx,
            "version": self.version,
            "status": self.status,
            "before": self.before,
            "after": self.after,
            "spans": [list(s) for s in self.spans],
            "after_spans": [list(s) for s in self.after_spans],
            "unconfirms": self.unconfirms,
        }


@dataclass
class Skipped:
    """A sentence chosen for the replacement that was left as it is, and why."""

    idx: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        """Return the JSON shape of a skipped sentence."""
        return {"idx": self.idx, "reason": self.reason}


@dataclass
class Applied:
    """What a replacement changed and what it skipped."""

    changed: list[SegmentRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unconfirmed: int = 0  # confirmed or approved sentences that are drafts again


# (idx, text) pairs -> {idx: [(start, end, replacement text)]}
Finder = Callable[[list[tuple[int, str]]], dict[int, list[tuple[int, int, str]]]]


def _check_lengths(find: str, replace: str) -> None:
    if not find:
        raise TMError("type the text to find")
    if len(find) > MAX_FIND:
        raise TMError(f"the text to find is longer than {MAX_FIND} characters; shorten it")
    if len(replace) > MAX_REPLACE:
        raise TMError(f"the replacement is longer than {MAX_REPLACE} characters; shorten it")


def _flags(opts: Options) -> int:
    return 0 if opts.case else re.IGNORECASE


def _bounded(pattern: str, opts: Options) -> str:
    # not \b: a find text that starts or ends with punctuation ("U.S.") is still a whole word
    return rf"(?<!\w)(?:{pattern})(?!\w)" if opts.whole_words else pattern


def finder(find: str, replace: str, opts: Options) -> Finder:
    """Return what finds the matches and their replacement text; TMError for a pattern that cannot work."""
    _check_lengths(find, replace)
    if not opts.regex:
        rx = re.compile(_bounded(re.escape(find), opts), _flags(opts))
        return lambda texts: _find_here(rx, replace, texts)
    try:
        re.compile(_bounded(find, opts), _flags(opts))  # compiling is bounded by the pattern's length
    except re.error as e:
        raise TMError(f"the regular expression is not valid: {e}") from None
    except (OverflowError, RecursionError):
        raise TMError("the regular expression is too complex; simplify it") from None
    return lambda texts: _find_apart(_bounded(find, opts), _flags(opts), replace, texts)


def _find_here(rx: re.Pattern[str], replace: str, texts: list[tuple[int, str]]) -> dict[int, list]:
    found: dict[int, list[tuple[int, int, str]]] = {}
    total = 0
    for idx, text in texts:
        spans = [(m.start(), m.end(), replace) for m in rx.finditer(text)]
        if spans:
            total += len(spans)
            if total > MAX_MATCHES:
                raise TMError(f"more than {MAX_MATCHES} matches in the document; find something narrower")
            found[idx] = spans
    return found


# Runs in a fresh `python -I`: only re and json, bounded memory; the parent bounds its time.
_CHILD = r"""
import json, re, sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
except Exception:
    pass
req = json.load(sys.stdin)
def fail(message):
    json.dump({"error": message}, sys.stdout)
    sys.exit(0)
try:
    rx = re.compile(req["pattern"], req["flags"])
    found, total = {}, 0
    for idx, text in req["texts"]:
        spans, grown = [], len(text)
        for m in rx.finditer(text):
            if m.start() == m.end():
                fail("the regular expression matches empty text; make it match at least one character")
            out = m.expand(req["replace"])
            grown += len(out) - (m.end() - m.start())
            if grown > req["max_target"]:
                fail(f"the replacement makes sentence {idx + 1} longer than {req['max_target']} characters")
            spans.append((m.start(), m.end(), out))
            total += 1
            if total > req["max_matches"]:
                fail(f"more than {req['max_matches']} matches in the document; find something narrower")
        if spans:
            found[idx] = spans
except (re.error, IndexError) as e:
    fail(f"the replacement does not fit the regular expression: {e}")
except MemoryError:
    fail("the regular expression needs too much memory on this document; simplify it")
json.dump({"found": found}, sys.stdout)
""".replace("MEMORY", str(REGEX_MEMORY))


# Regular expressions run in child processes, at most this many at once in a server: more
# users' patterns wait their turn (briefly) instead of taking every request thread and core.
REGEX_AT_ONCE = 2
REGEX_QUEUE_SECONDS = 5.0
_regex_slots = threading.BoundedSemaphore(REGEX_AT_ONCE)


def _find_apart(pattern: str, flags: int, replace: str, texts: list[tuple[int, str]]) -> dict[int, list]:
    if not _regex_slots.acquire(timeout=REGEX_QUEUE_SECONDS):
        raise Busy("other regular-expression searches are running")
    try:
        return _run_child(pattern, flags, replace, texts)
    finally:
        _regex_slots.release()


def _run_child(pattern: str, flags: int, replace: str, texts: list[tuple[int, str]]) -> dict[int, list]:
    request = {
        "pattern": pattern,
        "flags": flags,
        "replace": replace,
        "texts": texts,
        "max_matches": MAX_MATCHES,
        "max_target": MAX_TARGET,
    }
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", _CHILD],
            input=json.dumps(request, ensure_ascii=False),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=REGEX_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise TMError(
            f"the regular expression takes too long on this document (more than {REGEX_SECONDS:g} s); "
            "simplify it: avoid repetition inside repetition such as (a+)+ or (\\w*)*"
        ) from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise TMError("the regular expression could not be run on this document; simplify it") from None
    if "error" in answer:
        raise TMError(answer["error"])
    return {int(k): [(a, b, out) for a, b, out in v] for k, v in answer["found"].items()}


def _rewrite(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, list[Span]]:
    """Return the text with the spans replaced, and where the replacements are in it."""
    parts, where, pos, shift = [], [], 0, 0
    for a, b, out in spans:
        parts += [text[pos:a], out]
        where.append((a + shift, a + shift + len(out)))
        shift += len(out) - (b - a)
        pos = b
    parts.append(text[pos:])
    return "".join(parts), where


def changes(segments: Iterable[HasTarget], find: Finder) -> list[Change]:
    """Return the change to each segment whose English the finder matches (an unchanged one is left out)."""
    segs = {s.idx: s for s in segments}
    found = find([(s.idx, s.target) for s in segs.values() if s.target])
    out = []
    for idx in sorted(found):
        s = segs[idx]
        after, where = _rewrite(s.target, found[idx])
        if after == s.target:
            continue
        if len(after) > MAX_TARGET:
            raise TMError(f"the replacement makes sentence {idx + 1} longer than {MAX_TARGET} characters")
        out.append(
            Change(idx, s.version, s.status, s.target, after, [(a, b) for a, b, _ in found[idx]], where)
        )
    return out


def preview(
    segments: Iterable[HasTarget],
    find: str,
    replace: str,
    *,
    case: bool = False,
    whole_words: bool = False,
    regex: bool = False,
) -> list[Change]:
    """Return what replacing `find` with `replace` would change in each segment's English, in order.

    TMError for an empty, too long or invalid find text, or a regular expression that takes
    too long, matches empty text or yields too many matches.
    """
    opts = Options(case=case, whole_words=whole_words, regex=regex)
    return changes(segments, finder(find, replace, opts))


def apply(
    documents: Documents,
    doc_id: int,
    user: User,
    find: str,
    replace: str,
    idxs: Sequence[int],
    versions: Sequence[int],
    *,
    case: bool = False,
    whole_words: bool = False,
    regex: bool = False,
) -> Applied:
    """Replace in the listed sentences, each at the version the user previewed, in one transaction.

    A sentence changed since (another version) or that no longer matches is skipped and
    reported, never overwritten. Each change is saved as a draft with action "replace" (a
    confirmed or approved sentence goes back to draft: its English changed). The user must
    be allowed to write the document (Forbidden), and the sentences must be in it (NotFound):
    then nothing is changed at all.
    """
    if len(idxs) != len(versions):
        raise TMError("send one version for each sentence to replace in")
    if len(set(idxs)) != len(idxs):
        raise TMError("each sentence may be listed once")
    find_in = finder(find, replace, Options(case=case, whole_words=whole_words, regex=regex))
    store = documents.store
    require_write(user, store.documents.get(doc_id, layout=False))  # early: no pattern runs for nothing
    wanted = dict(zip(idxs, versions, strict=True))
    # the matching (a regular expression's process included) runs before the transaction:
    # the version check inside it proves the English is still the one matched here
    current = {s.idx: s for s in store.documents.segments(doc_id) if s.idx in wanted}
    missing = sorted(set(wanted) - set(current))
    if missing:
        raise TMError(f"sentence {missing[0] + 1} is not in the document; preview again")
    planned = {c.idx: c for c in changes(current.values(), find_in)}
    result = Applied()
    with store.transaction():
        documents.start_writing(doc_id, user)  # nests: the rights are checked in this transaction
        for idx in idxs:
            seg = store.documents.segment(doc_id, idx)
            plan = planned.get(idx)
            if seg.version != wanted[idx] or seg.version != current[idx].version:
                result.skipped.append(
                    Skipped(idx, f"changed by {seg.changed_by or 'someone'} since the preview")
                )
            elif plan is None:
                result.skipped.append(Skipped(idx, "no longer contains the text to find"))
            else:
                result.changed.append(
                    store.documents.save_segment(
                        doc_id,
                        idx,
                        target=plan.after,
                        status="draft",
                        user=user.name,
                        expected_version=seg.version,
                        info=documents.qa_info(seg, plan.after),
                        action="replace",
                    )
                )
                result.unconfirmed += seg.status in UNCONFIRMS
    return result
