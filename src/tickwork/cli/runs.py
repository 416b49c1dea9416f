"""Runner commands: `run` (headless), `trigger`, `runs`, `run-show`."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tickwork.cli.common import (
    CONCURRENCY,
    DEFAULT_CONCURRENCY,
    FilePath,
    db_option,
    echo_json,
    open_store,
)
from tickwork.cli.errors import CliError
from tickwork.cli.run_log import STDOUT, event_line, log_line, log_sync
from tickwork.domain.runs import RUN_STATUSES, Run, RunnerLease
from tickwork.domain.status import RunStatus, look
from tickwork.domain.timeutil import iso_ms, utcnow

if TYPE_CHECKING:
    from tickwork.store import Store


@click.command("run")
@db_option
@click.option("--max-concurrency", default=DEFAULT_CONCURRENCY, show_default=True, type=CONCURRENCY)
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--once", is_flag=True, help="Fire what is due now, wait for it, exit.")
@click.option(
    "--grace",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds running actions get after SIGTERM/SIGINT before they are stopped (a second "
    "signal stops them at once).",
)
@click.option(
    "--lease-ttl",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds without a heartbeat before this runner counts as dead.",
)
@click.option(
    "--keep-runs",
    default=1000,
    show_default=True,
    type=click.IntRange(1),
    help="Finished runs kept per schedule (older ones are pruned in the background).",
)
@click.option(
    "--check-every",
    default=300.0,
    show_default=True,
    type=click.FloatRange(1),
    help="Seconds between integrity checks of the database file (a damaged one stops the runner).",
)
@click.option(
    "--sync",
    "sync_file",
    type=FilePath(),
    help="A tickwork.toml to sync now and again whenever it changes.",
)
@click.option(
    "--metrics",
    "metrics_address",
    metavar="ADDR:PORT",
    help="Serve Prometheus /metrics and /healthz there (host defaults to 127.0.0.1). [off]",
)
@click.option(
    "--metrics-per-schedule",
    is_flag=True,
    help="Per-schedule series: last success per schedule, fires by schedule (for hundreds of "
    "schedules, not 100,000).",
)
@click.option(
    "--inherit-env",
    is_flag=True,
    help="Commands and hooks get this runner's environment (without TICKWORK_*), not the "
    "minimal one of cron (HOME, LOGNAME, USER, PATH=/usr/bin:/bin, SHELL=/bin/sh).",
)
@click.option(
    "--claim-ahead/--no-claim-ahead",
    default=True,
    show_default=True,
    help="Claim the fires due in the next two seconds ahead of their instant and start them "
    "on time from memory (a runner that dies first gives them back when its lease expires).",
)
@click.pass_context
def run_cmd(
    ctx: click.Context,
    db: Path | None,
    max_concurrency: int,
    log_format: str,
    once: bool,
    grace: float,
    lease_ttl: float,
    keep_runs: int,
    check_every: float,
    sync_file: Path | None,
    metrics_address: str | None,
    metrics_per_schedule: bool,
    inherit_env: bool,
    claim_ahead: bool,
) -> None:
    """Run the scheduler headless in the foreground (for systemd or containers).

    Commands get a minimal environment, as cron's jobs do, plus the schedule's env and the
    TICKWORK_* run variables; see --inherit-env and a schedule's inherit_env."""
    import asyncio

    from tickwork.runner import RunEvent, Runner
    from tickwork.runner.operate import Operations

    if metrics_per_schedule and metrics_address is None:
        raise click.UsageError("--metrics-per-schedule needs --metrics ADDR:PORT")
    store = open_store(ctx, db)
    ops: Operations | None = None

    def log(event: RunEvent) -> None:
        STDOUT.event(event_line(event, log_format))
        if ops is not None:
            ops.on_event(event)

    runner = Runner(
        store,
        mode="headless",
        max_concurrency=max_concurrency,
        on_event=log,
        shutdown_grace=grace,
        lease_ttl=lease_ttl,
        heartbeat=max(0.5, lease_ttl / 5),
        keep_runs=keep_runs,
        check_every=check_every,
        inherit_env=inherit_env,
        claim_ahead=claim_ahead,
    )
    try:
        ops = Operations(
            runner, store, metrics_address=metrics_address, per_schedule=metrics_per_schedule
        )
    except (ValueError, OSError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise CliError(f'--metrics "{metrics_address}": {why}') from None

    stopping: list[asyncio.Future[None]] = []

    def stop() -> None:
        assert ops is not None
        ops.stopping()
        stopping.append(asyncio.ensure_future(runner.stop()))

    signals: list[int] = []

    def signalled() -> None:
        """The first stop signal stops gracefully (--grace); the next one stops now."""
        signals.append(1)
        if len(signals) == 1:
            stop()
            return
        n = runner.running
        if n and not runner.stopping_now:
            how = f"SIGTERM to their process groups, SIGKILL after {runner.kill_grace:g} s"
            log_line(f"stop signal again: stopping {n} running run(s) now ({how})", log_format)
        elif n:
            log_line(f"stop signal again: killing {n} running run(s) now (SIGKILL)", log_format)
        runner.stop_now()

    STDOUT.on_closed = stop  # `tickwork run | head`: the reader went away

    async def main() -> None:
        assert ops is not None
        loop = asyncio.get_running_loop()
        STDOUT.defer = loop.call_soon  # event lines: one write per loop iteration
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, signalled)
        ops.start()
        if log_format == "text":
            started = f"started on {store.location} (pid {os.getpid()})"
            STDOUT.line(f"{iso_ms(utcnow())} runner    {started}")
        if ops.url is not None:
            log_line(f"metrics on {ops.url}/metrics and {ops.url}/healthz", log_format)
        watcher: asyncio.Task[None] | None = None
        if sync_file is not None:
            from tickwork.exchange.watch import sync_once, watch_and_sync

            log_sync(sync_once(store, sync_file)[0], log_format)  # before the first claim
            if not once:
                watcher = asyncio.create_task(
                    watch_and_sync(store, sync_file, lambda r: log_sync(r, log_format, quiet=True))
                )
        try:
            await runner.run(once=once)
        finally:
            STDOUT.defer = None
            STDOUT.flush()
            if watcher is not None:
                watcher.cancel()
            ops.close()
        if log_format == "text":
            STDOUT.line(f"{iso_ms(utcnow())} runner    stopped")

    try:
        asyncio.run(main())
    finally:
        STDOUT.defer = STDOUT.on_closed = None  # (no loop left to stop)
        STDOUT.flush()  # lines of a loop that ended before it was idle again
    if runner.fault is not None:  # the database became unusable (damaged, read-only)
        raise CliError(str(runner.fault))


