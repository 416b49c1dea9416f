"""One database file shared by several processes, as people use it: the UI open (two connections:
its own and its embedded runner's) while the CLI runs in another shell.

Closing any descriptor of a file drops every POSIX lock the process holds on it; a process that
opened and closed the database file outside SQLite lost its connections' locks, and the next
process to close its connection deleted the WAL under it (the database split in two).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.runner.conftest import ROOT, cli, query, wait_until
from tests.tmux_ui import Tmux, row_of
from tickwork.domain.timeutil import parse_iso, utcnow
from tickwork.store import Store

# Like the UI: the app's connection, then (later) the embedded runner's own.
HOLDER = """
import sys
from tickwork.store import Store
app = Store.open(sys.argv[1])
sid = app.list()[0].id
runner = Store.open(sys.argv[1])
runner.leases.all()
print("ready", flush=True)
for _ in sys.stdin:
    print(int(app.get(sid).active), int(runner.get(sid).active), flush=True)
"""

CHURN = """
import sys
from tickwork.store import Store
for _ in range(50):
    s = Store.open(sys.argv[1])
    s.count()
    s.close()
"""


def deleted_files(pid: int, db: Path) -> list[str]:
    """The files of `db` (the database, its WAL, its SHM) process `pid` holds but that are gone."""
    out = []
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(fd_dir / fd)
        except OSError:
            continue
        if target.startswith(str(db)) and target.endswith("(deleted)"):
            out.append(target)
    return out


def test_other_processes_opening_the_file_never_split_the_database(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    with Store.open(db) as store:
        store.create({"name": "keep", "every": "1h", "action": {"kind": "command", "command": ":"}})
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "ready"
        churn = subprocess.run(
            [sys.executable, "-c", CHURN, str(db)], capture_output=True, text=True, env=env
        )
        assert churn.returncode == 0, churn.stderr
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        assert deleted_files(holder.pid, db) == []

        paused = cli(db, "pause", "keep")  # the CLI in another shell
        assert paused.returncode == 0, paused.stderr
        assert deleted_files(holder.pid, db) == []
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().split() == ["0", "0"]  # both connections see the pause
    finally:
        holder.stdin.close()  # the "UI" quits
        holder.wait(30)
    assert holder.returncode == 0
    assert [r["active"] for r in query(db, "SELECT active FROM schedules")] == [0]


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux to run the UI")
def test_a_cli_pause_reaches_the_open_ui_and_outlives_it(tmp_path: Path) -> None:
    """The reproduction of the split: the UI (embedded runner on) open, `tickwork list` once in
    another shell, then `tickwork pause`: the UI shows it, its runner stops firing the schedule,
    and after the UI quits the pause is still in the file."""
    db = tmp_path / "ui.db"
    fires = tmp_path / "fires.log"
    with Store.open(db) as store:
        sid = store.create(
            {
                "name": "ticker",
                "every": "1s",
                "action": {
                    "kind": "command",
                    "command": f'echo "$TICKWORK_SCHEDULED_FOR" >> {fires}',
                },
            }
        ).schedule.id
    ui = Tmux(tmp_path, db)
    try:
        assert wait_until(lambda: "●" in row_of(ui.screen(), "ticker"), 60), ui.screen()
        assert wait_until(lambda: fires.exists() and len(fires.read_text().split()) >= 2, 60)
        pid = ui.pid()
        listed = cli(db, "list")
        assert listed.returncode == 0 and "ticker" in listed.stdout, listed.stderr
        assert deleted_files(pid, db) == []

        paused = cli(db, "pause", "ticker")
        assert paused.returncode == 0, paused.stderr
        after_pause = utcnow()
        started = time.monotonic()
        assert wait_until(lambda: "○" in row_of(ui.screen(), "ticker"), 30), ui.screen()
        seen_after = time.monotonic() - started
        print(f"the UI showed the CLI's pause after {seen_after:.2f} s")
        assert deleted_files(pid, db) == []
        # A fire flipped before the pause landed (its last moment: see claim-ahead in the
        # README) still runs, at the instant after the pause; none after it. The next fires
        # (every second) would have come within these 3 s, and none comes later.
        time.sleep(3)
        fired = [parse_iso(t) for t in fires.read_text().split()]
        late = [t for t in fired if t is None or t > after_pause]
        assert len(late) <= 1, (fired, after_pause)
        assert all(t is not None and (t - after_pause).total_seconds() < 1 for t in late), late
        time.sleep(2)
        assert len(fires.read_text().split()) == len(fired)

        ui.keys("q")
        assert wait_until(ui.exit_file.exists, 60), ui.screen()
        assert ui.exit_file.read_text().strip() == "0"
    finally:
        ui.close()
    row = query(db, "SELECT active, last_status FROM schedules WHERE id = ?", (sid,))[0]
    assert row["active"] == 0 and row["last_status"] == "succeeded"
    assert cli(db, "list", "--json").stdout.count('"active": false') == 1


def test_the_database_is_never_taken_for_a_schedules_file_or_an_export_target(
    tmp_path: Path,
) -> None:
    """`sync DB` would read the file outside SQLite (dropping the locks), `export -o DB` would
    replace it: both are refused, and the database is unchanged."""
    db = tmp_path / "self.db"
    made = cli(db, "add", "keep", "--every", "1h", "--command", ":")
    assert made.returncode == 0, made.stderr
    before = query(db, "SELECT * FROM schedules")
    for args in (("sync", str(db)), ("export", "--format", "toml", "-o", str(db))):
        p = cli(db, *args)
        assert p.returncode == 1, (args, p.stdout, p.stderr)
        assert "is the database itself" in p.stderr and "Traceback" not in p.stderr
    assert [tuple(r) for r in query(db, "SELECT * FROM schedules")] == [tuple(r) for r in before]
