"""The UI as a person runs it: `tickwork --db DB` in a real terminal (tmux, private server)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def terminal_env() -> dict[str, str]:
    """This environment without COLUMNS and LINES (pytest-xdist's workers have 80 and 24):
    they would override the terminal's size, and the UI would draw 80x24 in a 120x40 pane."""
    return {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}


class Tmux:
    """A real terminal (tmux, on a private server) running `tickwork --db DB`, the UI."""

    def __init__(self, tmp: Path, db: Path, *args: str) -> None:
        self.base = ["tmux", "-S", str(tmp / "tmux.sock")]
        command = f"{shlex.quote(sys.executable)} -m tickwork --db {shlex.quote(str(db))}"
        command += "".join(f" {shlex.quote(a)}" for a in args)
        command += f"; echo $? > {shlex.quote(str(tmp / 'ui.exit'))}"
        self.exit_file = tmp / "ui.exit"
        subprocess.run(
            [*self.base, "new-session", "-d", "-s", "ui", "-x", "120", "-y", "40", command],
            check=True,
            cwd=ROOT,
            env={**terminal_env(), "TERM": "xterm-256color"},
        )
        # A UI that ends by itself leaves its last screen (a traceback) for a failing test's
        # message, instead of an empty pane.
        subprocess.run([*self.base, "set-option", "-t", "ui", "remain-on-exit", "on"])

    def screen(self) -> str:
        p = subprocess.run(
            [*self.base, "capture-pane", "-p", "-t", "ui"], capture_output=True, text=True
        )
        if self.exit_file.exists():  # it ended: say how
            return f"{p.stdout}\n[the UI exited with {self.exit_file.read_text().strip()}]"
        return p.stdout or f"[no screen: {p.stderr.strip()}]"

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.base, "send-keys", "-t", "ui", *keys], check=True)

    def pid(self) -> int:
        p = subprocess.run(
            [*self.base, "list-panes", "-t", "ui", "-F", "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        )
        shell = int(p.stdout.split()[0])
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        return int(children[0]) if children else shell

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True)


def row_of(screen: str, name: str) -> str:
    """The line of the schedules table showing schedule `name` ("" if none)."""
    return next((line for line in screen.splitlines() if f" {name} " in line), "")
