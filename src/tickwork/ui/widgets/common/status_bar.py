"""The always-visible status bar: runner state, counts, the clock times are on, database path.

It follows the app's `status` reactive (a tickwork.ui.live.StatusInfo), so any screen can
`yield StatusBar()` and stay current without wiring. The path gives way first when it is narrow
(it ends in an ellipsis), then the runner's words shorten and the clock is left out.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Label

from tickwork.ui.live import StatusInfo


class StatusBar(Horizontal):
    """Styled in app.tcss, one line wherever it is."""

    DEFAULT_CSS = "StatusBar { height: 1; }"

    def compose(self) -> ComposeResult:
        yield Label(id="status-runner")
        yield Label(id="status-runner-short")
        yield Label(id="status-counts")
        yield Label(id="status-times")
        yield Label(id="status-db")

    def on_mount(self) -> None:
        if hasattr(self.app, "status"):
            self.watch(self.app, "status", self._show, init=True)

    def _show(self, info: StatusInfo) -> None:
        for ident, text in (
            ("#status-runner", info.runner_text),
            ("#status-runner-short", info.runner_short),
        ):
            runner = self.query_one(ident, Label)
            runner.update(f"[b]●[/b] {escape(text)}")
            runner.set_classes(f"-{info.runner_kind}")
        c = info.counts
        failing = f"[$error]{c.failing:,} failing[/]" if c.failing else "[$text-muted]0 failing[/]"
        self.query_one("#status-counts", Label).update(
            f"[$success]{c.active:,} active[/] · [$text-muted]{c.paused:,} paused[/] · {failing}"
        )
        self.query_one("#status-times", Label).update(f"times: {escape(info.times)} [b]z[/b]")
        self.query_one("#status-db", Label).update(f"[b]db[/b] {escape(info.db_path)}")
