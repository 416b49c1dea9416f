"""Shared fixtures: real SQLite files in temp dirs, a real PostgreSQL server, a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests import pg_server
from tickwork.store import Store

FIXED_NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)  # a Monday


class FakeClock:
    """A wall clock and a monotonic clock that move only when a test moves them.

    The monotonic clock starts at 0.0, as on a machine booted a moment ago: nothing may take
    0.0 for "never". `advance` moves both (time passing); setting `now` alone is a step of the
    wall clock (an NTP correction, a VM's clock fixed, a suspend)."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now
        self.mono = 0.0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tickwork.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(db_path: Path, clock: FakeClock) -> Iterator[Store]:
    s = Store.open(db_path, clock=clock)
    yield s
    s.close()


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str]:
    """One PostgreSQL server for the session (or $TICKWORK_TEST_PG): its maintenance URL."""
    with pg_server.server() as url:
        pg_server.make_template(url)
        yield url
        if not pg_server.private():
            pg_server.drop_template(url)


@pytest.fixture
def pg_url(pg_admin: str) -> Iterator[str]:
    """A database of its own for this test, at the latest schema (postgresql://...)."""
    with pg_server.database(pg_admin) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def target(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """A new database on each backend: a file path, or a postgresql:// URL."""
    if backend == "sqlite":
        return db_path
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def any_store(target: Path | str, clock: FakeClock) -> Iterator[Store]:
    """The store on each backend (the store contract runs on both)."""
    s = Store.open(target, clock=clock)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Never touch the user's real database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TICKWORK_DB", raising=False)


def cmd(command: str = "echo hi") -> dict[str, str]:
    return {"kind": "command", "command": command}
