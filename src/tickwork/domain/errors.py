"""Errors the domain raises: each names the field, the bad value and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field. `field` uses the schedule's JSON/input names."""

    field: str
    message: str
    value: Any = None


class InvalidSchedule(ValueError):
    """Raised with every field error found; the first is the one a CLI prints."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    @classmethod
    def one(cls, field: str, message: str, value: Any = None) -> InvalidSchedule:
        return cls([FieldError(field, message, value)])

    def by_field(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.errors:
            out.setdefault(e.field, e.message)
        return out


class ScheduleNotFound(LookupError):
    pass


class NotAllowed(ValueError):
    """An operation the schedule's type or state does not allow (e.g. pausing a DECLARATIVE one)."""
