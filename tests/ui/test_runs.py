"""The run history and run detail screens: listing, filters, paging, live refresh, detail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from tests.ui.timeline_fixtures import NOW, FrozenClock, HostApp, add_runs, command, make_run
from tests.ui.timeline_fixtures import settle as wait_until
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.store import Store
from tickwork.ui.screens.run_detail import RunDetailScreen
from tickwork.ui.screens.runs import RunsScreen
from tickwork.ui.widgets.runs import RunQuery, RunsTable, count_runs, fetch_runs, next_outcome
from tickwork.ui.widgets.runs.format import duration_label, first_line, status_label

SIZE = (120, 36)
STATUSES = ("succeeded", "succeeded", "failed", "missed", "skipped", "timed_out")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    s = Store.open(tmp_path / "t.db", clock=clock)
    yield s
    s.close()


def history(store: Store, count: int = 30) -> dict[str, Schedule]:
    """backup-db: `count` runs every 10 minutes cycling through STATUSES; ping-api: two runs."""
    # fixed ids (store.save of a built schedule) keep the run detail snapshot stable
    a = spec.build(
        {"name": "backup-db", "every": "10m", "action": command()}, NOW, schedule_id="sched_backup"
    )
    http = {"kind": "http", "url": "https://x.test/"}
    b = spec.build(
        {"name": "ping-api", "every": "5m", "action": http}, NOW, schedule_id="sched_ping"
    )
    store.save(a)
    store.save(b)
    runs: list[Run] = []
    for k in range(count):
        status = STATUSES[k % len(STATUSES)]
        failed = status in ("failed", "timed_out")
        runs.append(
            make_run(
                a.id,
                f"run_a{k:04d}",
                status,
                NOW - timedelta(minutes=10 * (k + 1)),
                output=f"dumping tables\nrun {k} done\n",
                error="pg_dump: connection refused\nretry later" if failed else None,
                exit_code=1 if failed else 0,
            )
        )
    runs.append(make_run(b.id, "run_b_live", "running", NOW - timedelta(seconds=42)))
    runs.append(
        make_run(
            b.id,
            "run_b_503",
            "failed",
            NOW - timedelta(minutes=5),
            exit_code=None,
            http_status=503,
            error="HTTP 503 Service Unavailable",
            notify_error="webhook https://hooks.test/ timed out",
            output="<html>busy</html>\n" * 3,
        )
    )
    add_runs(store, runs)
    return {"a": a, "b": b}


def host(store: Store, clock: FrozenClock, schedule_id: str | None = None, **kw: Any) -> HostApp:
    return HostApp(lambda: RunsScreen(store, clock, schedule_id, local_zone=UTC, **kw))


def table_of(pilot: Pilot[Any]) -> RunsTable:
    return pilot.app.screen.query_one(RunsTable)


async def settle(pilot: Pilot[Any]) -> None:
    def loaded() -> bool:
        screen = pilot.app.screen
        if isinstance(screen, RunsScreen):
            return str(screen.query_one("#runs-status", Static).render()) != "loading…"
        return True

    await wait_until(pilot, loaded)


def row_text(table: RunsTable, index: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(index)]


def status_text(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#runs-status", Static).render())


# --- queries and formatting, no app ----------------------------------------------------------


def test_outcome_cycle() -> None:
    seen = ["all"]
    for _ in range(6):
        seen.append(next_outcome(seen[-1]))
    assert seen == ["all", "failed", "succeeded", "running", "missed", "skipped", "all"]


def test_queries_page_and_filter(store: Store) -> None:
    made = history(store, count=30)
    everything = RunQuery()
    assert count_runs(store, everything) == 32
    first = fetch_runs(store, everything, limit=10)
    second = fetch_runs(store, everything, offset=10, limit=10)
    assert len(first) == len(second) == 10
    assert not {r.id for r in first} & {r.id for r in second}
    assert first[0].id == "run_b_live"  # newest first
    failed = RunQuery(outcome="failed")
    assert {r.status for r in fetch_runs(store, failed)} == {"failed", "timed_out"}
    assert count_runs(store, failed) == 11  # 5 failed + 5 timed out + the 503
    by_name = RunQuery(outcome="failed", name="PING")
    assert [r.id for r in fetch_runs(store, by_name)] == ["run_b_503"]
    assert count_runs(store, by_name) == 1
    one = RunQuery(schedule_id=made["b"].id)
    assert count_runs(store, one) == 2
    assert count_runs(store, RunQuery(name="100%_")) == 0  # LIKE wildcards are literal


def test_formatting() -> None:
    assert status_label("timed_out") == "◷ timed out"
    assert duration_label(0.42) == "0.42s" and duration_label(192) == "3m 12s"
    assert duration_label(None) == "-"
    assert first_line("\n  boom  \nmore") == "boom"


# --- the runs screen -------------------------------------------------------------------------


async def test_shows_finished_runs_newest_first(store: Store, clock: FrozenClock) -> None:
    history(store, count=30)
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        assert table.row_count == 32
        assert row_text(table, 0)[:2] == ["▶ running", "ping-api"]
        failed = row_text(table, 1)
        assert failed[0] == "✗ failed"
        assert failed[2] == "2026-03-02 11:55:00 UTC"  # in its schedule's zone, named
        assert failed[3] == "11:55:00"  # same day: the time only
        assert failed[4] == "1.25s"
        assert failed[5:] == ["1", "◆ schedule", "HTTP 503", "HTTP 503 Service Unavailable"]
        ok = row_text(table, 2)
        assert ok[:3] == ["✓ succeeded", "backup-db", "2026-03-02 11:50:00 UTC"]
        assert ok[7] == "exit 0"
        assert row_text(table, 4)[8] == "pg_dump: connection refused"  # the first line
        assert "32 of 32 runs" in status_text(pilot)


async def test_outcome_filter_cycles(store: Store, clock: FrozenClock) -> None:
    history(store, count=30)
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert {r.status for r in table.runs.values()} == {"failed", "timed_out"}
        assert table.row_count == 11
        assert "outcome: failed" in str(pilot.app.screen.query_one("#runs-outcome").render())
        await pilot.press("o")
        await settle(pilot)
        assert {r.status for r in table.runs.values()} == {"succeeded"}
        await pilot.press("o")
        await settle(pilot)
        assert [r.id for r in table.runs.values()] == ["run_b_live"]
        await pilot.press("o", "o")
        await settle(pilot)
        assert {r.status for r in table.runs.values()} == {"skipped"}
        await pilot.press("o")
        await settle(pilot)
        assert table.row_count == 32


async def test_name_filter(store: Store, clock: FrozenClock) -> None:
    history(store, count=30)
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(pilot.app.focused, Input)
        await pilot.press("p", "i", "n", "g", "o")  # "o" types, it does not cycle the outcome
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RunsScreen)
        assert screen.run_query == RunQuery(name="pingo")
        assert table_of(pilot).row_count == 0
        assert "no runs match" in status_text(pilot)
        await pilot.press("backspace")
        await settle(pilot)
        assert {r.schedule_name for r in table_of(pilot).runs.values()} == {"ping-api"}
        await pilot.press("escape")  # leaves the input
        assert isinstance(pilot.app.focused, RunsTable)
        await pilot.press("escape")  # leaves the screen
        assert not isinstance(pilot.app.screen, RunsScreen)


async def test_one_schedule(store: Store, clock: FrozenClock) -> None:
    made = history(store, count=10)
    async with host(store, clock, made["b"].id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert set(table_of(pilot).runs) == {"run_b_live", "run_b_503"}
        title = str(pilot.app.screen.query_one("#runs-title").render())
        assert title == "Run history · ping-api"


async def test_pages_load_as_the_cursor_moves_down(store: Store, clock: FrozenClock) -> None:
    history(store, count=250)
    async with host(store, clock, page_size=100).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        assert table.row_count == 100
        assert "100 of 252 runs" in status_text(pilot)
        table.move_cursor(row=99)
        await settle(pilot)
        assert table.row_count == 200
        table.move_cursor(row=199)
        await settle(pilot)
        assert table.row_count == 252
        assert len(set(table.runs)) == 252


async def test_refreshes_when_the_database_changes(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    made = history(store, count=3)
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = table_of(pilot)
        assert table.row_count == 5
        other = Store.open(tmp_path / "t.db", clock=clock)  # the runner, say
        add_runs(other, [make_run(made["a"].id, "run_new", "succeeded", NOW)])
        other.close()
        for _ in range(30):  # the screen polls data_version once a second
            await pilot.pause(0.1)
            if "run_new" in table.runs:
                break
        await settle(pilot)
        assert row_text(table, 0)[0] == "✓ succeeded" and table.row_count == 6


async def test_enter_opens_the_run_with_its_output(store: Store, clock: FrozenClock) -> None:
    history(store, count=3)
    async with host(store, clock).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # the HTTP 503 run
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, RunDetailScreen) and screen.run_id == "run_b_503"
        fields = str(screen.query_one("#run-fields", Static).render())
        assert "HTTP 503 Service Unavailable" in fields
        assert "webhook https://hooks.test/ timed out" in fields
        assert "2026-03-02 11:55:00.120 UTC" in fields  # started
        assert "Attempt" in fields and "Trigger        ◆ schedule" in fields
        output = screen.query_one("#run-output", TextArea)
        assert output.read_only
        assert output.text == "\n".join(["<html>busy</html>"] * 3)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, RunsScreen)


async def test_detail_of_a_run_without_output(store: Store, clock: FrozenClock) -> None:
    made = history(store, count=1)
    add_runs(store, [make_run(made["a"].id, "run_quiet", "missed", NOW - timedelta(hours=9))])
    app = HostApp(lambda: RunDetailScreen(store, "run_quiet", clock=clock, local_zone=UTC))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot,
            lambda: "missed" in str(pilot.app.screen.query_one("#run-fields", Static).render()),
        )
        screen = pilot.app.screen
        assert screen.query_one("#run-output", TextArea).text == "(no output captured)"
    gone = HostApp(lambda: RunDetailScreen(store, "run_nope", clock=clock, local_zone=UTC))
    async with gone.run_test(size=SIZE) as pilot:
        await wait_until(pilot)
        fields = str(pilot.app.screen.query_one("#run-fields", Static).render())
        assert "no longer exists" in fields


# --- snapshots -------------------------------------------------------------------------------


def _snapshot_app(tmp_path: Path) -> HostApp:
    clock = FrozenClock()
    store = Store.open(tmp_path / "snap.db", clock=clock)
    history(store, count=40)
    return host(store, clock)


def test_snapshot_runs(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    assert snap_compare(_snapshot_app(tmp_path), terminal_size=SIZE, run_before=settle)


def test_snapshot_run_detail(snap_compare: Callable[..., bool], tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)

    assert snap_compare(_snapshot_app(tmp_path), terminal_size=SIZE, run_before=run_before)
