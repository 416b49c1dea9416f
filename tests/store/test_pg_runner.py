"""A runner on PostgreSQL keeps the server's time: a host whose wall clock is an hour ahead
fires nothing early, says how far off it is, and writes its lease in the server's time."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.runner.conftest import PY_ACTION, async_wait_until, in_process
from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store

AHEAD = timedelta(hours=1)


def ahead() -> datetime:
    return utcnow() + AHEAD  # a host whose clock is an hour fast


async def test_a_host_an_hour_ahead_fires_nothing_early(pg_url: str) -> None:
    with Store.open(pg_url) as store:  # this machine's clock is the server's
        later = store.create({"name": "later", "every": "30m", "action": PY_ACTION}).schedule
        soon = store.create({"name": "soon", "every": "1s", "action": PY_ACTION}).schedule

        def done(schedule_id: str) -> int:
            rows = store.query(
                "SELECT count(*) FROM runs WHERE schedule_id = ? AND status = 'succeeded'",
                (schedule_id,),
            )
            return int(rows[0][0])

        async with in_process(pg_url, clock=ahead) as (runner, events):
            assert await async_wait_until(lambda: done(soon.id) >= 3, 60)
            notes = events.notes()
            lease = store.leases.all()[0]
            server = parse_iso(store.query("SELECT clock_timestamp()")[0][0])
        assert done(later.id) == 0 and store.runs.count(later.id) == 0
        assert any("s ahead of the database server's" in n for n in notes), notes
        assert runner.db_offset is not None and abs(runner.db_offset + 3600) < 5
        assert server is not None and abs((lease.heartbeat_at - server).total_seconds()) < 30
        rows = store.query(
            "SELECT scheduled_for, started_at, status FROM runs WHERE schedule_id = ?", (soon.id,)
        )
        # Every fire made is in the server's time, not an hour ahead. On a loaded machine a fire
        # may be skipped (overlap=skip while the previous run's outcome is still being recorded):
        # it has no start, and is checked by its scheduled time alone.
        made = [parse_iso(r[0]) for r in rows]
        started = [parse_iso(r[1]) for r in rows if r[1] is not None]
        assert len(started) >= 3, rows
        assert all(t is not None and abs((t - server).total_seconds()) < 60 for t in made), rows
        assert all(t is not None and abs((t - server).total_seconds()) < 60 for t in started), rows
