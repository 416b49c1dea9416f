"""Opening a PostgreSQL database: first-open migrations (one transaction, under an advisory lock),
refusals in one line (another program's tables, a newer schema, no driver, an unknown scheme),
and a URL's password never shown."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests import pg_server
from tests.cli_helpers import run_cli
from tests.conftest import cmd
from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store, StoreError
from tickwork.store.db import latest_version
from tickwork.store.location import MASK, parse_target, redact, scrub
from tickwork.store.postgres.sql import conninfo

ROOT = Path(__file__).resolve().parents[2]


def test_an_empty_database_gets_the_schema_and_the_marker(pg_admin: str) -> None:
    with pg_server.database(pg_admin, template=None) as url:
        Store.open(url).close()
        with psycopg.connect(url) as conn:
            meta: dict[str, str] = dict(
                conn.execute("SELECT key, value FROM tickwork_meta").fetchall()
            )
    assert meta == {"application": "tickwork", "schema_version": str(latest_version())}


def test_first_opens_at_once_migrate_once(pg_admin: str) -> None:
    """Four processes' worth of first opens race; the advisory lock lets one migrate."""
    with pg_server.database(pg_admin, template=None) as url:
        errors: list[BaseException] = []

        def open_one() -> None:
            try:
                with Store.open(url) as s:
                    s.count()
            except BaseException as exc:  # collected: the assertion below shows it
                errors.append(exc)

        threads = [threading.Thread(target=open_one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM schedules").fetchone() == (0,)


def test_another_programs_database_is_refused_untouched(pg_admin: str) -> None:
    with pg_server.database(pg_admin, template=None) as url:
        with psycopg.connect(url) as conn:
            conn.execute("CREATE TABLE invoices (id int)")
            conn.execute("INSERT INTO invoices VALUES (7)")
        with pytest.raises(StoreError, match=r"tables of another program \(invoices\)") as err:
            Store.open(url)
        assert "\n" not in str(err.value) and "createdb" in str(err.value)
        with psycopg.connect(url) as conn:
            tables = conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
            assert tables == [("invoices",)]


def test_a_newer_schema_is_refused(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute(
            "UPDATE tickwork_meta SET value = %s WHERE key = 'schema_version'",
            (str(latest_version() + 1),),
        )
    with pytest.raises(StoreError, match="newer tickwork"):
        Store.open(pg_url)


def test_passwords_are_never_shown() -> None:
    url = "postgresql://alice:s3cr%40t-pw@127.0.0.1:1/tick?sslmode=disable&password=other-pw"
    shown = redact(url)
    assert "s3cr" not in shown and "other-pw" not in shown
    assert shown.startswith(f"postgresql://alice:{MASK}@127.0.0.1:1/tick")
    assert redact("postgres://bob@host/db") == "postgres://bob@host/db"
    assert scrub(f"failed for {url} (s3cr@t-pw)", url).count("s3cr") == 0
    with pytest.raises(StoreError) as err:  # nothing listens on port 1
        Store.open(url)
    message = str(err.value)
    assert "s3cr" not in message and "other-pw" not in message
    assert message.startswith(f"cannot connect to postgresql://alice:{MASK}@127.0.0.1:1/tick")


def test_targets() -> None:
    assert parse_target(" postgresql://h/db ") == "postgresql://h/db"
    assert parse_target("~/x.db") == Path.home() / "x.db"
    assert parse_target(Path("a.db")) == Path("a.db")


def test_cli_bad_urls_are_one_line(tmp_path: Path) -> None:
    code, _, err = run_cli("mysql://u:pw@host/db", "list")
    assert code == 1 and err.startswith("error: --db mysql://u:***@host/db: tickwork takes")
    code, _, err = run_cli("postgresql://u:pw@127.0.0.1:1/db", "list")
    assert code == 1 and err.startswith("error: cannot connect to postgresql://u:***@")
    assert len(err.strip().splitlines()) == 1 and ":pw@" not in err


def test_without_the_driver_a_url_says_what_to_install(pg_url: str) -> None:
    code = (
        "import sys; sys.modules['psycopg'] = None; sys.modules['psycopg_pool'] = None\n"
        "from tickwork.cli.main import main\n"
        "sys.argv = ['tickwork', 'list']; main()"
    )
    env = {"TICKWORK_DB": pg_url.replace("postgres:@", "postgres:hunter2@"), "PATH": "/usr/bin"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert p.returncode == 1, p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
    assert "pip install 'tickwork[postgres]'" in p.stderr and "hunter2" not in p.stderr


def test_sessions_are_bounded(pg_url: str) -> None:
    """No statement, lock wait or idle transaction lasts for ever; times are UTC."""
    with Store.open(pg_url) as s:
        got = {
            k: s.query(f"SHOW {k}")[0][0]
            for k in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
        }
        zone = s.query("SHOW TimeZone")[0][0]
    assert got == {
        "lock_timeout": "5s",
        "statement_timeout": "1min",
        "idle_in_transaction_session_timeout": "1min",
    }
    assert zone == "UTC"
    info = conninfo_to_dict(conninfo(pg_url))
    assert (info["keepalives"], info["keepalives_idle"], info["application_name"]) == (
        "1",
        "10",
        "tickwork",
    )


def test_a_row_held_too_long_is_a_busy_error_that_changes_nothing(pg_url: str) -> None:
    """Another host holds the schedule's row (a long transaction): the edit waits
    lock_timeout (here the URL's own 300 ms, which wins over tickwork's), then says so."""
    url = f"{pg_url}&options=-c%20lock_timeout%3D300ms"
    with Store.open(url) as s:
        sid = s.create({"name": "held", "every": "1m", "action": cmd()}).schedule.id
        with psycopg.connect(pg_url) as holder:
            holder.execute("SELECT 1 FROM schedules WHERE id = %s FOR UPDATE", (sid,))
            with pytest.raises(StoreError) as err:
                s.set_active(sid, False)
            assert err.value.kind == "busy" and "\n" not in str(err.value)
            code, _, cli_err = run_cli(url, "pause", sid)
            assert code == 1 and cli_err.startswith("error: the database is locked")
        assert s.get(sid).active


def test_edits_on_a_host_with_a_wrong_clock_keep_the_servers_time(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tickwork add` on a host an hour fast: the next run is computed from the server's time
    (else the schedule would skip an hour of fires)."""
    import tickwork.store.dialect
    import tickwork.store.postgres.dialect
    import tickwork.store.schedules

    def fast() -> datetime:
        return utcnow() + timedelta(hours=1)

    for module in (
        tickwork.store.dialect,
        tickwork.store.postgres.dialect,
        tickwork.store.schedules,
    ):
        monkeypatch.setattr(module, "utcnow", fast)  # this host's clock, wherever it is read
    with Store.open(pg_url) as s:
        created = s.create({"name": "i", "every": "30m", "action": cmd()}).schedule
        server = parse_iso(s.query("SELECT clock_timestamp()")[0][0])
    assert created.next_run_at is not None and server is not None
    assert abs((created.next_run_at - server).total_seconds() - 1800) < 60
