"""--max-concurrency, for the UI's embedded runner (`tickwork --max-concurrency N`) and for
`tickwork run`: a bad value is one clear error naming the option and the range, and nothing is
opened or written; given before another command it is refused, not silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

BAD = ["0", "-3", "abc", "1e3", "100001", "9" * 5000, "２", ""]


def error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("where", [[], ["run"], ["serve"]], ids=["ui", "run", "serve"])
def test_a_bad_value_is_one_clear_error(tmp_path: Path, where: list[str], value: str) -> None:
    db = tmp_path / "t.db"
    args = [*where, "--max-concurrency", value] if where else ["--max-concurrency", value]
    code, out, err = run_cli(db, *args)
    assert code == 2 and out == ""
    line = error_line(err)
    assert line.startswith("Error: Invalid value for '--max-concurrency': give a whole number")
    assert "from 1 to 100,000" in line and len(line) < 200
    assert not db.exists()  # nothing opened


def test_before_another_command_it_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    code, _, err = run_cli(db, "--max-concurrency", "50", "run", "--once")
    assert code == 2
    assert "tickwork run --max-concurrency N" in error_line(err)
    assert not db.exists()
    code, out, _ = run_cli(db, "run", "--once", "--max-concurrency", "50")
    assert code == 0, out
