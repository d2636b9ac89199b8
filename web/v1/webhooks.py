"""/api/v1 webhooks: register a URL for document events, read its deliveries, ping, redeliver, delete.

A webhook is its account's alone, like a token: another account's hook is a 404, the same as
one that does not exist (admins included). Its secret is in the answer that makes it and
nowhere else. What is sent and how to verify it: tm/webhooks.py and the README.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import abort, g, jsonify, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from tm.errors import NotFound
from tm.store.records import Delivery, Webhook
from tm.webhooks import MAX_URL, check_events, check_url, ping, register
from web import services
from web.v1 import bp
from web.v1.paging import decode_cursor, encode_cursor
from web.v1.spec import MAX_ID, Answer, Model, Query, created, operation

EventName = Literal["document.drafted", "document.in_review", "document.done"]
EVENTS_HELP = (
    "document.drafted: drafting finished (document.status ready, or failed with a note); "
    "document.in_review: sent to review; document.done: approved and done"
)


class NewWebhook(Model):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="where tm POSTs each event: http or https, no user name or password in it",
    )
    events: list[EventName] = Field(min_length=1, max_length=10, description=EVENTS_HELP)
    document_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="only this document's events (the hook goes with the document when it is deleted); "
        "none: every document's",
    )


class WebhookChange(Model):
    url: str | None = Field(None, min_length=1, max_length=MAX_URL)
    events: list[EventName] | None = Field(None, min_length=1, max_length=10, description=EVENTS_HELP)
    active: bool | None = Field(None, description="false pauses deliveries (they wait); true resumes them")


class WebhookInfo(Answer):
    """A registered webhook (never with its secret)."""

    id: int
    owner: str
    url: str
    events: list[EventName]
    document_id: int | None
    active: bool
    created_at: str


class NewWebhookInfo(WebhookInfo):
    secret: str = Field(
        description="the key of every delivery's X-TM-Signature; shown in this answer only, keep it now"
    )


class WebhookList(Answer):
    items: list[WebhookInfo]


class DeliveryInfo(Answer):
    """One event sent to one webhook, with how its attempts went."""

    id: int = Field(description="the X-TM-Delivery header: the same on every attempt")
    webhook_id: int
    event: Literal["document.drafted", "document.in_review", "document.done", "ping"]
    state: Literal["pending", "delivered", "failed"]
    attempts: int = Field(description="attempts started so far")
    next_at: str | None = Field(description="when it is tried next (pending only)")
    last_status: int | None = Field(description="the HTTP status of the last attempt, if an answer came")
    last_error: str | None = Field(description="why the last attempt failed: HTTP 500, connection refused…")
    created_at: str
    delivered_at: str | None
    payload: dict[str, Any] = Field(description="the JSON body sent")


class DeliveryPage(Answer):
    items: list[DeliveryInfo]
    next: str | None = Field(description="pass it as cursor for the next (older) page; null on the last page")


class DeliveriesQuery(Query):
    cursor: str | None = Field(None, max_length=200, description="the `next` of the previous page")
    limit: int = Field(30, ge=1, le=100)


def _own(hook_id: int) -> Webhook:
    """Return one of the caller's webhooks; 404 for another account's, as for one that is not there."""
    try:
        hook = services().store.webhooks.get(hook_id)
    except NotFound:
        hook = None
    if hook is None or hook.owner != g.user.name:
        abort(404, f"there is no webhook {hook_id} of yours")
    return hook


def delivery_json(d: Delivery) -> dict[str, Any]:
    """Return a delivery as the API shows it: the body sent, the next try only while pending."""
    return {
        "id": d.id,
        "webhook_id": d.webhook_id,
        "event": d.event,
        "state": d.state,
        "attempts": d.attempts,
        "next_at": d.next_at if d.state == "pending" else None,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "payload": {"delivery": d.id, **d.payload},
    }


def _queued(delivery: Delivery) -> ResponseReturnValue:
    services().deliverer.notify()
    response = jsonify(delivery_json(delivery))
    response.status_code = 202
    return response


@bp.post("/webhooks")
@operation("Webhooks", body=NewWebhook, answers={201: NewWebhookInfo})
def create_webhook(body: NewWebhook) -> ResponseReturnValue:
    """Register a URL for document events; the answer holds the signing secret, shown this once.

    Each event is POSTed as JSON with `X-TM-Event`, `X-TM-Delivery`, `X-TM-Timestamp` and
    `X-TM-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret>`;
    verify it with a constant-time compare and refuse timestamps older than five minutes. A 2xx
    answer is success; anything else is retried after 10 s, 1 min, 5 min, 30 min, 2 h and 6 h.
    Redirects are not followed. Without `document_id` the hook gets the events of every document
    the account may see.
    """
    hook = register(services().store, g.user, body.url, list(body.events), document_id=body.document_id)
    return created({**hook.to_json(), "secret": hook.secret}, url_for("api_v1.webhook", hook_id=hook.id))


@bp.get("/webhooks")
@operation("Webhooks", answers={200: WebhookList})
def webhooks() -> ResponseReturnValue:
    """List this account's webhooks, oldest first."""
    return jsonify(items=[h.to_json() for h in services().store.webhooks.for_owner(g.user.name)])


