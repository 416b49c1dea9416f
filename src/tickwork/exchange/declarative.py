"""Schedules as code: a TOML file declares DECLARATIVE schedules; `sync` makes the database match.

Each ``[schedules.KEY]`` table is one schedule. A sync creates what is new, updates what
changed (only those schedules, only those fields; the next run is recomputed when the
timing changed) and deletes the schedules of that file whose key left it. IMPERATIVE
schedules, and those of other files, are never touched. Every entry is validated before
anything is written, and the changes are applied in ONE write transaction: an error (bad
TOML, a bad field) names the file, the line and the field, and changes nothing.

Identity (see :mod:`tickwork.exchange.identity`): a declared schedule is its KEY within its
project (``project = "NAME"`` at the top of the file) or, without one, within its file; a
file synced for the first time takes over the schedules of a file that no longer exists when
it declares at least half of their keys (it was moved or renamed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tickwork.domain import fields
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.masked_input import restore_secrets
from tickwork.domain.model import Schedule
from tickwork.exchange.entries import entry_to_input
from tickwork.exchange.formats import FileProblem, Locator, entry_problem, load_toml, toml_tables
from tickwork.exchange.identity import AmbiguousMove, Owned, missing_files, owned_by
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
class Declared:
    """A schedules file, read and checked: what it declares and where each key is."""

    absolute: str
    shown: str
    project: str | None
    decls: list[Declaration]
    where: Locator


@dataclass(frozen=True)
class Change:
    op: Op
    key: str
    schedule: Schedule
    fields: tuple[str, ...] = ()
    why: str | None = None  # a delete that is not a key leaving the file

    def __str__(self) -> str:
        s = self.schedule
        if self.op == "create":
            nxt = f", next run {s.next_run_at.isoformat()}" if s.next_run_at else ", paused"
            return f"+ {self.key}: {s.expression} ({s.timezone}){nxt}"
        if self.op == "update":
            return f"~ {self.key}: {', '.join(self.fields)}"
        return f"- {self.key}: {s.name!r} ({s.id})" + (f": {self.why}" if self.why else "")


@dataclass(frozen=True)
class SyncResult:
    path: str
    changes: tuple[Change, ...]
    unchanged: int
    applied: bool
    notes: tuple[str, ...] = ()

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
        return [
            self.summary(),
            *(str(c) for c in self.changes),
            *(f"note: {n}" for n in self.notes),
        ]


def _read_text(path: Path | str) -> tuple[str, str]:
    p = Path(path).expanduser()
    shown = str(path)
    try:
        return str(p.resolve()), p.read_text(encoding="utf-8")
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
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise SyncError.one(
            shown, f"cannot read it: {getattr(exc, 'strerror', None) or exc}"
        ) from None


def _project(data: dict[str, Any], shown: str, where: Locator) -> str | None:
    if "project" not in data:
        return None
    try:
        value = fields.optional_text("project", data["project"], 200, one_line=True)
    except InvalidSchedule as exc:
        raise SyncError.one(
            shown, exc.errors[0].message, where.line("project"), "project"
        ) from None
    if value is None:
        raise SyncError.one(
            shown,
            "is empty: give the project a name, or leave it out",
            where.line("project"),
            "project",
        )
    return value


def read_declarations(path: Path | str) -> Declared:
    """A schedules file, read and checked; SyncError when it is bad."""
    shown = str(path)
    absolute, text = _read_text(path)
    where = Locator(text)
    try:
        data = load_toml(text, shown)
        tables = toml_tables(text, shown, where, data)
        project = _project(data, shown, where)
    except FileProblem as exc:
        raise SyncError.one(shown, exc.message, exc.line, exc.field) from None
    problems: list[tuple[int | None, str | None, str]] = []
    decls: list[Declaration] = []
    dedup: dict[str, str] = {}
    for key, entry, line in tables:
        try:
            data = entry_to_input(entry, default_name=key)
        except InvalidSchedule as exc:
            problems.append(entry_problem(where, key, line, exc))
            continue
        active = data.get("active", True)
        d_key = data.get("deduplication_key")
        if isinstance(d_key, str) and d_key.strip():
            if d_key.strip() in dedup:
                at = where.line("schedules", key, "deduplication_key") or line
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
    return Declared(absolute, shown, project, decls, where)


def _plan(store: Store, f: Declared, now: datetime) -> tuple[list[Change], int, Changes, list[str]]:
    problems: list[tuple[int | None, str | None, str]] = []
    changes: list[Change] = []
    unchanged = 0
    try:
        owned: Owned = owned_by(store, f.absolute, f.project, {d.key for d in f.decls})
    except AmbiguousMove as exc:
        raise SyncError.one(f.shown, str(exc)) from None
    current = dict(owned.by_key)
    for d in f.decls:
        existing = current.pop(d.key, None)
        try:
            want = desired(
                d.data,
                now,
                type="DECLARATIVE",
                declared_in=f.absolute,
                declared_key=d.key,
                declared_project=f.project,
            )
            if existing is None:
                want = restore_secrets(want, None)  # a mask of a secret nobody stored
                check_end_at(want, now)
                changes.append(Change("create", d.key, want if d.active else paused_copy(want)))
            else:
                updated, names = reconcile(existing, want, now, want_active=d.active)
                moved = (existing.declared_in, existing.declared_project) != (f.absolute, f.project)
                if moved:
                    base = updated or existing
                    updated = base.with_changes(
                        declared_in=f.absolute, declared_project=f.project, updated_at=now
                    )
                    names = [*names, owned.moved_label(existing)]
                if updated is None:
                    unchanged += 1
                else:
                    changes.append(Change("update", d.key, updated, tuple(names)))
        except InvalidSchedule as exc:
            problems.append(entry_problem(f.where, d.key, d.line, exc))
            continue
        if want.deduplication_key:
            other = store.find_by_dedup(want.deduplication_key)
            if other is not None and (existing is None or other.id != existing.id):
                at = f.where.line("schedules", d.key, "deduplication_key") or d.line
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
    for twin, why in owned.duplicates:
        changes.append(Change("delete", twin.declared_key or twin.name, twin, why=why))
    if problems:
        raise SyncError(f.shown, problems)
    writes = Changes(
        create=tuple(c.schedule for c in changes if c.op == "create"),
        update=tuple(c.schedule for c in changes if c.op == "update"),
        delete=tuple(c.schedule for c in changes if c.op == "delete"),
    )
    return changes, unchanged, writes, owned.notes


def sync(store: Store, path: Path | str, *, dry_run: bool = False) -> SyncResult:
    """Make the DECLARATIVE schedules of ``path`` match the file. Raises SyncError (nothing
    written) for a bad file; with ``dry_run`` only plans. A real sync plans once, inside its
    write transaction: the result is what was written."""
    if store.owns(path):  # reading it outside SQLite would drop this process's locks on it
        raise SyncError.one(str(path), "is the database itself: give a TOML schedules file")
    f = read_declarations(path)
    if dry_run:
        changes, unchanged, _, notes = _plan(store, f, store.clock())
        return SyncResult(f.shown, tuple(changes), unchanged, applied=False, notes=tuple(notes))
    planned: tuple[list[Change], int, list[str]] = ([], 0, [])

    def compute(now: datetime) -> Changes:
        nonlocal planned
        changes, unchanged, writes, notes = _plan(store, f, now)
        planned = (changes, unchanged, notes)
        return writes

    store.apply(compute)
    return SyncResult(f.shown, tuple(planned[0]), planned[1], True, tuple(planned[2]))


@dataclass(frozen=True)
class PruneResult:
    removed: tuple[Schedule, ...]
    applied: bool

    def lines(self) -> list[str]:
        if not self.removed:
            return ["no schedules are declared in files that no longer exist"]
        head = f"{len(self.removed)} schedule(s) are declared in files that no longer exist:"
        return [head] + [
            f"- {s.declared_key or s.name}: {s.name!r} ({s.id}), declared in {s.declared_in}"
            for s in self.removed
        ]


def prune_missing(store: Store, *, dry_run: bool = False) -> PruneResult:
    """Delete the DECLARATIVE schedules whose file no longer exists (in one transaction)."""
    if dry_run:
        return PruneResult(tuple(missing_files(store).schedules()), applied=False)
    removed: tuple[Schedule, ...] = ()

    def compute(now: datetime) -> Changes:
        nonlocal removed
        removed = tuple(missing_files(store).schedules())
        return Changes(delete=removed)

    store.apply(compute)
    return PruneResult(removed, applied=True)
