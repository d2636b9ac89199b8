"""The column order of a unit row, shared by single and bulk inserts."""

from __future__ import annotations

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
