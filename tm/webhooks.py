"""Webhooks: a newsroom system registers a URL for events and tm POSTs each event to it, signed.

Events: `document.drafted` (drafting finished: `document.status` is `ready`, or `failed` with
`document.note` saying why), `document.in_review`, `document.done`, and `ping` (sent on request
to check a hook). A hook without a document gets the events of every document its account may
see (`sees`); one with a document only that document's. Each event is queued for each matching
hook in the same transaction as the change it reports (an outbox: a delivery exists exactly
when the change committed) and sent by a `tm.deliverer.Deliverer` thread in any process.

A delivery is `POST <url>` with a JSON body:

    {"delivery": 42, "event": "document.done", "created_at": "2026-01-31T09:15:02Z", "webhook": 3,
     "document": {"id": 7, "title": "...", "stage": "done", "status": "ready", ...,
                  "url": "/api/v1/documents/7", "english_url": "/api/v1/documents/7/export?format=txt"}}

and the headers `X-TM-Event`, `X-TM-Delivery` (the delivery's id: the same on every retry, so a
receiver can drop repeats), `X-TM-Attempt`, `X-TM-Webhook`, `X-TM-Timestamp` (unix seconds) and
`X-TM-Signature: sha256=<hex>`, the HMAC-SHA256 with the hook's secret as key of the bytes
`<timestamp>.<body>`. A receiver verifies a delivery before trusting it:

    import hashlib, hmac, time
    def verified(secret: str, headers, body: bytes) -> bool:
        timestamp = headers["X-TM-Timestamp"]
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False  # older than five minutes (or from the future): a replay
        mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest("sha256=" + mac.hexdigest(), headers["X-TM-Signature"])

(over the raw body bytes as received, before parsing the JSON). An answer 2xx is success; anything
else, a redirect (never followed), a refused connection or no answer within the timeout is
retried after 10 s, 1 min, 5 min, 30 min, 2 h and 6 h, then the delivery is failed. Every
attempt's status or error is kept on the delivery (`GET /api/v1/webhooks/{id}/deliveries`).

Where a hook may point: http or https, no user name or password in the URL. Link-local,
multicast and unspecified addresses (cloud metadata services live at 169.254.169.254) are
never contacted. Loopback and private addresses are, by default: tm is self-hosted and the CMS
is usually on the same intranet; `TM_WEBHOOK_PRIVATE=0` (`Deliverer(allow_private=False)`)
refuses them too, for a tm whose users may not reach the internal network. Addresses are
checked when a delivery is sent, on the address actually connected to (a name cannot resolve to
another one in between).

This module registers hooks, makes events and signs; tm/deliverer.py sends.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from tm.errors import NotFound, TMError
from tm.store.base import Store
from tm.store.records import WEBHOOK_EVENTS, Delivery, DocRow, User, Webhook, now

log = logging.getLogger("tm.webhooks")

EVENTS = WEBHOOK_EVENTS
# the workflow moves that are events (a document sent back to translating is not, so far)
STAGE_EVENTS = {"in review": "document.in_review", "done": "document.done"}
MAX_URL = 2000
MAX_HOOKS = 50  # per account
SECRET_PREFIX = "tmwh_"  # so that secret scanners and people tell a webhook secret from a token
TOLERANCE = 300  # seconds a receiver should accept a timestamp for


# -- registering -------------------------------------------------------------------------------


def new_secret() -> str:
    """Return a new webhook secret (the HMAC key: kept as it is, shown to its owner once)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sees(user: User, doc: DocRow) -> bool:
    """Tell whether an account's hooks get a document's events: when the account may read it.

    On the desk every active account reads every document (the queue, the editor read-only,
    GET /api/v1/documents), so a hook tells nothing its account could not fetch; should reading
    ever be restricted, this follows the rule that restricts it.
    """
    return user.active


def never_contacted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Tell whether an address is never a webhook's (link-local, multicast, unspecified, reserved)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:  # ::1 sits in IPv6's reserved ::/8
        return False
    return (
        ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or ip in _SHARED  # carrier-grade NAT, where some clouds keep their metadata service
        or ip in METADATA
    )


_SHARED = ipaddress.ip_network("100.64.0.0/10")
# cloud metadata services outside link-local (AWS over IPv6, Alibaba Cloud)
METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


