"""Schedules as code: a TOML file declares DECLARATIVE schedules; `sync` makes the database match.

Each ``[schedules.KEY]`` table is one schedule; KEY is its stable identity (stored as
``declared_key``, with ``declared_in`` = the file's absolute path). A sync creates what is new,
updates what changed (only those schedules, only those fields; the next run is recomputed
when the timing changed) and deletes the schedules of that file whose key left it. IMPERATIVE
schedules, and those of other files, are never touched. Every entry is validated before
anything is written, and the changes are applied in ONE write transaction: an error (bad
TOML, a bad field) names the file, the line and the field, and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.masked_input import restore_secrets
from tickwork.domain.model import Schedule
from tickwork.exchange.entries import entry_to_input
from tickwork.exchange.formats import FileProblem, entry_problem, locate, toml_tables
from tickwork.exchange.reconcile import check_end_at, desired, paused_copy, reconcile
from tickwork.store import Store
from tickwork.store.schedules import Changes

Op = Literal["create", "update", "delete"]


class SyncError(Exception):
    """Why a sync changed nothing: one or more (line, field, message) in one file."""

    def __init__(self, path: str, problems: list[tuple[int | None, str | None, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    @classmethod
    def one(
        cls, path: str, message: str, line: int | None = None, field: str | None = None
    ) -> SyncError:
        return cls(path, [(line, field, message)])

    def lines(self) -> list[str]:
        out = []
        for line, field, message in self.problems:
            where = f"{self.path}:{line}" if line else self.path
            out.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")
        return out


@dataclass(frozen=True)
class Declaration:
    key: str
    line: int | None
    data: dict[str, Any]
    active: bool


@dataclass(frozen=True)
class Change:
    op: Op
    key: str
    schedule: Schedule
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        s = self.schedule
        if self.op == "create":
            nxt = f", next run {s.next_run_at.isoformat()}" if s.next_run_at else ", paused"
            return f"+ {self.key}: {s.expression} ({s.timezone}){nxt}"
        if self.op == "update":
            return f"~ {self.key}: {', '.join(self.fields)}"
        return f"- {self.key}: {s.name!r} ({s.id})"


@dataclass(frozen=True)
class SyncResult:
    path: str
    changes: tuple[Change, ...]
    unchanged: int
    applied: bool

    def count(self, op: Op) -> int:
        return sum(1 for c in self.changes if c.op == op)

    def summary(self) -> str:
        if not self.changes:
            return f"{self.path}: in sync ({self.unchanged} schedule(s)), nothing to do"
        return (
            f"{self.path}: {self.count('create')} to create, {self.count('update')} to update, "
            f"{self.count('delete')} to delete, {self.unchanged} unchanged"
        )

    def lines(self) -> list[str]:
        return [self.summary(), *(str(c) for c in self.changes)]


def read_declarations(path: Path | str) -> tuple[str, str, list[Declaration]]:
    """(absolute path, text, declarations) of a schedules file; SyncError when it is bad."""
    p = Path(path).expanduser()
    shown = str(path)
    try:
        absolute = str(p.resolve())
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SyncError.one(
            shown, "file not found: give the path of a TOML schedules file"
        ) from None
    except IsADirectoryError:
        raise SyncError.one(
            shown, "is a directory: give the path of a TOML schedules file"
        ) from None
    except UnicodeDecodeError as exc:
        raise SyncError.one(shown, f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise SyncError.one(shown, f"cannot read it: {exc.strerror}") from None
    try:
        tables = toml_tables(text, shown)
    except FileProblem as exc:
        raise SyncError.one(shown, exc.message, exc.line, exc.field) from None
    problems: list[tuple[int | None, str | None, str]] = []
    decls: list[Declaration] = []
    dedup: dict[str, str] = {}
    for key, entry, line in tables:
        try:
            data = entry_to_input(entry, default_name=key)
        except InvalidSchedule as exc:
            problems.append(entry_problem(text, key, line, exc))
            continue
        active = data.get("active", True)
        d_key = data.get("deduplication_key")
        if isinstance(d_key, str) and d_key.strip():
            if d_key.strip() in dedup:
                at = locate(text, "schedules", key, "deduplication_key") or line
                problems.append(
                    (
                        at,
                        f"schedules.{key}.deduplication_key",
                        f"{d_key!r} is also used by schedules.{dedup[d_key.strip()]}: keys must "
                        "be unique",
                    )
                )
            dedup[d_key.strip()] = key
        decls.append(Declaration(key, line, data, active if isinstance(active, bool) else True))
    if problems:
        raise SyncError(shown, problems)
    return absolute, text, decls


def _plan(
    store: Store, absolute: str, shown: str, text: str, decls: list[Declaration], now: datetime
) -> tuple[list[Change], int, Changes]:
    problems: list[tuple[int | None, str | None, str]] = []
    changes: list[Change] = []
    unchanged = 0
    current = {s.declared_key: s for s in store.declared(absolute)}
    for d in decls:
        existing = current.pop(d.key, None)
        try:
            want = desired(
                d.data, now, type="DECLARATIVE", declared_in=absolute, declared_key=d.key
            )
            if existing is None:
                want = restore_secrets(want, None)  # a mask of a secret nobody stored
                check_end_at(want, now)
                changes.append(Change("create", d.key, want if d.active else paused_copy(want)))
            else:
                updated, names = reconcile(existing, want, now, want_active=d.active)
                if updated is None:
                    unchanged += 1
                else:
                    changes.append(Change("update", d.key, updated, tuple(names)))
        except InvalidSchedule as exc:
            problems.append(entry_problem(text, d.key, d.line, exc))
            continue
        if want.deduplication_key:
            other = store.find_by_dedup(want.deduplication_key)
            if other is not None and (existing is None or other.id != existing.id):
                at = locate(text, "schedules", d.key, "deduplication_key") or d.line
                owner = f"{other.name!r} ({other.id}, {other.type})"
                problems.append(
                    (
                        at,
                        f"schedules.{d.key}.deduplication_key",
                        f"{want.deduplication_key!r} is already used by {owner}: remove it from "
                        "the file or from that schedule",
                    )
                )
    for left in sorted(current.values(), key=lambda s: (s.declared_key or "", s.id)):
        changes.append(Change("delete", left.declared_key or left.name, left))
    if problems:
        raise SyncError(shown, problems)
    return (
        changes,
        unchanged,
        Changes(
            create=tuple(c.schedule for c in changes if c.op == "create"),
            update=tuple(c.schedule for c in changes if c.op == "update"),
            delete=tuple(c.schedule for c in changes if c.op == "delete"),
        ),
    )


def sync(store: Store, path: Path | str, *, dry_run: bool = False) -> SyncResult:
    """Make the DECLARATIVE schedules of ``path`` match the file. Raises SyncError (nothing
    written) for a bad file; with ``dry_run`` only plans."""
    if store.owns(path):  # reading it outside SQLite would drop this process's locks on it
        raise SyncError.one(str(path), "is the database itself: give a TOML schedules file")
    absolute, text, decls = read_declarations(path)
    shown = str(path)
    if dry_run:
        changes, unchanged, _ = _plan(store, absolute, shown, text, decls, store.clock())
        return SyncResult(shown, tuple(changes), unchanged, applied=False)
    planned: tuple[list[Change], int] = ([], 0)

    def compute(now: datetime) -> Changes:
        nonlocal planned
        changes, unchanged, writes = _plan(store, absolute, shown, text, decls, now)
        planned = (changes, unchanged)
        return writes

    store.apply(compute)
    return SyncResult(shown, tuple(planned[0]), planned[1], applied=True)
