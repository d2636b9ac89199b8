"""What the contract's parts share: sample units, a test-only exception, a wait for threads."""

from __future__ import annotations

from tm.store.records import NewUnit

# How long a test waits for another thread before it calls the store stuck.
WAIT = 30.0


def unit(source="قال الرئيس إن الاقتصاد ينمو.", target="The president said the economy is growing.", **kw):
    """Return a new unit with an Arabic news sentence unless told otherwise."""
    return NewUnit(source, target, **kw)


class Boom(Exception):
    """An error raised by a test to see what the store undoes."""
