"""Pages of the schedule list, cached in a small LRU. Pure Python (no Textual, no I/O).

The table asks for rows by index; rows come from `store.list(limit=, offset=)` one page at a time.
Every change of query (filter, sort) or of the data starts a new *generation*: pages fetched for
an older generation are dropped when they arrive, so a slow query never paints stale rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from tickwork.domain.model import Schedule

Order = Literal["next", "name", "status"]
ORDERS: tuple[Order, ...] = ("next", "name", "status")
ORDER_LABELS: dict[Order, str] = {"next": "next run", "name": "name", "status": "last outcome"}
PAGE_SIZE = 100
MAX_PAGES = 16


@dataclass(frozen=True)
class Query:
    search: str | None = None
    order: Order = "next"


class PageCache:
    """Rows by index for one query, `page_size` rows per page, at most `max_pages` kept."""

    def __init__(self, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES) -> None:
        self.page_size = page_size
        self.max_pages = max_pages
        self.query = Query()
        self.total = 0
        self.generation = 0
        self.loaded = False  # False until the first query has answered
        self._pages: OrderedDict[int, list[Schedule]] = OrderedDict()
        self._pending: set[tuple[int, int]] = set()

    def page_of(self, index: int) -> int:
        return index // self.page_size

    def offset_of(self, page: int) -> int:
        return page * self.page_size

    def row(self, index: int) -> Schedule | None:
        """The row at `index`, or None while its page is not loaded."""
        if not 0 <= index < self.total:
            return None
        page = self._pages.get(self.page_of(index))
        if page is None:
            return None
        self._pages.move_to_end(self.page_of(index))
        pos = index - self.offset_of(self.page_of(index))
        return page[pos] if pos < len(page) else None

    def pages_for(self, first: int, last: int) -> list[int]:
        """Pages covering rows first..last (inclusive), clamped to the result."""
        if self.total == 0 or last < first:
            return []
        first = max(0, first)
        last = min(self.total - 1, last)
        return list(range(self.page_of(first), self.page_of(last) + 1))

    def missing(self, pages: Iterable[int]) -> list[int]:
        """Of `pages`, those neither cached nor already being fetched for this generation."""
        return [
            p for p in pages if p not in self._pages and (self.generation, p) not in self._pending
        ]

    def begin(self, page: int) -> int:
        """Mark `page` as being fetched; returns the generation to hand back to `put`."""
        self._pending.add((self.generation, page))
        return self.generation

    def put(self, generation: int, page: int, rows: list[Schedule]) -> bool:
        """Store a fetched page; False (and dropped) when it belongs to an older generation."""
        self._pending.discard((generation, page))
        if generation != self.generation:
            return False
        self._store(page, rows)
        return True

    def fail(self, generation: int, page: int) -> None:
        self._pending.discard((generation, page))

    def reset(self, query: Query, total: int, pages: dict[int, list[Schedule]]) -> None:
        """Swap in a new result at once: new generation, the given pages, nothing else."""
        self.generation += 1
        self.query = query
        self.total = total
        self.loaded = True
        self._pages.clear()
        self._pending.clear()
        for page, rows in pages.items():
            self._store(page, rows)

    def index_of(self, schedule_id: str) -> int | None:
        """Where a schedule is among the cached rows, if it is there."""
        for page, rows in self._pages.items():
            for pos, s in enumerate(rows):
                if s.id == schedule_id:
                    return self.offset_of(page) + pos
        return None

    def replace_row(self, index: int, schedule: Schedule) -> None:
        """Swap one cached row for a fresher copy (after our own write)."""
        rows = self._pages.get(self.page_of(index))
        pos = index - self.offset_of(self.page_of(index))
        if rows is not None and pos < len(rows):
            rows[pos] = schedule

    def _store(self, page: int, rows: list[Schedule]) -> None:
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)
