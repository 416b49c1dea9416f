"""Which stored schedules a schedules file owns, so that moving or renaming it changes nothing.

* With ``project = "NAME"`` at the top of the file, a schedule is (project, KEY): any file
  of that project manages the same schedules, wherever it is (two checkouts of one
  repository, a file moved between directories or hosts); ``declared_in`` follows the file
  synced last.
* Without it, a schedule is (file, KEY). A file synced for the first time takes over the
  schedules of a file that no longer exists if it declares at least half of their keys:
  that file was moved or renamed. Two such files matching equally well is an error, never a
  guess.
* Schedules of a file that no longer exists keep running; every sync says so until they
  are removed (`tickwork sync --prune-missing`, or `tickwork delete --force REF`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from tickwork.domain.model import Schedule
from tickwork.store import Store


class AmbiguousMove(ValueError):
    """Two files that no longer exist could each be the one this file was moved from."""


def _exists(path: str) -> bool:
    try:
        return os.path.exists(path)
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class MissingFiles:
    """The declaring files of this database that no longer exist, with their schedules."""

    store: Store
    paths: tuple[str, ...]

    def schedules(self) -> list[Schedule]:
        return [s for p in self.paths for s in self.store.declared(p)]

    def note(self) -> str | None:
        if not self.paths:
            return None
        count = len(self.schedules())
        shown = ", ".join(self.paths[:3]) + (
            f" and {len(self.paths) - 3} more" if len(self.paths) > 3 else ""
        )
        return (
            f"{count} schedule(s) are declared in files that no longer exist ({shown}); they "
            "still run: remove them with tickwork sync --prune-missing"
        )


def missing_files(store: Store, *, besides: Iterable[str] = ()) -> MissingFiles:
    skip = set(besides)
    paths = [p for p, _count in store.declared_paths() if p not in skip and not _exists(p)]
    return MissingFiles(store, tuple(sorted(paths)))


@dataclass
class Owned:
    by_key: dict[str, Schedule]
    duplicates: list[tuple[Schedule, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def moved_label(s: Schedule) -> str:
        return f"moved from {s.declared_in}" if s.declared_in else "declared_in"


def _take_over(store: Store, absolute: str, keys: set[str]) -> tuple[list[Schedule], str | None]:
    """The schedules of a vanished file this one was moved from (see the module doc)."""
    scored: list[tuple[int, str, list[Schedule]]] = []
    for path in missing_files(store, besides=[absolute]).paths:
        theirs = [s for s in store.declared(path) if s.declared_project is None]
        their_keys = {s.declared_key for s in theirs if s.declared_key}
        shared = len(their_keys & keys)
        if shared and 2 * shared >= len(their_keys):
            scored.append((shared, path, theirs))
    if not scored:
        return [], None
    scored.sort(key=lambda x: -x[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        tied = [p for n, p, _ in scored if n == scored[0][0]]
        raise AmbiguousMove(
            f"this file was synced for the first time, and the schedules of {len(tied)} files "
            f"that no longer exist ({', '.join(tied)}) match its keys equally well: remove the "
            "ones you do not want with tickwork delete --force REF (or all of them with "
            "tickwork sync --prune-missing), then sync again"
        )
    return scored[0][2], scored[0][1]


def owned_by(store: Store, absolute: str, project: str | None, keys: set[str]) -> Owned:
    """The schedules the file at ``absolute`` (declaring ``keys``) manages, by key."""
    found = {s.id: s for s in store.declared(absolute)}
    if project is not None:
        found.update((s.id, s) for s in store.declared_in_project(project))
    adopted_from = None
    if not found:
        taken, adopted_from = _take_over(store, absolute, keys)
        found = {s.id: s for s in taken}
    owned = Owned({})
    for s in sorted(found.values(), key=lambda s: (s.declared_in != absolute, s.created_at, s.id)):
        key = s.declared_key
        if key is None:  # declared by a version that kept no key: it leaves the file
            owned.by_key[f"\0{s.id}"] = s
        elif key in owned.by_key:
            keeper = owned.by_key[key]
            owned.duplicates.append(
                (s, f"the same key as {keeper.id}, declared in {s.declared_in}")
            )
        else:
            owned.by_key[key] = s
    skip = [absolute] + ([adopted_from] if adopted_from else [])
    note = missing_files(store, besides=skip).note()
    if note:
        owned.notes.append(note)
    return owned
