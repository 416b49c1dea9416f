"""The always-visible status bar: database path, runner state, counts.

It follows the app's `status` reactive (a tickwork.ui.live.StatusInfo), so any screen can
`yield StatusBar()` and stay current without wiring.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Label

from tickwork.ui.live import StatusInfo


class StatusBar(Horizontal):
    """Database path, runner state and counts; styled in app.tcss, one line wherever it is."""

    DEFAULT_CSS = "StatusBar { height: 1; }"

    def compose(self) -> ComposeResult:
        yield Label(id="status-db")
        yield Label(id="status-runner")
        yield Label(id="status-counts")

    def on_mount(self) -> None:
        if hasattr(self.app, "status"):
            self.watch(self.app, "status", self._show, init=True)

    def _show(self, info: StatusInfo) -> None:
        self.query_one("#status-db", Label).update(f"[b]db[/b] {escape(info.db_path)}")
        runner = self.query_one("#status-runner", Label)
        runner.update(f"[b]●[/b] {escape(info.runner_text)}")
        runner.set_classes(f"-{info.runner_kind}")
        c = info.counts
        failing = f"[$error]{c.failing:,} failing[/]" if c.failing else "[$text-muted]0 failing[/]"
        self.query_one("#status-counts", Label).update(
            f"[$success]{c.active:,} active[/] · [$text-muted]{c.paused:,} paused[/] · {failing}"
        )
