"""Listings of the schedules table as stored rows: the WHERE and ORDER BY every listing shares
(Store.list, Store.rows), and a reader that opens a database for rows alone.

`open_reader` opens through store.db.open_dialect, as Store.open does, so a reader gets every
check and migration a Store gets (ownership and permissions, the header through SQLite, the
schema's version, the integrity of the schedules table); what it skips is loading the model,
the validation and the edits, which `tickwork list` never uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from tickwork.store.db import default_target, open_dialect
from tickwork.store.dialect import Dialect, Row
from tickwork.store.location import Target, parse_target

State = Literal["active", "paused", "all"]
Order = Literal["next", "name", "status"]
ORDER_BY = {
    "next": "ORDER BY next_run_at IS NULL, next_run_at, name, id",
    "name": "ORDER BY name, id",
    # failing first, then never-run, then the rest; soonest next run within each group
    "status": "ORDER BY CASE WHEN last_status IN ('failed', 'timed_out', 'abandoned') THEN 0 "
    "WHEN last_status IS NULL THEN 2 ELSE 1 END, next_run_at IS NULL, next_run_at, name, id",
}
_SEARCHED = ("name", "expression", "external_id", "deduplication_key", "id")


def where(state: State, search: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (with its leading space, or "") and its parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    if state == "active":
        clauses.append("active = 1")
    elif state == "paused":
        clauses.append("active = 0")
    if search and len(search) > 1000:  # longer than any field it is looked for in
        clauses.append("0")
    elif search:
        like = "%" + search.strip().lower().replace("\\", "\\\\").replace("%", "\\%") + "%"
        clauses.append("(" + " OR ".join(f"lower({f}) LIKE ? ESCAPE '\\'" for f in _SEARCHED) + ")")
        params.extend([like] * len(_SEARCHED))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def select(
    columns: tuple[str, ...], state: State, search: str | None, order: Order = "next"
) -> tuple[str, list[Any]]:
    """The statement listing these columns of the chosen schedules, and its parameters."""
    clause, params = where(state, search)
    return f"SELECT {', '.join(columns)} FROM schedules{clause} {ORDER_BY[order]}", params


def open_reader(target: Target | None) -> Dialect:
    """The database `target` names (None: $TICKWORK_DB or the default file), opened and
    checked exactly as Store.open opens it."""
    found = parse_target(target) if target is not None else default_target()
    assert found is not None
    return open_dialect(found)


def stream_rows(
    dialect: Dialect,
    columns: tuple[str, ...],
    state: State = "all",
    search: str | None = None,
    order: Order = "next",
) -> Iterator[Row]:
    """These columns of the chosen schedules, in listing order, as they come."""
    sql, params = select(columns, state, search, order)
    return dialect.stream(sql, params)
