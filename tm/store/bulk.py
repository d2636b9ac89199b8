"""Bulk import plumbing shared by the engines: batches and their derived columns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from tm.lang import normalize
from tm.store.records import NewUnit, source_hash

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
