"""The asmgeo exception family.

Every member also subclasses the built-in it resembles, so callers who catch
``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations


class AsmgeoError(Exception):
    """Base class for every error asmgeo raises on purpose."""


class InputError(AsmgeoError, ValueError):
    """An input file (or one row/field of it) cannot be used.

    The message always names the file, and the row and field where they are known.
    """

    def __init__(self, message: str, path: str | None = None, row: int | str | None = None,
                 field: str | None = None):
        self.path = path
        self.row = row
        self.field = field
        where = []
        if path:
            where.append(f"{path}")
        if row is not None:
            where.append(f"row {row}")
        if field:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class CRSError(InputError):
    """A layer has no usable coordinate reference system."""


class ConfigError(AsmgeoError, ValueError):
    """The configuration has a bad value; the message names the key path."""
