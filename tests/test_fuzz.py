"""A seeded fuzz of every CLI input and every import format: no tracebacks, no hangs, and no
database changed by a refused input (issue 11). TICKWORK_FUZZ_CASES and TICKWORK_FUZZ_SEED
run more or other cases; tests/bench/fuzz_cli.py prints the figures of a long run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.fuzz_harness import Figures, run_in_process, run_subprocess
from tests.fuzz_inputs import cases

CASES = int(os.environ.get("TICKWORK_FUZZ_CASES", "1200"))
SEED = int(os.environ.get("TICKWORK_FUZZ_SEED", "11"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "fuzz.db"
    code, _, err = run_cli(path, "add", "base", "--cron", "0 9 * * *", "--command", "echo hi")
    assert code == 0, err
    return path


def test_fuzz_every_input_in_process(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = Figures()
    folder = tmp_path / "files"
    folder.mkdir()
    for case in cases(SEED, CASES):
        run_in_process(db, case, folder, figures)
    with capsys.disabled():
        print(f"\nfuzz in process (seed {SEED}): {figures.line()}")
    assert figures.cases >= 1000 or CASES < 1000
    assert figures.refused > figures.cases // 3  # the cases do reach the checks
    assert figures.failures == [], "\n\n".join(figures.failures[:10])


def _passable(arg: str) -> bool:
    """What execve can pass: no NUL byte, under the kernel's 128 KiB per argument."""
    return "\x00" not in arg and len(arg.encode("utf-8", "surrogateescape")) < 100_000


def test_fuzz_a_sample_through_real_processes(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real argv bytes (invalid UTF-8 included), real stdin, a real exit code."""
    figures = Figures()
    folder = tmp_path / "files"
    folder.mkdir()
    runnable = (c for c in cases(SEED + 1, 400) if all(_passable(a) for a in c.args))
    for _, case in zip(range(40), runnable, strict=False):
        run_subprocess(db, case, folder, figures)
    with capsys.disabled():
        print(f"\nfuzz in processes (seed {SEED + 1}): {figures.line()}")
    assert figures.failures == [], "\n\n".join(figures.failures[:10])