def check_url(url: Any) -> str:
    """Return a webhook URL as given when tm can POST to it; TMError saying what is wrong otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise TMError("url: give the http:// or https:// address tm should POST events to")
    url = url.strip()
    if len(url) > MAX_URL:
        raise TMError(f"url: at most {MAX_URL} characters")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise TMError(
            "url: write it without spaces, with other characters percent-encoded (a domain in its xn-- form)"
        )
    try:
        parts = urlsplit(url)
    except ValueError as e:  # "Invalid IPv6 URL" and the like
        raise TMError(f"url: not an address tm can read ({e})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise TMError(f"url: tm sends webhooks over http or https, not {parts.scheme or 'this'}")
    if "@" in parts.netloc:
        raise TMError("url: no user name or password in it; the signature shows the delivery is tm's")
    if not parts.hostname:
        raise TMError("url: name the host, e.g. https://cms.example.org/hooks/tm")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise TMError("url: the port must be a number from 1 to 65535")
    if parts.fragment or url.endswith("#"):
        raise TMError("url: a #fragment is never sent to a server; leave it out")
    try:
        ip = ipaddress.ip_address(parts.hostname)
    except ValueError:
        ip = None
    if ip is not None and never_contacted(ip):
        raise TMError(f"url: tm never sends webhooks to {ip} (link-local, multicast or reserved)")
    return url


def check_events(events: Any) -> list[str]:
    """Return the events asked for, each once, in tm's order; TMError for none or an unknown one."""
    if not isinstance(events, list | tuple) or not events:
        raise TMError(f"events: name at least one of {', '.join(EVENTS)}")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise TMError(
            f"events: {', '.join(map(str, unknown))} is not an event; events are {', '.join(EVENTS)}"
        )
    return [e for e in EVENTS if e in events]


def register(
    store: Store, user: User, url: str, events: list[str], *, document_id: int | None = None
) -> Webhook:
    """Register a webhook of a user's (the returned record carries its secret, to show once)."""
    url, events = check_url(url), check_events(events)
    if document_id is not None:
        try:
            doc: DocRow | None = store.documents.get(document_id, layout=False)
        except NotFound:
            doc = None
        if doc is None or not sees(user, doc):
            raise TMError(f"document_id: there is no document {document_id} among yours")
    with store.transaction():
        if len(store.webhooks.for_owner(user.name)) >= MAX_HOOKS:
            raise TMError(f"you have {MAX_HOOKS} webhooks, as many as an account may; delete one first")
        return store.webhooks.add(user.name, url, events, new_secret(), document_id=document_id)


# -- events --------------------------------------------------------------------------------------


def document_json(doc: DocRow) -> dict[str, Any]:
    """Return what an event says about a document, with the API paths to fetch it and its English."""
    return {
        "id": doc.id,
        "title": doc.title,
        "stage": doc.stage,
        "status": doc.status,
        "note": doc.note or None,
        "owner": doc.owner,
        "translator": doc.translator,
        "reviewer": doc.reviewer,
        "deadline": doc.deadline,
        "priority": doc.priority,
        "words": doc.words,
        "segments": doc.total,
        "changed_at": doc.changed_at,
        "url": f"/api/v1/documents/{doc.id}",
        "english_url": f"/api/v1/documents/{doc.id}/export?format=txt",
    }


def emit(store: Store, event: str, doc: DocRow) -> list[Delivery]:
    """Queue an event about a document for every active hook that gets it; return the deliveries.

    Call it inside the transaction of the change it reports: the deliveries are kept exactly
    when the change is. A hook's account must be active and see the document (`sees`).
    """
    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
    queued: list[Delivery] = []
    with store.transaction():
        owners: dict[str, User | None] = {}
        for hook in store.webhooks.listening(event, doc.id):
            if hook.owner not in owners:
                owners[hook.owner] = store.accounts.find(hook.owner)
            user = owners[hook.owner]
            if user is None or not user.active or not sees(user, doc):
                continue
            payload = {
                "event": event,
                "created_at": now(),
                "webhook": hook.id,
                "document": document_json(doc),
            }
            queued.append(store.webhooks.enqueue(hook.id, event, payload))
    if queued:
        log.info("%s of document %s queued for %d webhook(s)", event, doc.id, len(queued))
    return queued


def ping(store: Store, hook: Webhook) -> Delivery:
    """Queue a `ping` to a hook, to check that its receiver answers and verifies signatures."""
    payload = {"event": "ping", "created_at": now(), "webhook": hook.id, "events": hook.events}
    return store.webhooks.enqueue(hook.id, "ping", payload)


def body(delivery: Delivery) -> bytes:
    """Return the bytes POSTed for a delivery (the same on every attempt)."""
    return json.dumps({"delivery": delivery.id, **delivery.payload}, ensure_ascii=False).encode()


def sign(secret: str, timestamp: int | str, data: bytes) -> str:
    """Return the X-TM-Signature of a body sent at a time: sha256=<HMAC-SHA256 of "<timestamp>.<body>">."""
    message = str(timestamp).encode() + b"." + data
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str,
    signature: str,
    data: bytes,
    *,
    tolerance: int = TOLERANCE,
    at: float | None = None,
) -> bool:
    """Tell whether a delivery is tm's and fresh, as a receiver checks it (constant-time compare)."""
    if not timestamp.isdigit() or abs((time.time() if at is None else at) - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, data).encode(), signature.encode())
