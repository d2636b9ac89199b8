"""Bulk import plumbing shared by the engines: batches and their derived columns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tm.lang import normalize
from tm.store.records import NewUnit, source_hash

BATCH = 1000
# json.dumps(meta, ensure_ascii=False) without making an encoder for every unit
_META_JSON = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(slots=True)
class Prepared:
    """A unit to import with what the database needs derived from it."""

    unit: NewUnit
    norm: str
    hash: int
    target_norm: str
    meta: str


def prepare(batch: list[NewUnit]) -> list[Prepared]:
    """Derive normalized text, hash, search keys and JSON metadata for a batch."""
    out = []
    for new in batch:
        norm = normalize(new.source)
        out.append(
            Prepared(
                new,
                norm,
                source_hash(norm),
                normalize(new.target),
                _META_JSON(new.meta) if new.meta else "{}",
            )
        )
    return out


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
