"""/api/v1 units: list with stable paging, create, read with history, update (409 when stale), delete."""

from __future__ import annotations

from typing import Any, Literal

from flask import abort, g, jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.textcheck import MAX_TARGET
from web import services
from web.memory import edited
from web.security import roles
from web.v1 import bp
from web.v1.models import Unit
from web.v1.paging import decode_cursor, encode_cursor
from web.v1.spec import MAX_ID, Answer, Model, Plain, Query, Text, Typed, created, operation

EDITORS = ("admin", "reviewer")  # who changes the memory by hand, as on the memory pages


class UnitsQuery(Query):
    origin: Literal["human", "mt", "import"] | None = None
    author: Plain | None = Field(None, max_length=200)
    since: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$", description="changed at or after (UTC)"
    )
    until: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$", description="changed before (UTC)"
    )
    cursor: Plain | None = Field(None, max_length=200, description="the `next` of the previous page")
    limit: int = Field(50, ge=1, le=200)


class UnitPage(Answer):
    items: list[Unit]
    next: str | None = Field(description="pass it as cursor for the next page; null on the last page")


class NewUnitBody(Model):
    source: Text = Field(max_length=MAX_TARGET, description="the Arabic, as written")
    target: Typed = Field(max_length=MAX_TARGET, description="the English")
    origin: Literal["human", "mt", "import"] = "human"
    mt_draft: Plain | None = Field(None, max_length=MAX_TARGET, description="the MT draft it was edited from")
    meta: dict[Plain, Plain] = Field(default_factory=dict, max_length=50, description="e.g. client, story id")


class UnitChange(Model):
    version: int = Field(ge=1, le=MAX_ID, description="the version read: a newer one in the memory is a 409")
    source: Text | None = Field(None, max_length=MAX_TARGET)
    target: Typed | None = Field(None, max_length=MAX_TARGET)


class DeleteQuery(Query):
    version: int = Field(ge=1, le=MAX_ID, description="the version read: a newer one in the memory is a 409")


class Change(Answer):
    """A unit after one change (before it, for a delete), with who and when."""

    id: int
    version: int
    action: Literal["create", "update", "delete"]
    source: str
    target: str
    origin: str
    mt_draft: str | None
    author: str | None
    at: str
    status: str
    reviewer: str | None
    provenance: str | None
    qa_override: list[str] | None
    meta: dict[str, Any]


class UnitWithHistory(Answer):
    unit: Unit | None = Field(description="null once deleted; its history stays")
    history: list[Change]


@bp.get("/units")
@operation("Units", query=UnitsQuery, answers={200: UnitPage})
def units(q: UnitsQuery) -> ResponseReturnValue:
    """List the memory's units in the order they were added, a page at a time.

    Paging by cursor sees every unit once however the memory changes meanwhile; with `since`,
    a newsroom system fetches what changed after its last visit.
    """
    after = decode_cursor(q.cursor, keys={"after": int})
    until = q.until + "T23:59:59Z~" if q.until and len(q.until) == 10 else q.until  # the whole day
    page = services().store.units.page_units(
        after_id=after["after"] if after else 0,
        limit=q.limit + 1,
        origin=q.origin,
        author=q.author,
        since=q.since,
        until=until,
    )
    more = len(page) > q.limit
    page = page[: q.limit]
    return jsonify(
        items=[u.to_json() for u in page], next=encode_cursor({"after": page[-1].id}) if more else None
    )


@bp.post("/units")
@roles(*EDITORS)
@operation("Units", body=NewUnitBody, answers={201: Unit}, errors=(403,))
def add_unit(body: NewUnitBody) -> ResponseReturnValue:
    """Add a translation unit (reviewers and admins); the token's account is its author."""
    unit = services().memory.add(
        body.source,
        body.target,
        origin=body.origin,
        author=g.user.name,
        mt_draft=body.mt_draft,
        meta=body.meta or None,
    )
    return created(unit.to_json(), url_for("api_v1.unit", unit_id=unit.id))


@bp.get("/units/<int:unit_id>")
@operation("Units", answers={200: UnitWithHistory})
def unit(unit_id: int) -> ResponseReturnValue:
    """Return a unit with every change it had: the MT draft, who changed what, when (also once deleted)."""
    store = services().store
    history = store.units.history(unit_id)
    if not history:
        abort(404, f"there is no unit {unit_id}")
    current = store.units.get_many([unit_id]).get(unit_id)
    return jsonify(
        unit=current.to_json() if current else None,
        history=[{k: v for k, v in h.__dict__.items() if k != "unit_id"} for h in history],
    )


@bp.put("/units/<int:unit_id>")
@roles(*EDITORS)
@operation("Units", body=UnitChange, answers={200: Unit}, errors=(403, 409))
def update_unit(unit_id: int, body: UnitChange) -> ResponseReturnValue:
    """Change a unit's Arabic or English; a change based on an older version is refused with 409."""
    if body.source is None and body.target is None:
        abort(400, "send source or target (or both) to change")
    memory = services().memory
    old = memory.store.units.get(unit_id)
    target = body.target
    unit = memory.update(
        unit_id,
        author=g.user.name,
        expected_version=body.version,
        source=body.source,
        target=target,
        origin="human",
        provenance=edited(old.provenance) if target not in (None, old.target) else old.provenance,
    )
    return jsonify(unit.to_json())


@bp.delete("/units/<int:unit_id>")
@roles(*EDITORS)
@operation("Units", query=DeleteQuery, answers={204: None}, errors=(403, 409))
def delete_unit(unit_id: int, q: DeleteQuery) -> ResponseReturnValue:
    """Delete a unit (its history stays, with who deleted it); 409 when it changed since it was read."""
    services().memory.delete(unit_id, author=g.user.name, expected_version=q.version)
    return "", 204
