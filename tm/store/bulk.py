"""Bulk import plumbing shared by the engines: batches and their derived columns."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from tm.lang import normalize
from tm.store.records import FeedPosition, NewUnit, source_hash

# Units decided and staged together. Under `overwrite` a batch compares its units with the
# targets stored in the memory, where earlier batches' overwrites wait for the swap: a repeated
# source can be decided differently on either side of a batch boundary, so the size is part of
# what an import does (keep it).
BATCH = 1000
# At most this many sources of an import are kept for while_swapping (the index coding them
# ahead): some 150 MB of news-length sentences. Those of a larger import are coded after it.
AHEAD = 300_000
_SOURCE, _TARGET, _META = attrgetter("source"), attrgetter("target"), attrgetter("meta")
# json.dumps(meta, ensure_ascii=False) without making an encoder for every unit
_META_JSON = json.JSONEncoder(ensure_ascii=False).encode
# ... and without making the C encoder JSONEncoder.encode makes for every call: the same one,
# given the same arguments as JSONEncoder(ensure_ascii=False).iterencode gives it (no circular
# check: anything it cannot write goes to _META_JSON, which writes it or raises as it always did)
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_META_C = (
    _c_make_encoder(
        None,
        json.JSONEncoder(ensure_ascii=False).default,
        json.encoder.encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )
    if _c_make_encoder is not None
    else None
)


def meta_json(meta: dict[str, Any]) -> str:
    """Return a unit's metadata as the store writes it: json.dumps(meta, ensure_ascii=False), {} empty."""
    if not meta:
        return "{}"
    if _META_C is not None and type(meta) is dict:
        try:
            return "".join(_META_C(meta, 0))
        except Exception:  # the usual encoder says what is wrong (or writes it)
            pass
    return _META_JSON(meta)


@dataclass(slots=True)
class Prepared:
    """A batch of units to import with, per unit, what the database needs derived from it."""

    units: list[NewUnit]
    norms: list[str]
    hashes: list[int]
    target_norms: list[str]
    metas: list[str]


def prepare(batch: list[NewUnit]) -> Prepared:
    """Derive normalized texts, source hashes and JSON metadata for a batch."""
    norms = list(map(normalize, map(_SOURCE, batch)))
    return Prepared(
        batch,
        norms,
        list(map(source_hash, norms)),
        list(map(normalize, map(_TARGET, batch))),
        list(map(meta_json, map(_META, batch))),
    )


def batches(units: Iterable[NewUnit], size: int = BATCH) -> Iterator[list[NewUnit]]:
    """Yield lists of at most size units."""
    batch: list[NewUnit] = []
    for unit in units:
        batch.append(unit)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Placed:
    """Where an import's units went: the ids first.. first+count-1, in the order of its sources.

    The import's commit made exactly the changes after `before` up to `after` (one creation
    per unit, nothing else): an index at `before` that finds the memory at `after` knows
    every change without reading one.
    """

    first: int
    count: int
    before: FeedPosition
    after: FeedPosition


class Swapping:
    """The normalized sources an import hands to `while_swapping`, then where their units went.

    Iterating yields the sources (of the units it adds, in order, and maybe of some it read and
    then skipped); the engine says where the units went with `place`, inside the transaction
    that adds them, or that it cannot say (None: skipped sources, more than AHEAD, changes
    beside the creations). `placed` waits for that, on the thread that iterated.
    """

    def __init__(self, norms: Callable[[], Iterable[str]]):
        self._norms = norms
        self._yielded = 0
        self._exhausted = False
        self._placed: Placed | None = None
        self._told = threading.Event()

    def __iter__(self) -> Iterator[str]:
        for norm in self._norms():
            self._yielded += 1
            yield norm
        self._exhausted = True

    def place(self, placed: Placed | None) -> None:
        """Say where the units went (once; the first word counts)."""
        if not self._told.is_set():
            self._placed = placed
            self._told.set()

    def placed(self) -> Placed | None:
        """Wait for `place`; return where the units went, if the sources iterated are exactly
        theirs, in order (every source iterated, as many as units placed), else None."""
        self._told.wait()
        placed = self._placed
        if placed is None or not self._exhausted or self._yielded != placed.count:
            return None
        return placed
