"""Every fire of every active schedule in a window, in time order, read lazily.

`tickwork next` asks for the first fires of a window: the schedules are walked in next_run_at order
(an index), and a schedule is read only once every fire before its next_run_at has been given out,
so the cost follows what is printed, not how many schedules exist. The fires themselves come from
spec.fires_after (spec.upcoming, the runner's own function).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tickwork.cron import CronError
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.timeutil import parse_iso
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, from_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

# What iso() writes. Sorted as text these are in time order; any other form (a hand edit) might
# not be, so such rows are all read up front.
CANONICAL_TIME = "????-??-??T??:??:??+00:00"
_ID, _NAME, _NEXT_RUN = (SCHEDULE_COLUMNS.index(c) for c in ("id", "name", "next_run_at"))
_NEXT = "active = 1 AND next_run_at IS NOT NULL AND next_run_at"


def fires_between(
    store: Store,
    start: datetime,
    end: datetime,
    unreadable: Callable[[Schedule, CronError], None] | None = None,
) -> Iterator[tuple[datetime, Schedule]]:
    """(time, schedule) for every fire in (start, end], time-ordered; ties in the order of the
    schedules' stored (next_run_at, name, id), the order of `list`. A schedule whose stored
    expression or zone this version cannot read is left out (and given to ``unreadable``)."""
    heap: list[tuple[datetime, tuple[str, str, str], Iterator[datetime], Schedule]] = []

    def push(row: tuple[Any, ...]) -> None:
        s = from_row(row)
        fires = spec.fires_after(s, start)
        try:
            first = next(fires, None)
        except CronError as exc:  # stored by another version, or by hand: shown, not fatal
            if unreadable is not None:
                unreadable(s, exc)
            return
        if first is not None and first <= end:  # ties go in the stored order, as list() has it
            heapq.heappush(heap, (first, (row[_NEXT_RUN], s.name, s.id), fires, s))

    def pop() -> tuple[datetime, Schedule]:
        at, order, fires, s = heap[0]
        following = next(fires, None)
        if following is not None and following <= end:
            heapq.heapreplace(heap, (following, order, fires, s))
        else:
            heapq.heappop(heap)
        return at, s

    params: tuple[str, ...] = ()
    if store.dialect.native_times:  # timestamptz: every stored time is canonical
        canonical = "IS NOT NULL"
    else:
        canonical, params = "GLOB ?", (CANONICAL_TIME,)
        for row in store.query(f"{SELECT_SCHEDULE} WHERE {_NEXT} NOT GLOB ?", params):
            push(row)
    for row in store.stream(
        f"{SELECT_SCHEDULE} WHERE {_NEXT} {canonical} "
        "ORDER BY next_run_at IS NULL, next_run_at, name, id",
        params,
    ):
        at = parse_iso(row[_NEXT_RUN])
        assert at is not None
        # Fires of this and every later row are > start and >= its next_run_at, and their ties
        # come after: whatever goes before that is final.
        here = (at, (row[_NEXT_RUN], row[_NAME], row[_ID]))
        while heap and heap[0][:2] < here:
            yield pop()
        if at > end:  # nothing from here on fires in the window
            break
        push(row)
    while heap:
        yield pop()
