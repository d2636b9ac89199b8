"""The column order of a unit row, shared by single and bulk inserts."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from tm.store.records import NewUnit

INSERT_COLS = (
    "id, source, target, source_lang, target_lang, source_norm, source_hash, origin, mt_draft, author, "
    "context, meta, created_at, changed_at, status, reviewer, provenance"
)


def unit_values(new: NewUnit, norm: str, h: int, meta: str, created: str, changed: str) -> tuple:
    """Return the values of a new unit's row in INSERT_COLS order, without the id."""
    return (
        new.source,
        new.target,
        new.source_lang,
        new.target_lang,
        norm,
        h,
        new.origin,
        new.mt_draft,
        new.author,
        new.context,
        meta,
        created,
        changed,
        new.status,
        new.reviewer,
        new.provenance,
    )


# Above any unit id either engine gives (SQLite's and PostgreSQL's are 64-bit).
_NO_ID = (1 << 63) - 1


def key_spans(without: range | None) -> list[tuple[int, int]]:
    """Return the (low, high) bounds, both left out, of the ids snapshot_keys reads: all
    ids but those in `without` (a range of step 1)."""
    if without is None or not len(without):
        return [(0, _NO_ID)]
    if without.step != 1:
        raise ValueError(f"without must be a range of step 1, not {without!r}")
    return [(0, without.start), (without.stop - 1, _NO_ID)]


def key_pages(
    spans: list[tuple[int, int]], fetch: Callable[[int, int], list[tuple[int, str]]]
) -> Iterator[tuple[int, str]]:
    """Yield the (id, normalized source) rows of key_spans' spans in id order, a page at a time.

    fetch(after, before) returns the next page of rows whose ids lie strictly between.
    """
    for low, high in spans:
        last = low
        while True:
            rows = fetch(last, high)
            if not rows:
                break
            yield from rows
            last = rows[-1][0]
