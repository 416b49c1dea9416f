"""Import many schedules at once: plan (create / update / unchanged / skip), then apply in ONE
write transaction. A schedule with a deduplication_key that is already stored is updated
(only the fields that differ), never duplicated; imported schedules always get new ids."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.masked_input import restore_secrets
from tickwork.domain.model import Schedule
from tickwork.exchange.entries import ENTRY_NAME_FOR
from tickwork.exchange.reconcile import check_end_at, desired, paused_copy, reconcile
from tickwork.store import Store
from tickwork.store.schedules import Changes

Op = Literal["create", "update", "unchanged", "skip"]
Kind = Literal["error", "unsupported", "warning"]


@dataclass(frozen=True)
class Problem:
    """Something in an input file that was not imported (or only noted, for warnings)."""

    where: str  # "line 12", "item 3", "schedules.backup (line 4)"
    message: str
    kind: Kind = "error"
    line: int = 0  # for sorting; 0 when unknown

    def __str__(self) -> str:
        label = "note" if self.kind == "warning" else "skipped"
        return f"{self.where}: {label}: {self.message}"


@dataclass(frozen=True)
class ImportItem:
    """One schedule to import. ``label`` says where it came from: "line 12", "item 3"."""

    label: str
    data: dict[str, Any]
    line: int = 0
    type: str = "IMPERATIVE"
    declared_in: str | None = None
    declared_key: str | None = None
    declared_project: str | None = None


@dataclass(frozen=True)
class ItemResult:
    item: ImportItem
    op: Op
    schedule: Schedule | None = None
    fields: tuple[str, ...] = ()
    reason: str | None = None  # why it was skipped (a problem)


@dataclass(frozen=True)
class ImportReport:
    results: list[ItemResult] = field(default_factory=list)
    applied: bool = False

    def count(self, op: Op) -> int:
        return sum(1 for r in self.results if r.op == op)

    def problems(self) -> list[Problem]:
        return [
            Problem(r.item.label, r.reason or "skipped", "error", r.item.line)
            for r in self.results
            if r.op == "skip"
        ]

    def summary(self, unread: int = 0) -> str:
        """``unread``: what the file held that never became an item (a bad line, an object
        that is not a schedule); skipped like the items that failed."""
        made = self.count("create") + self.count("update")
        verb = "imported" if self.applied else "would import"
        return (
            f"{verb} {made} (created {self.count('create')}, updated {self.count('update')}), "
            f"{self.count('unchanged')} unchanged, {self.count('skip') + unread} skipped"
        )

    def lines(self) -> list[str]:
        out: list[str] = []
        for r in self.results:
            s = r.schedule
            where = f"{r.item.label}: " if r.item.label else ""
            if r.op == "create" and s is not None:
                out.append(f"+ {where}{s.name!r} {s.expression} ({s.timezone}){_next(s)}")
            elif r.op == "update" and s is not None:
                out.append(f"~ {where}{s.name!r} ({s.id}): {', '.join(r.fields)}")
            elif r.op == "unchanged" and s is not None:
                out.append(f"= {where}{s.name!r} ({s.id}) {r.reason or 'unchanged'}")
        return out


def _next(s: Schedule) -> str:
    if s.next_run_at is None:
        return ", paused" if not s.active else ""
    return f", next run {s.next_run_at.isoformat()}"


def describe_error(exc: InvalidSchedule) -> str:
    e = exc.errors[0]
    name = ENTRY_NAME_FOR.get(e.field, e.field)
    return f"{name}: {e.message}"


def plan(
    store: Store, items: Sequence[ImportItem], now: datetime, *, paused: bool = False
) -> tuple[list[ItemResult], Changes]:
    """What importing would do. Reads the store only; call inside store.apply to write."""
    results: list[ItemResult] = []
    creates: list[Schedule] = []
    updates: list[Schedule] = []
    seen: dict[str, str] = {}  # dedup key / declared key -> label of the item that has it
    for item in items:
        results.append(_plan_one(store, item, now, paused, seen, creates, updates))
    return results, Changes(create=tuple(creates), update=tuple(updates))


def _plan_one(
    store: Store,
    item: ImportItem,
    now: datetime,
    paused: bool,
    seen: dict[str, str],
    creates: list[Schedule],
    updates: list[Schedule],
) -> ItemResult:
    try:
        want = desired(
            item.data,
            now,
            type=item.type,
            declared_in=item.declared_in,
            declared_key=item.declared_key,
            declared_project=item.declared_project,
        )
    except InvalidSchedule as exc:
        return ItemResult(item, "skip", reason=describe_error(exc))
    identity = (
        f"declared:{item.declared_in}:{item.declared_key}"
        if item.declared_key
        else want.deduplication_key
    )
    if identity is not None:
        if identity in seen:
            return ItemResult(item, "skip", reason=f"same schedule as {seen[identity]}")
        seen[identity] = item.label or want.name
    existing: Schedule | None = None
    if item.declared_key and item.declared_in:
        existing = store.find_declared(item.declared_in, item.declared_key)
        if existing is not None:  # the file's sync owns it
            note = f"declared in {item.declared_in}: managed by tickwork sync"
            return ItemResult(item, "unchanged", existing, reason=note)
    if want.deduplication_key is not None:
        existing = store.find_by_dedup(want.deduplication_key)
    if existing is None:
        try:
            want = restore_secrets(want, None)  # a mask of a secret nobody stored
            check_end_at(want, now)
        except InvalidSchedule as exc:
            return ItemResult(item, "skip", reason=describe_error(exc))
        if item.type == "DECLARATIVE" and not want.active:
            want = paused_copy(want)  # as sync makes it: paused by the file
        elif paused:
            want = want.with_changes(active=False, next_run_at=None)
        creates.append(want)
        return ItemResult(item, "create", want)
    if existing.type == "DECLARATIVE" or item.type == "DECLARATIVE":
        owner = f"{existing.name!r} ({existing.id}, {existing.type}"
        owner += f", declared in {existing.declared_in})" if existing.declared_in else ")"
        reason = f"deduplication_key {want.deduplication_key!r} is already used by {owner}"
        return ItemResult(item, "skip", existing, reason=reason)
    try:
        updated, names = reconcile(existing, want, now)
    except InvalidSchedule as exc:
        return ItemResult(item, "skip", existing, reason=describe_error(exc))
    if updated is None:
        return ItemResult(item, "unchanged", existing)
    updates.append(updated)
    return ItemResult(item, "update", updated, tuple(names))


def run_import(
    store: Store,
    items: Sequence[ImportItem],
    *,
    dry_run: bool = False,
    strict: bool = False,
    paused: bool = False,
) -> ImportReport:
    """Plan, and unless dry_run (or strict with a problem) apply in one transaction: planned
    once, inside it, so what is reported is what was written."""
    if dry_run:
        return ImportReport(plan(store, items, store.clock(), paused=paused)[0], applied=False)
    final: list[ItemResult] = []

    def compute(now: datetime) -> Changes:
        nonlocal final
        final, fresh = plan(store, items, now, paused=paused)
        if strict and any(r.op == "skip" for r in final):
            raise _NothingWritten
        return fresh

    try:
        store.apply(compute)
    except _NothingWritten:
        return ImportReport(final, applied=False)
    return ImportReport(final, applied=True)


class _NothingWritten(Exception):
    """Rolls back an import that --strict refuses (raised inside the write transaction)."""
