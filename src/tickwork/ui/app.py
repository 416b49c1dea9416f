"""The Textual app: `create_app()` is the one way to build it (CLI, tests, snapshots, benchmarks).

The app owns the UI's Store connection, the embedded runner (its own connection) and two live
signals every screen can watch: `status` (the status bar) and `data_generation` (bumped whenever
the database changed: a run, another process, our own write).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen

from tickwork.domain.status import RunStatus, look
from tickwork.domain.timeutil import Clock, utcnow
from tickwork.store import Store, StoreError
from tickwork.store.location import Target
from tickwork.ui.deferred import deferred
from tickwork.ui.keys import OrderedKeysApp
from tickwork.ui.live import Monitor, StatusInfo
from tickwork.ui.runner_bridge import DEFAULT_CONCURRENCY, RunnerBridge
from tickwork.ui.screens.help import bindings_of
from tickwork.ui.times import Times, TimeShown

if TYPE_CHECKING:
    from tickwork.runner import RunEvent

POLL_SECONDS = 1.0
STOP_GRACE = 10.0
FAILED_KINDS = (RunStatus.FAILED, RunStatus.TIMED_OUT)


class TickworkApp(OrderedKeysApp):
    CSS_PATH = "app.tcss"
    # Classes on every screen by terminal size, for layouts from 80x24 up to 250x70.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (160, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]  # noqa: RUF012
    TITLE = "tickwork"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            tooltip="Find any action by name (also themes)",
        ),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding(
            "z",
            "cycle_times",
            "Times",
            show=False,
            tooltip="Show times in each schedule's zone, this machine's, or UTC",
        ),
    ]

    status: reactive[StatusInfo] = reactive(StatusInfo, always_update=False)
    data_generation: reactive[int] = reactive(0)
    time_shown: reactive[TimeShown] = reactive(TimeShown.SCHEDULE)

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock = utcnow,
        runner: bool = True,
        sync_file: Path | None = None,
        local_zone: tzinfo | None = None,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        claim_ahead: bool = True,
    ) -> None:
        super().__init__()
        self.local_zone = local_zone  # None: the system's
        self.store = store
        self.sync_file = sync_file
        self.clock = clock
        self.runner_enabled = runner
        self.bridge = RunnerBridge(
            store.target,
            clock,
            self._runs_happened,
            self.set_timer,
            max_concurrency=max_concurrency,
            claim_ahead=claim_ahead,
        )
        self.monitor = Monitor(store)
        self._quits = 0  # q presses since the first (see action_quit)

    def on_mount(self) -> None:
        from tickwork.ui.screens.schedules import SchedulesScreen

        self._show_status()
        self.push_screen(SchedulesScreen(self.store, self.clock))
        self.set_interval(POLL_SECONDS, self._poll)
        self._poll(force=True)
        self.store.on_change(self._changed_elsewhere)  # PostgreSQL: edits on other hosts
        if self.runner_enabled:
            self.run_worker(self._run_runner(), name="runner", group="runner")
        if self.sync_file is not None:
            self.run_worker(self._watch_sync(self.sync_file), name="sync", group="sync")

    async def _watch_sync(self, path: Path) -> None:
        """--sync FILE: keep the file's DECLARATIVE schedules in line with it, as it changes."""
        from tickwork.exchange.watch import watch_and_sync

        await watch_and_sync(self.store, path, self._synced)

    def _synced(self, result: object) -> None:
        from tickwork.exchange.declarative import SyncError, SyncResult

        if isinstance(result, SyncError):
            self.notify("\n".join(result.lines()), title="Sync failed", severity="error")
        elif isinstance(result, SyncResult) and result.changes:
            self.notify(result.summary(), title="Synced")
            self.data_changed()

    # --- the clock times are shown on ------------------------------------------------------

    @property
    def times(self) -> Times:
        return Times(self.time_shown, self.local_zone)

    def action_cycle_times(self) -> None:
        self.time_shown = self.time_shown.following
        self.notify(f"Times shown: {self.times.words}", timeout=2)

    def watch_time_shown(self) -> None:
        self._show_status()

    # --- live data -------------------------------------------------------------------------

    def data_changed(self) -> None:
        """We wrote to the database: refresh the screens and the counts now."""
        self.data_generation += 1
        self._poll(force=True)

    def _changed_elsewhere(self) -> None:
        """Another host or process edited something (called from the listening thread): look
        now rather than at the next poll."""
        with contextlib.suppress(RuntimeError):  # the app is not running (any more)
            self.call_from_thread(self._poll)

    def _poll(self, force: bool = False) -> None:
        group = "poll-forced" if force else "poll"  # a timed poll never cancels a forced one
        self.run_worker(deferred(self._poll_once, force), group=group, exclusive=True)

    async def _poll_once(self, force: bool) -> None:
        try:
            changed = await asyncio.to_thread(self.monitor.read, self.clock(), force)
        except (StoreError, sqlite3.Error) as exc:
            self.log.warning(f"poll failed: {exc}")
            return
        self._show_status()
        if changed:
            self.data_generation += 1

    def _show_status(self) -> None:
        status = self.monitor.status(
            self.bridge.runner_state, runner_enabled=self.runner_enabled, times=self.times.words
        )
        if self._quits and self.bridge.running:  # q: says what the quit waits for, live
            jobs = self.bridge.running_jobs
            text = f"runner stopping: {jobs} running job{'s' if jobs != 1 else ''}"
            status = replace(status, runner_kind="stopping", runner_text=text, runner_short=text)
        self.status = status

    # --- the embedded runner ---------------------------------------------------------------

    async def _run_runner(self) -> None:
        try:
            await self.bridge.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the UI outlives a runner crash, and says so
            self.log.error(f"runner stopped: {exc!r}")
            self.notify(f"The embedded runner stopped: {exc}", severity="error", timeout=10)
        finally:
            self._show_status()

    def _runs_happened(self, events: list[RunEvent]) -> None:
        """A batch of runner events (coalesced by the bridge)."""
        self.data_generation += 1
        self._show_status()
        for e in events:  # the failure policies: a run past max_duration_warning, a self-pause
            if e.kind in ("slow", "paused"):
                self.notify(f"{e.schedule_name}: {e.detail}", severity="warning", timeout=8)
        failed = [e for e in events if e.kind in FAILED_KINDS]
        if len(failed) > 3:
            names = ", ".join(sorted({e.schedule_name for e in failed})[:4])
            self.notify(f"{len(failed)} runs failed: {names}", severity="error", timeout=6)
            return
        for e in failed:
            why = e.run.error or (
                f"exit {e.run.exit_code}" if e.run.exit_code is not None else e.kind
            )
            verb = look(e.kind).label
            self.notify(f"{e.schedule_name} {verb}: {why}", severity="error", timeout=6)

    async def action_quit(self) -> None:
        """q: the runner stops gracefully (running jobs get STOP_GRACE seconds), then the app
        exits; q again: running jobs are stopped now (their groups: SIGTERM, SIGKILL after the
        kill grace) and recorded; q a third time: killed at once. The app exits only once the
        runner has stopped: no command outlives it, no run stays `running`."""
        if not self.bridge.running:
            self.exit()
            return
        self._quits += 1
        self._show_status()
        jobs = self.bridge.running_jobs
        n = f"{jobs} running job{'s' if jobs != 1 else ''}"
        if self._quits == 1:
            self.run_worker(self._stop_then_exit(), group="quit")
            if jobs:
                self._quit_note(
                    f"Waiting up to {STOP_GRACE:g} s for {n} to finish. q again stops them now."
                )
            return
        self.bridge.stop_now()
        if not jobs:
            return
        if self._quits == 2:
            kill = self.bridge.kill_grace
            after = f", SIGKILL after {kill:g} s" if kill is not None else ""
            self._quit_note(f"Stopping {n} now (SIGTERM{after}). q again kills them.")
        else:
            self._quit_note(f"Killing {n} (SIGKILL).")

    def action_help_quit(self) -> None:
        """ctrl+c: while quitting, as q (stop now); else Textual's hint of how to quit."""
        if self._quits:
            self.run_worker(self.action_quit(), group="quit-key")
        else:
            super().action_help_quit()

    def _quit_note(self, text: str) -> None:
        self.clear_notifications()  # the quit's latest word replaces the one before
        self.notify(text, title="Stopping the runner", timeout=STOP_GRACE * 3)

    async def _stop_then_exit(self) -> None:
        """Stop the runner (running jobs get STOP_GRACE seconds) while the UI stays live."""
        await self.bridge.stop(grace=STOP_GRACE)
        self.exit()

    def on_unmount(self) -> None:
        # Whatever ended the app (a crash too), the runner stops at once; `tickwork` waits for
        # it once the loop has ended (bridge.wait_stopped): no command outlives the UI.
        self.bridge.stop_now()
        self.store.close()

    # --- command palette -------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's commands, then the screen's; a title the screen has is listed once (ours:
        `Keys` is our keys help, `Quit` stops the runner first)."""
        commands = getattr(screen, "palette_commands", None)
        own = list(commands()) if callable(commands) else []
        times = next(b for b in bindings_of(self.BINDINGS) if b.action == "cycle_times")
        own.append(SystemCommand(times.description, times.tooltip, self.action_cycle_times))
        titles = {c.title for c in own}
        yield from (c for c in super().get_system_commands(screen) if c.title not in titles)
        yield from own


def create_app(
    store_path: Target,
    *,
    clock: Clock = utcnow,
    runner: bool = True,
    demo: bool = False,
    sync_file: Path | None = None,
    local_zone: tzinfo | None = None,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    claim_ahead: bool = True,
) -> TickworkApp:
    """THE factory: open the store (filling it with demo schedules if asked and empty).
    `local_zone` pins "this machine's zone" (tests, screenshots); None is the system's.
    `max_concurrency` and `claim_ahead` are the embedded runner's (`tickwork run`'s options;
    claim-ahead off only for benchmarks that compare)."""
    store = Store.open(store_path, clock=clock)
    if demo and store.count() == 0:
        from tickwork.demo import build_demo

        build_demo(store, history=True)
    return TickworkApp(
        store,
        clock=clock,
        runner=runner,
        sync_file=sync_file,
        local_zone=local_zone,
        max_concurrency=max_concurrency,
        claim_ahead=claim_ahead,
    )
