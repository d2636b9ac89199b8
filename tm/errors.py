"""Errors tm raises; each message tells the user what happened and what to do."""

from __future__ import annotations

from typing import Any


class TMError(Exception):
    """Base of every error tm reports to a user."""


class UnitNotFound(TMError):
    """A translation unit id that is not (or no longer) in the memory."""

    def __init__(self, unit_id: int):
        super().__init__(f"translation unit {unit_id} is not in the memory (deleted or never there)")
        self.unit_id = unit_id


class TermNotFound(TMError):
    """A glossary term id that is not in the glossary."""

    def __init__(self, term_id: int):
        super().__init__(f"glossary term {term_id} does not exist")
        self.term_id = term_id


class DuplicateTerm(TMError):
    """The same source and target are already in the glossary."""

    def __init__(self, source: str, target: str):
        super().__init__(f"the glossary already has {source} -> {target}")


class StaleUnit(TMError):
    """A change based on an older version of a unit than the stored one."""

    def __init__(self, unit_id: int, expected: int, actual: int):
        super().__init__(
            f"translation unit {unit_id} was changed by someone else (you edited version "
            f"{expected}, the memory has version {actual}); reload it and apply your change again"
        )
        self.unit_id, self.expected, self.actual = unit_id, expected, actual


class StoreError(TMError):
    """The memory database cannot be opened or used."""


class FormatError(TMError):
    """A file that cannot be read; `line` is where the problem is, when known."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = ""
        if path:
            where = f"{path}:"
            if line:
                where += f"{line}:"
            where += " "
        elif line:
            where = f"line {line}: "
        super().__init__(f"{where}{message}")
        self.path, self.line = path, line


class TMXError(FormatError):
    """A TMX file that is malformed, unsafe or not TMX."""


class CSVFormatError(FormatError):
    """A CSV/TSV file without the expected header or with a broken row."""


class ModelUnavailable(TMError):
    """No machine-translation model can be loaded; the message says how to get one."""


class NotReady(TMError):
    """A document that cannot move on yet: sentences left, no reviewer, or moved by someone else."""


class NotFound(TMError):
    """A document, segment, user or job that does not exist (or that this user may not see)."""


class Busy(StoreError):
    """The memory is busy with another writer for longer than we wait; trying again later works."""

    def __init__(self, detail: str = ""):
        super().__init__(
            "the memory is busy with another change (an import or another user's save); try again in a moment"
            + (f" ({detail})" if detail else "")
        )


class FeedMismatch(StoreError):
    """A change-feed position that this database never had: it was restored or replaced."""


class SettingsError(TMError):
    """A setting (flag or TM_* variable) with a value tm cannot use."""


class JobError(TMError):
    """A background job that cannot be started, read or retried."""


class StaleSegment(StaleUnit):
    """A save of a document's sentence based on an older version than the stored one."""

    def __init__(self, idx: int, expected: int, actual: int):
        TMError.__init__(
            self,
            f"sentence {idx + 1} was changed by someone else since you loaded it (your version "
            f"{expected}, now {actual}); nothing was overwritten: reload it and apply your change again",
        )
        self.unit_id, self.expected, self.actual = idx, expected, actual


class Forbidden(TMError):
    """An action this user may not take on a resource (a read-only document, say); the web answers 403."""


class QABlocked(TMError):
    """A confirm refused for blocking QA findings; the translator may confirm again with an override."""

    def __init__(self, idx: int, issues: list[Any]):
        listed = "; ".join(i.message for i in issues)
        super().__init__(
            f"sentence {idx + 1} was not confirmed: {listed}. Fix it, or confirm anyway "
            "(the override is recorded with your name)"
        )
        self.idx, self.issues = idx, issues
