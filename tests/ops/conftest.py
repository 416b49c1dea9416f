"""Helpers of the ops tests: runner processes with their own environment, their log lines."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ..runner.conftest import ROOT, spawn, wait_until

__all__ = ["RunProcess", "run_process", "spawn"]


class RunProcess:
    """`python -m tickwork run ARGS` with extra environment, its stdout+stderr in a file."""

    def __init__(self, db: Path, log: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
        self.log = log
        self.out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tickwork", "run", "--db", str(db), *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
            stdout=self.out,
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def url(self, timeout: float = 60) -> str:
        """The http://HOST:PORT the runner logged for --metrics."""
        pattern = re.compile(r"metrics on (http://\S+)/metrics")
        assert wait_until(lambda: pattern.search(self.text()) is not None, timeout), self.text()
        found = pattern.search(self.text())
        assert found is not None
        return found.group(1)

    def stop(self, timeout: float = 40) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout)
        finally:
            self.out.close()


@pytest.fixture
def run_process(tmp_path: Path) -> Iterator[Callable[..., RunProcess]]:
    started: list[RunProcess] = []

    def start(db: Path, *args: str, env: dict[str, str] | None = None) -> RunProcess:
        p = RunProcess(db, tmp_path / f"run{len(started) + 1}.log", args, env or {})
        started.append(p)
        return p

    yield start
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait(10)
        p.out.close()