@bp.get("/webhooks/<int:hook_id>")
@operation("Webhooks", answers={200: WebhookInfo})
def webhook(hook_id: int) -> ResponseReturnValue:
    """Return one of this account's webhooks."""
    return jsonify(_own(hook_id).to_json())


@bp.patch("/webhooks/<int:hook_id>")
@operation("Webhooks", body=WebhookChange, answers={200: WebhookInfo})
def update_webhook(hook_id: int, body: WebhookChange) -> ResponseReturnValue:
    """Change a webhook's URL or events, or pause it (`active: false`) and resume it.

    A paused hook gets no new events; deliveries already queued wait and go out when it resumes.
    """
    _own(hook_id)
    hook = services().store.webhooks.update(
        hook_id,
        url=check_url(body.url) if body.url is not None else None,
        events=check_events(list(body.events)) if body.events is not None else None,
        active=body.active,
    )
    return jsonify(hook.to_json())


@bp.delete("/webhooks/<int:hook_id>")
@operation("Webhooks", answers={204: None})
def delete_webhook(hook_id: int) -> ResponseReturnValue:
    """Delete a webhook with its deliveries; what was not sent yet is not sent."""
    _own(hook_id)
    services().store.webhooks.delete(hook_id)
    return "", 204


@bp.get("/webhooks/<int:hook_id>/deliveries")
@operation("Webhooks", query=DeliveriesQuery, answers={200: DeliveryPage})
def deliveries(hook_id: int, q: DeliveriesQuery) -> ResponseReturnValue:
    """List a webhook's deliveries, newest first: state, attempts, next try, last status or error."""
    _own(hook_id)
    before = decode_cursor(q.cursor, keys={"before": int})
    page = services().store.webhooks.deliveries(
        hook_id, before=before["before"] if before else None, limit=q.limit + 1
    )
    more = len(page) > q.limit
    page = page[: q.limit]
    return jsonify(
        items=[delivery_json(d) for d in page],
        next=encode_cursor({"before": page[-1].id}) if more else None,
    )


@bp.post("/webhooks/<int:hook_id>/ping")
@operation("Webhooks", answers={202: DeliveryInfo}, errors=(409,))
def ping_webhook(hook_id: int) -> ResponseReturnValue:
    """Send a `ping` event to the webhook now, to check that the receiver answers and verifies it."""
    hook = _own(hook_id)
    if not hook.active:
        abort(409, "the webhook is paused; resume it (PATCH active: true) to ping it")
    return _queued(ping(services().store, hook))


@bp.post("/webhooks/<int:hook_id>/deliveries/<int:delivery_id>/redeliver")
@operation("Webhooks", answers={202: DeliveryInfo})
def redeliver(hook_id: int, delivery_id: int) -> ResponseReturnValue:
    """Send a delivery's event again, as a new delivery (its own id and attempts, the same payload)."""
    hook = _own(hook_id)
    store = services().store
    try:
        old = store.webhooks.get_delivery(delivery_id)
    except NotFound:
        old = None
    if old is None or old.webhook_id != hook.id:
        abort(404, f"webhook {hook_id} has no delivery {delivery_id}")
    payload = {**old.payload, "redelivery_of": old.id}
    return _queued(store.webhooks.enqueue(hook.id, old.event, payload))
