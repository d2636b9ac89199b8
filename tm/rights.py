"""Who may do what to a document: the one place that says it, checked by every write.

Rights come from the user's role and the document's assignment and stage; the web views
and the library's Documents call these functions and nothing else decides.
"""

from __future__ import annotations

from tm.errors import Forbidden
from tm.store.records import Comment, DocRow, User

# (from, to) -> who besides the owner and admins may make the move: the translator or the reviewer
MOVES: dict[tuple[str, str], str | None] = {
    ("new", "translating"): "translator",
    ("new", "in review"): "translator",
    ("translating", "in review"): "translator",
    ("in review", "translating"): "reviewer",
    ("in review", "done"): "reviewer",
    ("done", "translating"): None,  # reopening a finished document is for admins
}


def assignee(doc: DocRow) -> str | None:
    """Return who is assigned the document's current stage (None when done or nobody is)."""
    if doc.stage in ("new", "translating"):
        return doc.translator
    if doc.stage == "in review":
        return doc.reviewer
    return None


def can_manage(user: User, doc: DocRow) -> bool:
    """Tell whether a user may change a document's assignment, deadline and priority.

    Its owner and admins; an owner who translates it cannot change who reviews it during review.
    """
    return user.role == "admin" or _owner_acts(user, doc)


def _owner_acts(user: User, doc: DocRow) -> bool:
    """Tell whether the user acts as the document's owner: an owner who also translates it does
    not get the reviewer's part (nobody reviews their own translation)."""
    return user.name == doc.owner and not (doc.stage == "in review" and user.name == doc.translator)


def can_write(user: User, doc: DocRow) -> bool:
    """Tell whether a user may change a document's sentences (save, confirm, revert).

    Admins always may; nobody else writes a done document; otherwise its owner and the
    assignee of the current stage (the translator while new or translating, the reviewer
    while in review) may, except that an owner who is also the translator does not write
    while it is in review. Everyone else reads.
    """
    if user.role == "admin":
        return True
    if doc.stage == "done":
        return False
    return _owner_acts(user, doc) or (user.name is not None and user.name == assignee(doc))


def can_redraft(user: User, doc: DocRow) -> bool:
    """Tell whether a user may draft a document again: its owner or an admin, and once done only an admin."""
    return user.role == "admin" or (user.name == doc.owner and doc.stage != "done")


def may_move(user: User, doc: DocRow, stage: str) -> bool:
    """Tell whether a user may move a document from its stage to another."""
    if (doc.stage, stage) not in MOVES:
        return False
    who = MOVES[(doc.stage, stage)]
    holder = doc.translator if who == "translator" else doc.reviewer
    return user.role == "admin" or (who is not None and (user.name == holder or _owner_acts(user, doc)))


def moves(user: User, doc: DocRow) -> list[str]:
    """Return the stages this user may move the document to now."""
    return [to for (frm, to) in MOVES if frm == doc.stage and may_move(user, doc, to)]


def read_only_reason(doc: DocRow) -> str:
    """Say why a document is read-only for someone who cannot write it."""
    if doc.stage == "done":
        return "read only: the document is done (an admin can reopen it)"
    who = assignee(doc)
    return f"read only: assigned to {who}" if who else f"read only: assigned to its owner {doc.owner}"


def require_write(user: User, doc: DocRow) -> None:
    """Raise Forbidden unless the user may change the document's sentences."""
    if not can_write(user, doc):
        raise Forbidden(f"{read_only_reason(doc)}; ask them, the owner or an admin")


def require_manage(user: User, doc: DocRow) -> None:
    """Raise Forbidden unless the user may change the document's assignment."""
    if not can_manage(user, doc):
        raise Forbidden(f"only the owner ({doc.owner}) or an admin can change who works on this document")


def can_resolve(user: User, doc: DocRow, comment: Comment) -> bool:
    """Tell whether a user may resolve or reopen a comment thread of a document.

    The thread's author, the document's owner, its translator and its reviewer may, and
    admins; everyone else (who may still read and reply) may not. A reviewer's rejection is
    settled by that reviewer, the document's reviewer or an admin. `comment` is the thread's
    first comment: its author started the thread.
    """
    if user.role == "admin":
        return True
    if comment.kind == "rejection":  # settled by the reviewer (or by approving the fix), not the translator
        return user.name is not None and user.name in (comment.author, doc.reviewer)
    return user.name is not None and user.name in (comment.author, doc.owner, doc.translator, doc.reviewer)
