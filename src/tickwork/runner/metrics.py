"""Prometheus metrics of a runner, fed by its events (Runner(on_event=...)) and a few reads.

Label cardinality stays bounded whatever the number of schedules: by default no series is per
schedule (counters and histograms are labelled by outcome and trigger; the last success is one
gauge for all). `per_schedule=True` (the `--metrics-per-schedule` option) adds the last-success
gauge per schedule and a schedule label on the fires counter: at 100,000 schedules that is a
2.5 s, 11 MB scrape (tests/bench/bench_ops.py), so it is for setups of hundreds.

Schedule gauges (active, paused, failing) come from one COUNT query over the schedules table,
run at most every `counts_ttl` seconds, on a scrape, in the scraping thread.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from tickwork.domain.runs import FAILED_STATUSES
from tickwork.domain.status import RunStatus, Trigger
from tickwork.runner.service import RunEvent
from tickwork.store import Store, StoreError

FINISHED = frozenset(
    {
        RunStatus.SUCCEEDED,
        RunStatus.CANCELLED,
        RunStatus.SKIPPED,
        RunStatus.MISSED,
        *FAILED_STATUSES,
    }
)
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400)
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 86400)
CLAIM_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
LEASE_STATES = ("starting", "active", "standby", "stopping", "stopped")
_FAILING = ", ".join(f"'{s}'" for s in sorted(FAILED_STATUSES))


@dataclass(frozen=True)
class ScheduleCounts:
    active: int
    paused: int
    failing: int  # last finished run failed, timed out or was abandoned


def schedule_counts(store: Store) -> ScheduleCounts:
    """One pass over the schedules table (no per-schedule work in Python)."""
    row = store.query(
        "SELECT coalesce(sum(active = 1), 0), coalesce(sum(active = 0), 0), "
        f"coalesce(sum(last_status IN ({_FAILING})), 0) FROM schedules"
    )[0]
    return ScheduleCounts(int(row[0]), int(row[1]), int(row[2]))


class _Live(Collector):
    """Values read at scrape time: schedule counts (cached), runs in flight, lease state."""

    def __init__(self, metrics: RunnerMetrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[GaugeMetricFamily]:
        m = self.metrics
        counts = m.counts()
        g = GaugeMetricFamily(
            "tickwork_schedules", "Schedules by state (failing: last run failed)", labels=["state"]
        )
        if counts is not None:
            g.add_metric(["active"], counts.active)
            g.add_metric(["paused"], counts.paused)
            g.add_metric(["failing"], counts.failing)
        yield g
        state = m.state()
        lease = GaugeMetricFamily(
            "tickwork_runner_lease",
            "This runner's lease state (1 for the current one)",
            labels=["state"],
        )
        for name in LEASE_STATES:
            lease.add_metric([name], 1.0 if name == state else 0.0)
        yield lease
        yield GaugeMetricFamily(
            "tickwork_runs_in_flight", "Runs this runner is executing now", value=m.in_flight()
        )


class RunnerMetrics:
    """Everything /metrics shows, in a registry of its own (no process-global state)."""

    def __init__(
        self,
        store: Store,
        *,
        state: Callable[[], str],
        in_flight: Callable[[], int],
        per_schedule: bool = False,
        counts_ttl: float = 15.0,
    ) -> None:
        self.store = store
        self.state = state
        self.in_flight = in_flight
        self.per_schedule = per_schedule
        self.counts_ttl = counts_ttl
        self._counts: ScheduleCounts | None = None
        self._counts_at = -1e18
        self._counts_lock = threading.Lock()
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        labels = ["outcome", "trigger", *(["schedule"] if per_schedule else [])]
        self.fires = Counter(
            "tickwork_fires", "Finished runs by outcome and trigger", labels, registry=r
        )
        self.lateness = Histogram(
            "tickwork_run_start_lateness_seconds",
            "How late a scheduled or catch-up run started after its scheduled time",
            buckets=LATENESS_BUCKETS,
            registry=r,
        )
        self.duration = Histogram(
            "tickwork_run_duration_seconds",
            "How long runs took, by outcome",
            ["outcome"],
            buckets=DURATION_BUCKETS,
            registry=r,
        )
        self.claim = Histogram(
            "tickwork_claim_seconds",
            "Claim transaction time (one schedule's due fires), lock waits included",
            buckets=CLAIM_BUCKETS,
            registry=r,
        )
        self.slow = Counter(
            "tickwork_slow_runs", "Runs still going after max_duration_warning", registry=r
        )
        self.paused = Counter(
            "tickwork_paused_by_failures",
            "Schedules paused by pause_after_failures",
            registry=r,
        )
        self.last_success = Gauge(
            "tickwork_last_success_timestamp_seconds",
            "When the last run that succeeded under this runner finished (any schedule)",
            registry=r,
        )
        self.schedule_last_success = (
            Gauge(
                "tickwork_schedule_last_success_timestamp_seconds",
                "When each schedule's last run that succeeded under this runner finished",
                ["schedule_id", "schedule"],
                registry=r,
            )
            if per_schedule
            else None
        )
        r.register(_Live(self))

    def counts(self) -> ScheduleCounts | None:
        """The schedule counts, at most counts_ttl old (None if the database cannot say)."""
        with self._counts_lock:
            now = time.monotonic()
            # A scrape never waits out a locked database behind the runner: the last counts.
            if now - self._counts_at >= self.counts_ttl and self.store.lock.acquire(timeout=0.5):
                try:
                    self._counts = schedule_counts(self.store)
                    self._counts_at = now
                except (sqlite3.Error, StoreError):
                    pass
                finally:
                    self.store.lock.release()
            return self._counts

    def observe_claim(self, seconds: float) -> None:
        self.claim.observe(seconds)

    def on_event(self, event: object) -> None:
        """Runner(on_event=...): count and time what happened (events of runs only)."""
        assert isinstance(event, RunEvent)
        run, kind = event.run, event.kind
        if run.id == "-":
            return
        if (
            kind == "started"
            and run.trigger in (Trigger.SCHEDULE, Trigger.CATCHUP)
            and run.started_at
        ):
            late = (run.started_at - run.scheduled_for).total_seconds()
            self.lateness.observe(max(0.0, late))
        elif kind == "slow":
            self.slow.inc()
        elif kind == "paused":
            self.paused.inc()
        elif kind in FINISHED:
            labels = [kind, run.trigger]
            if self.per_schedule:
                labels.append(event.schedule_name)
            self.fires.labels(*labels).inc()
            if run.duration is not None:
                self.duration.labels(kind).observe(run.duration)
            if kind == RunStatus.SUCCEEDED:
                ended = run.finished_at.timestamp() if run.finished_at else time.time()
                self.last_success.set(ended)
                if self.schedule_last_success is not None:
                    gauge = self.schedule_last_success.labels(run.schedule_id, event.schedule_name)
                    gauge.set(ended)
