"""Active editing time: what the editor reports, who may report it, and how much at once.

The editor (web/static/editor-timing.js) counts time while a sentence's English box has the
focus and the person has typed, clicked or moved the pointer within the last IDLE_SECONDS:
time away from the keyboard and a hidden tab do not count. It sends what it counted for a
sentence when the person moves to another one, every minute, and when the page is hidden, so a
single report is about a minute; one of more than MAX_REPORT_MS is refused (it would claim more
time than could have passed since the previous one). Time is kept per sentence, person and
day (UTC) and feeds the post-editing report (tm/pe_report.py).

Who records: whoever may change the document's sentences now (tm/rights.can_write), and its
assigned reviewer at any stage (reading the translation before it is sent to review is review
work). Anyone else only reads the document, and reading is not editing: refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tm.errors import Forbidden, TMError
from tm.rights import can_write
from tm.store.records import DocRow, User

if TYPE_CHECKING:
    from tm.store.base import Store

IDLE_SECONDS = 30  # the editor stops counting this long after the last key, click or pointer move
MAX_REPORT_MS = 10 * 60 * 1000  # the most one report may add (the editor sends about a minute's)


def may_record(user: User, doc: DocRow) -> bool:
    """Tell whether a user's active time on a document's sentences is recorded."""
    return can_write(user, doc) or (user.name is not None and user.name == doc.reviewer)


def today() -> str:
    """Return today's day in UTC, as the time is kept."""
    return datetime.now(UTC).date().isoformat()


def record(store: Store, user: User, doc_id: int, idx: int, ms: int, *, day: str | None = None) -> int:
    """Add ms of active editing by user to a sentence for the day (today, UTC); return that day's total.

    TMError for a time that is not a whole number from 1 ms to MAX_REPORT_MS, Forbidden for
    someone who only reads the document, NotFound for a sentence that is not there.
    """
    if isinstance(ms, bool) or not isinstance(ms, int) or not 1 <= ms <= MAX_REPORT_MS:
        raise TMError(
            f"ms must be a whole number of milliseconds from 1 to {MAX_REPORT_MS} (ten minutes); "
            "the editor reports its time about once a minute"
        )
    with store.transaction():
        doc = store.documents.get(doc_id, layout=False)
        if not may_record(user, doc):
            raise Forbidden("your time on this document is not recorded: you only read it")
        return store.timing.add(doc_id, idx, user.name, ms, day or today())
