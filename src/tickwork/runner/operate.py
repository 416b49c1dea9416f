"""What `tickwork run` adds around a headless runner for operators: the /metrics and /healthz
endpoint (--metrics ADDR:PORT) and systemd's notify protocol (when NOTIFY_SOCKET is set)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Mapping

from tickwork.runner.endpoint import MetricsServer, parse_address
from tickwork.runner.health import check
from tickwork.runner.metrics import RunnerMetrics
from tickwork.runner.service import RunEvent, Runner
from tickwork.runner.systemd import Notifier, supervise
from tickwork.store import Store, StoreError


class Operations:
    def __init__(
        self,
        runner: Runner,
        store: Store,
        *,
        metrics_address: str | None = None,
        per_schedule: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Raises ValueError for a bad address, OSError when it cannot be listened on."""
        self.runner = runner
        self.store = store
        self.metrics: RunnerMetrics | None = None
        self.server: MetricsServer | None = None
        if metrics_address is not None:
            host, port = parse_address(metrics_address)
            self.metrics = RunnerMetrics(
                store,
                state=lambda: runner.state,
                in_flight=lambda: runner.running,
                per_schedule=per_schedule,
            )
            runner.observe_claim = self.metrics.observe_claim
            self.server = MetricsServer(host, port, self.metrics, lambda: check(runner))
        self.notifier = Notifier(env)
        self._supervisor: asyncio.Task[None] | None = None

    @property
    def url(self) -> str | None:
        if self.server is None:
            return None
        host, port = self.server.address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def on_event(self, event: RunEvent) -> None:
        if self.metrics is not None:
            self.metrics.on_event(event)

    def active_schedules(self) -> int | None:
        if self.metrics is not None:
            counts = self.metrics.counts()
            return counts.active if counts is not None else None
        try:
            return self.store.counts()["active"]
        except (sqlite3.Error, StoreError):
            return None

    def start(self) -> None:
        if self.server is not None:
            self.server.start()
        if self.notifier.enabled:
            self._supervisor = asyncio.create_task(
                supervise(self.runner, self.notifier, self.active_schedules)
            )

    def stopping(self) -> None:
        """Shutdown began (a signal): tell systemd at once."""
        self.notifier.send("STOPPING=1", f"STATUS=stopping: {self.runner.running} runs in flight")

    def close(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
        if self.server is not None:
            self.server.stop()
