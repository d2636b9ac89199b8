"""Cursor paging for /api/v1 lists: `cursor` in, `next` out, opaque to clients.

A cursor is base64url JSON of where the last page ended (an id, or a sort key); a client
passes `next` back unchanged. Anything else is a clear 400, never a crash.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import abort

from web import MAX_ID


def encode_cursor(position: dict[str, Any]) -> str:
    """Return the opaque cursor for a position."""
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, keys: dict[str, type]) -> dict[str, Any] | None:
    """Return the position a cursor names (None for no cursor); 400 for a cursor tm did not make."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        position = None
    if (
        not isinstance(position, dict)
        or set(position) != set(keys)
        or not all(isinstance(position[k], t) and not isinstance(position[k], bool) for k, t in keys.items())
        # a number no row can have (the database's ids are 64-bit) is not one tm made either
        or any(isinstance(v, int) and not -MAX_ID <= v <= MAX_ID for v in position.values())
    ):
        abort(400, "cursor: pass back the `next` of the previous page as it was")
    return position