# What service managers send to stop a daemon (systemd: SIGTERM, and SIGHUP when its terminal
# goes; Ctrl+C: SIGINT; Ctrl+\\: SIGQUIT): the first stops the runner gracefully (runs get
# --grace), a second one at once (SIGTERM to the runs' groups, SIGKILL after the kill grace), a
# third kills them at once; every run is recorded `cancelled` before the runner exits.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT)


@click.command("trigger")
@click.argument("ref")
@click.option(
    "--wait/--no-wait",
    default=True,
    show_default=True,
    help="Wait for the run to finish and print its outcome.",
)
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def trigger_cmd(ctx: click.Context, ref: str, wait: bool, as_json: bool, db: Path | None) -> None:
    """Run a schedule now (also while paused), through the runner's own path."""
    from tickwork.runner import Runner
    from tickwork.store.claims import enqueue_manual

    store = open_store(ctx, db)
    s = store.resolve(ref)
    run = enqueue_manual(store, s.id, utcnow())
    live = live_runner(store)
    final: Run | None = None
    if live is not None:
        if not as_json:
            where = f"runner on {live.host} (pid {live.pid})"
            click.echo(f"queued {run.id} for {s.name!r}; the {where} starts it")
        if not wait:
            return
        final = _wait_for(store, run.id)
    elif not wait:  # queued, and said so: the next runner to start runs it
        if as_json:
            echo_json(run.to_json())
        else:
            click.echo(
                f"queued {run.id} for {s.name!r}; no runner is alive: it starts when one does "
                "(tickwork run, or the UI)"
            )
        return
    if final is None or final.status == RunStatus.PENDING:  # no runner, or it went away meanwhile
        if not as_json:
            click.echo(f"running {s.name!r} now ({run.id})")
        import asyncio

        manual = Runner(store, mode="manual")
        asyncio.run(manual.run_one(run.id))
        if manual.fault is not None:
            raise CliError(str(manual.fault))
        final = store.runs.get(run.id)
    assert final is not None
    if as_json:
        echo_json(final.to_json())
    else:
        click.echo(run_summary(final))
        if final.output:
            click.echo(final.output.rstrip())
    if final.status not in (RunStatus.SUCCEEDED, RunStatus.PENDING, RunStatus.RUNNING):
        raise CliError(f"run {final.id} {final.status}: {final.error or ''}".rstrip(": "))


