"""The store on both backends (a real SQLite file, a real PostgreSQL database): CRUD, PATCH
semantics, dedup, pause idempotency; and SQLite's file checks."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tickwork.domain.errors import InvalidSchedule, NotAllowed, ScheduleNotFound
from tickwork.store import Store, StoreError
from tickwork.store.db import latest_version

from .conftest import FakeClock, cmd


@pytest.fixture
def store(any_store: Store) -> Store:
    """Every test here that takes `store` runs on SQLite and on PostgreSQL."""
    return any_store


def dump(store: Store) -> list[tuple[object, ...]]:
    return store.query("SELECT * FROM schedules ORDER BY id")


def test_create_computes_next_run_and_defaults(store: Store) -> None:
    s = store.create(
        {"name": "weekday", "cron": "0 9 * * 1-5", "timezone": "Europe/Paris", "action": cmd()}
    ).schedule
    assert s.id.startswith("sched_")
    assert s.type == "IMPERATIVE" and s.active
    assert s.generator.type == "CRON"
    assert s.generator.description == "At 09:00 AM, Monday through Friday"
    # 2026-03-02 12:00Z is 13:00 in Paris on a Monday: next is Tuesday 09:00 CET = 08:00Z.
    assert s.next_run_at == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert s.policies.overlap == "skip" and s.policies.catchup == "latest"
    assert store.get(s.id) == s


def test_time_of_day_derives_cron_and_keeps_both(store: Store) -> None:
    s = store.create(
        {"name": "t", "time_of_day": "07:30", "days_of_week": [1, 3, 5], "action": cmd()}
    ).schedule
    assert s.expression == "30 7 * * 1,3,5"
    assert s.time_of_day == "07:30" and s.days_of_week == (1, 3, 5)
    s2 = store.create(
        {"name": "t2", "time_of_day": "07:30", "days_of_week": "mon-fri", "action": cmd()}
    ).schedule
    assert s2.expression == "30 7 * * 1-5"


def test_cron_takes_precedence_over_time_of_day(store: Store) -> None:
    s = store.create(
        {"name": "p", "cron": "0 6 * * *", "time_of_day": "07:30", "action": cmd()}
    ).schedule
    assert s.expression == "0 6 * * *" and s.time_of_day is None


def test_interval_schedule_is_anchored_at_creation(store: Store, clock: FakeClock) -> None:
    s = store.create({"name": "i", "every": "1h30m", "action": cmd()}).schedule
    assert s.generator.type == "INTERVAL"
    assert s.next_run_at == clock.now + timedelta(hours=1, minutes=30)


def test_patch_changes_only_given_fields(store: Store, clock: FakeClock) -> None:
    s = store.create(
        {
            "name": "a",
            "cron": "0 9 * * *",
            "action": cmd(),
            "max_runs": 5,
            "external_id": "x1",
            "description": "d",
        }
    ).schedule
    clock.now += timedelta(minutes=5)
    u = store.update(s.id, {"timezone": "America/New_York"})
    assert u.max_runs == 5 and u.external_id == "x1" and u.description == "d"
    assert u.action == s.action and u.name == "a"
    assert u.next_run_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert u.updated_at == clock.now.replace(microsecond=0)
    u2 = store.update(s.id, {"time_of_day": "10:15"})
    assert u2.expression == "15 10 * * *" and u2.time_of_day == "10:15"
    u3 = store.update(s.id, {"days_of_week": "sat,sun"})
    assert u3.expression == "15 10 * * 0,6"
    u4 = store.update(s.id, {"max_runs": None})
    assert u4.max_runs is None and u4.expression == "15 10 * * 0,6"


def test_patch_action_merges_same_kind(store: Store) -> None:
    s = store.create(
        {
            "name": "h",
            "every": "5m",
            "action": {"kind": "http", "url": "http://127.0.0.1:9/x", "headers": ["A: 1"]},
        }
    ).schedule
    u = store.update(s.id, {"action": {"method": "PUT"}})
    assert u.action.to_json() == {
        "kind": "http",
        "method": "PUT",
        "url": "http://127.0.0.1:9/x",
        "headers": {"A": "1"},
    }
    with pytest.raises(InvalidSchedule) as err:
        store.update(s.id, {"action": {"command": "ls"}})
    assert err.value.errors[0].field == "command"


def test_pause_is_idempotent_and_resume_recomputes_from_now(store: Store, clock: FakeClock) -> None:
    s = store.create({"name": "m", "cron": "*/5 * * * *", "action": cmd()}).schedule
    clock.now += timedelta(minutes=1)
    paused, changed = store.set_active(s.id, False)
    assert changed and not paused.active and paused.next_run_at is None
    before = dump(store)
    clock.now += timedelta(minutes=1)
    again, changed = store.set_active(s.id, False)
    assert not changed and again.updated_at == paused.updated_at
    assert dump(store) == before
    clock.now += timedelta(days=3)
    resumed, changed = store.set_active(s.id, True)
    assert changed and resumed.next_run_at is not None
    assert clock.now < resumed.next_run_at <= clock.now + timedelta(minutes=5)


def test_dedup_key_updates_instead_of_adding(store: Store) -> None:
    a = store.create({"name": "a", "cron": "0 9 * * *", "action": cmd(), "deduplication_key": "k"})
    b = store.create({"name": "b", "cron": "0 10 * * *", "action": cmd(), "deduplication_key": "k"})
    assert a.created and not b.created
    assert b.schedule.id == a.schedule.id and b.schedule.name == "b"
    assert store.count() == 1


def test_declarative_cannot_be_paused_edited_or_deleted(store: Store) -> None:
    s = store.create(
        {"name": "decl", "cron": "0 9 * * *", "action": cmd()},
        type="DECLARATIVE",
        declared_in="tickwork.toml",
    ).schedule
    for call in (
        lambda: store.set_active(s.id, False),
        lambda: store.update(s.id, {"name": "x"}),
        lambda: store.delete(s.id),
    ):
        with pytest.raises(NotAllowed, match=r"DECLARATIVE.*tickwork\.toml"):
            call()
    assert store.get(s.id) == s


def test_rejected_write_changes_nothing(store: Store) -> None:
    s = store.create({"name": "a", "cron": "0 9 * * *", "action": cmd()}).schedule
    before = dump(store)
    bad_inputs: list[dict[str, Any]] = [
        {"cron": "61 * * * *"},
        {"timezone": "Europe/Londn"},
        {"time_of_day": "25:00"},
        {"days_of_week": "mon-funday"},
        {"max_runs": "many"},
        {"max_runs": 0},
        {"action": {"kind": "http", "url": "ftp://x"}},
        {"retries": -1},
        {"overlap": "never"},
        {"end_at": "yesterday"},
        {"name": ""},
        {"bogus": 1},
    ]
    for bad in bad_inputs:
        with pytest.raises(InvalidSchedule):
            store.update(s.id, bad)
    assert dump(store) == before


def test_validation_collects_every_field_error(store: Store) -> None:
    with pytest.raises(InvalidSchedule) as err:
        store.create(
            {
                "name": "",
                "cron": "61 * * * *",
                "timezone": "Mars/Base",
                "action": {"kind": "command", "command": ""},
                "retries": "x",
            }
        )
    fields = set(err.value.by_field())
    assert {"name", "cron", "timezone", "command", "retries"} <= fields
    assert store.count() == 0


def test_timezone_suggestion() -> None:
    from tickwork.domain.timezones import UnknownTimezone, canonical_timezone

    with pytest.raises(UnknownTimezone, match="did you mean Europe/London"):
        canonical_timezone("Europe/Londn")
    assert canonical_timezone("europe/london") == "Europe/London"


def test_max_runs_and_end_at_reached_deactivate(store: Store, clock: FakeClock) -> None:
    s = store.create(
        {"name": "e", "cron": "0 9 * * *", "action": cmd(), "end_at": "2026-03-02T20:00:00Z"}
    ).schedule
    assert not s.active and s.next_run_at is None
    assert s.status_reason is not None and "end_at" in s.status_reason
    with pytest.raises(NotAllowed, match="end_at"):
        clock.now += timedelta(days=1)
        store.set_active(s.id, True)


def test_resolve_by_id_prefix_and_name(store: Store) -> None:
    a = store.create({"name": "alpha", "cron": "0 9 * * *", "action": cmd()}).schedule
    store.create({"name": "twin", "cron": "0 9 * * *", "action": cmd()})
    store.create({"name": "twin", "cron": "0 9 * * *", "action": cmd()})
    assert store.resolve(a.id) == a
    assert store.resolve(a.id[:12]) == a
    assert store.resolve("alpha") == a
    with pytest.raises(ScheduleNotFound, match="2 schedules are named 'twin'"):
        store.resolve("twin")
    with pytest.raises(ScheduleNotFound, match="no schedule matches"):
        store.resolve("nope")


def test_list_filters_and_orders(store: Store) -> None:
    store.create({"name": "later", "cron": "0 23 * * *", "action": cmd()})
    store.create({"name": "soon", "cron": "30 12 * * *", "action": cmd(), "external_id": "cust-9"})
    store.create({"name": "off", "cron": "0 13 * * *", "action": cmd(), "active": False})
    assert [s.name for s in store.list()] == ["soon", "later", "off"]
    assert [s.name for s in store.list("paused")] == ["off"]
    assert [s.name for s in store.list(search="CUST")] == ["soon"]
    assert [s.name for s in store.list(search="23 *")] == ["later"]
    assert store.counts() == {"active": 2, "paused": 1}
    assert [s.name for s in store.due(datetime(2026, 3, 2, 12, 30, tzinfo=UTC))] == ["soon"]


def test_file_is_created_0600_with_wal_and_version(db_path: Path) -> None:
    Store.open(db_path).close()
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    plan = " ".join(
        str(r)
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM schedules WHERE active = 1 "
            "AND next_run_at IS NOT NULL AND next_run_at <= '2030' ORDER BY next_run_at"
        ).fetchall()
    )
    assert "idx_schedules_due" in plan
    conn.close()


def test_refuses_foreign_and_corrupt_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello, not a database\n" * 10)
    with pytest.raises(StoreError, match="not a tickwork database"):
        Store.open(text)
    assert text.read_text() == "hello, not a database\n" * 10

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    with pytest.raises(StoreError, match="another program"):
        Store.open(other)
    assert other.read_bytes() == before

    good = tmp_path / "good.db"
    Store.open(good).close()
    data = bytearray(good.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    broken = tmp_path / "broken.db"
    broken.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        Store.open(broken).list()


def test_newer_schema_is_refused(db_path: Path) -> None:
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer tickwork"):
        Store.open(db_path)


def test_content_version_moves_on_schedule_and_run_changes_not_heartbeats(store: Store) -> None:
    from tickwork.domain.runs import RunnerLease

    v0 = store.content_version()
    s = store.create({"name": "a", "cron": "0 9 * * *", "action": cmd()}).schedule
    v1 = store.content_version()
    assert v1 > v0
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    lease = RunnerLease("rnr_x", "host", 1, "headless", "active", now, now, now)
    store.leases.beat(lease, now, 10, "active")
    assert store.content_version() == v1
    store.set_active(s.id, False)
    assert store.content_version() > v1


def test_deep_pages_use_the_order_index(db_path: Path) -> None:
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    plan = " ".join(
        str(r)
        for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM schedules "
            "ORDER BY next_run_at IS NULL, next_run_at, name, id LIMIT 100 OFFSET 99900"
        ).fetchall()
    )
    conn.close()
    assert "idx_schedules_next_order" in plan and "TEMP B-TREE" not in plan
