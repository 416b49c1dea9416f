"""Where the database lives by default: TICKWORK_DB, else the user's data directory."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tickwork.store import default_db_path

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the XDG layout is Linux's")


def test_tickwork_db_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TICKWORK_DB", "~/jobs/my.db")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "jobs" / "my.db"


def test_xdg_data_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_db_path() == tmp_path / "xdg" / "tickwork" / "tickwork.db"


@pytest.mark.parametrize("xdg", [None, "", "  "])
def test_home_local_share_without_xdg_data_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, xdg: str | None
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert default_db_path() == tmp_path / ".local" / "share" / "tickwork" / "tickwork.db"


def test_first_command_creates_the_private_file_there(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    p = subprocess.run(
        [sys.executable, "-m", "tickwork", "list"], env=env, capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr
    db = tmp_path / ".local" / "share" / "tickwork" / "tickwork.db"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