def live_runner(store: Store) -> RunnerLease | None:
    """A runner that picks up queued runs: headless or embedded, active. Another `trigger`
    (mode manual) only runs its own run."""
    for lease in store.leases.alive(utcnow()):
        if lease.state == "active" and lease.mode in ("headless", "embedded"):
            return lease
    return None


def _wait_for(store: Store, run_id: str, timeout: float = 24 * 3600) -> Run:
    """The run once finished; still pending if no runner is left to start it."""
    deadline = time.monotonic() + timeout
    while True:
        run = store.runs.get(run_id)
        if run is None:
            raise CliError(f"run {run_id} disappeared (was its schedule deleted?)")
        if run.finished or time.monotonic() > deadline:
            return run
        if run.status == RunStatus.PENDING and live_runner(store) is None:
            return run
        time.sleep(0.2)


def run_summary(r: Run) -> str:
    """'✗ failed in 1.52s exit 3 - ValueError: boom' (icon and words from the status table)."""
    from tickwork.domain.humanize import seconds_words

    took = f" in {seconds_words(r.duration)}" if r.duration is not None else ""
    code = f" exit {r.exit_code}" if r.exit_code is not None else ""
    code += f" HTTP {r.http_status}" if r.http_status is not None else ""
    from tickwork.domain.humanize import error_headline

    err = f" - {error_headline(r.error)}" if r.error else ""
    return f"{look(r.status).text()}{took}{code}{err}"


@click.command("runs")
@click.argument("ref", required=False)
@click.option("--status", type=click.Choice(RUN_STATUSES), help="Only runs with this status.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def runs_cmd(
    ctx: click.Context,
    ref: str | None,
    status: str | None,
    limit: int,
    as_json: bool,
    db: Path | None,
) -> None:
    """Run history, newest first (of one schedule with REF)."""
    store = open_store(ctx, db)
    schedule_id = store.resolve(ref).id if ref else None
    runs = store.runs.list(schedule_id, status, limit=limit)
    if as_json:
        echo_json([r.to_json(with_output=False) for r in runs])
        return
    if not runs:
        click.echo("no runs yet")
        return
    from tickwork.domain.humanize import relative

    now = utcnow()
    for r in runs:
        when = relative(r.started_at or r.created_at, now)
        click.echo(
            f"{r.id}  {(r.schedule_name or r.schedule_id)[:24]:<24}  {when:>12}  "
            f"#{r.attempt} {r.trigger:<8} {run_summary(r)}"
        )


@click.command("run-show")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@db_option
@click.pass_context
def run_show_cmd(ctx: click.Context, run_id: str, as_json: bool, db: Path | None) -> None:
    """One run with its captured output."""
    store = open_store(ctx, db)
    r = store.runs.get(run_id)
    if r is None:
        raise CliError(f"no run matches {run_id!r}: see tickwork runs")
    if as_json:
        echo_json(r.to_json())
        return
    lines = [
        f"{r.id}  {r.schedule_name or r.schedule_id} ({r.schedule_id})",
        f"  status        {run_summary(r)}",
        f"  scheduled for {iso_ms(r.scheduled_for)}",
        f"  started       {iso_ms(r.started_at) or '-'}",
        f"  finished      {iso_ms(r.finished_at) or '-'}",
        f"  attempt       {r.attempt} ({r.trigger})",
    ]
    if r.exit_code is not None:
        lines.append(f"  exit code     {r.exit_code}")
    if r.http_status is not None:
        lines.append(f"  HTTP status   {r.http_status}")
    if r.host:
        lines.append(
            f"  runner        {r.runner_id} on {r.host}" + (f" pid {r.pid}" if r.pid else "")
        )
    if r.error:
        lines.append("  error         " + r.error.replace("\n", "\n                "))
    if r.notify_error:
        lines.append(f"  notification  {r.notify_error}")
    lines.append("  output")
    lines.append(r.output.rstrip() if r.output else "  (none)")
    click.echo("\n".join(lines))


RUNNER_COMMANDS: list[click.Command] = [run_cmd, trigger_cmd, runs_cmd, run_show_cmd]
