"""Errors tm raises; each message tells the user what happened and what to do."""

from __future__ import annotations


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
