"""The UI's embedded runner fires a herd: how late each fire starts, and how the UI answers.

    uv run python tests/bench/bench_ui_herd.py [N] [--rounds 3] [--max-concurrency C]
                                               [--before] [--keep]

Run it under ``flock /work/locks/cpu.lock`` on a shared machine. A script, not a pytest test.

Each round, in turn (same machine, same run):

* UI: the real app (``create_app``, embedded runner on) under Textual's Pilot
  (``app.run_test``, 120x40) in this process, on a fresh database of N ``* * * * *`` python
  schedules (``herd_action:stamp``, as in bench_herd.py). Once the embedded runner holds its
  lease and the table has painted, the bench first probes the UI for 2 s with nothing due (the
  baseline), then sets every next_run_at to the first whole second at least 3 s ahead and
  probes again from 0.2 s before that instant until every fire has started and at least 2 s
  have passed (the runs' results are recorded and the table shows them), plus 0.5 s.
* headless: ``tickwork run`` on the same kind of database (bench_herd.py's round, 1 runner).
* with ``--before``, first the UI with its embedded runner's claim-ahead off (as it was before
  the UI claimed ahead), so before and after come from the same run.

``--max-concurrency C`` is given to both runners (the UI's ``tickwork --max-concurrency C``,
``tickwork run --max-concurrency C``); without it both use their default (8).

Start lateness is what bench_herd.py measures: the action's own stamp minus the instant (p50,
p99, and the last start), with dup/lost counts (every schedule must start exactly once).

Probing the UI: one key after another (down, up, down, ...) into the schedule table, each timed
from the moment it is sent to the first repaint of the table after its cursor moved ("key ->
repaint"), and a heartbeat task on the UI's event loop that sleeps 10 ms over and over and
records how late it wakes ("loop lag"). Both are printed for the baseline and for the herd.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_herd  # noqa: E402  (tests/bench, for its database and stamp helpers)
import herd_action  # noqa: E402
from bench_herd import FAR, make_db, next_instant, pct, read_stamps, summarize  # noqa: E402
from bench_ui import TABLE_PAINT, Stamps, wait_for  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from tickwork.domain.timeutil import iso  # noqa: E402
from tickwork.store import Store  # noqa: E402
from tickwork.ui.app import create_app  # noqa: E402
from tickwork.ui.widgets.schedules.table import ScheduleTable  # noqa: E402

ACTION = {"kind": "python", "target": "herd_action:stamp"}
CURSOR_MOVED = Stamps(ScheduleTable, "watch_cursor")
HEARTBEAT = 0.010
HERD_WINDOW = 2.0  # seconds after the instant the herd probe lasts at least (results recorded)


async def probe(
    pilot: Pilot[Any], table: ScheduleTable, done: Callable[[], bool], deadline: float
) -> tuple[list[float], list[float]]:
    """(key -> repaint seconds, loop lag seconds) until done() or the deadline (time.time())."""
    lags: list[float] = []
    keys: list[float] = []
    stopping = asyncio.Event()

    async def heartbeat() -> None:
        while not stopping.is_set():
            t = time.perf_counter()
            await asyncio.sleep(HEARTBEAT)
            lags.append(time.perf_counter() - t - HEARTBEAT)

    beat = asyncio.create_task(heartbeat())
    presses = []  # Pilot's press also waits for the app to be idle: not awaited before the next
    key = "down"
    while not done() and time.time() < deadline:
        sent = time.perf_counter()
        presses.append(asyncio.create_task(pilot.press(key)))
        moved = await CURSOR_MOVED.wait_after(sent, timeout=60)
        keys.append(await TABLE_PAINT.wait_after(moved, timeout=60) - sent)
        key = "up" if key == "down" else "down"
        await asyncio.sleep(0.02)
    stopping.set()
    await asyncio.gather(beat, *presses)
    return keys, lags


async def ui_round_async(
    n: int, work: Path, max_concurrency: int | None, claim_ahead: bool
) -> dict[str, Any]:
    db, out = work / "herd.db", work / "stamps"
    os.environ["HERD_OUT"] = str(out)
    herd_action._fd = None  # a new stamps file for this round
    make_db(db, n, ACTION, "* * * * *", FAR)
    more: dict[str, Any] = {"max_concurrency": max_concurrency} if max_concurrency else {}
    app = create_app(db, runner=True, claim_ahead=claim_ahead, **more)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(ScheduleTable)
        await wait_for(lambda: app.bridge.runner_state == "active", 60)
        await wait_for(lambda: table.pager.loaded and table.pager.row(0) is not None, 60)
        table.focus()
        await pilot.pause(0.3)
        base_keys, base_lag = await probe(pilot, table, lambda: False, time.time() + 2.0)
        at = next_instant(time.time() + 3.0, False)
        with Store.open(db) as store, store.write() as conn:
            conn.execute(
                "UPDATE schedules SET next_run_at = ?", (iso(datetime.fromtimestamp(at, UTC)),)
            )
        while time.time() < at - 0.2:
            await asyncio.sleep(0.01)
        seen = {"count": 0, "checked": 0.0}

        def all_started() -> bool:  # and at least HERD_WINDOW seconds since the instant
            now = time.time()
            if now - seen["checked"] >= 0.1:
                seen["checked"] = now
                seen["count"] = len(read_stamps(out, at))
            return seen["count"] >= n and now >= at + HERD_WINDOW

        herd_keys, herd_lag = await probe(pilot, table, all_started, at + 120 + n * 0.02)
        tail_keys, tail_lag = await probe(pilot, table, lambda: False, time.time() + 0.5)
    stamps = read_stamps(out, at)
    result: dict[str, Any] = summarize(stamps, at, n, len(read_stamps(out)) - len(stamps))
    result.update(
        base_keys=base_keys,
        base_lag=base_lag,
        herd_keys=herd_keys + tail_keys,
        herd_lag=herd_lag + tail_lag,
    )
    return result


def ui_round(
    n: int, tmp: Path, keep: bool, max_concurrency: int | None, claim_ahead: bool = True
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(dir=tmp))
    try:
        result: dict[str, Any] = asyncio.run(ui_round_async(n, work, max_concurrency, claim_ahead))
        return result
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def headless_round(n: int, tmp: Path, keep: bool, max_concurrency: int | None) -> dict[str, Any]:
    args = argparse.Namespace(
        n=n,
        runners=1,
        profile=None,
        max_concurrency=max_concurrency,
        minute=False,
        keep=keep,
        pg_url=None,
    )
    result: dict[str, Any] = bench_herd.tickwork_round(args, tmp, dict(ACTION))
    return result


def ms(values: list[float], q: float) -> str:
    return f"{pct(values, q) * 1000:7.1f}" if values else "    n/a"


def probe_line(name: str, keys: list[float], lags: list[float]) -> str:
    return (
        f"    {name:<9} key->repaint n={len(keys):<4} p50 {ms(keys, 0.5)} p99 {ms(keys, 0.99)}"
        f" max {ms(keys, 1.0)} ms | loop lag n={len(lags):<5} p50 {ms(lags, 0.5)}"
        f" p99 {ms(lags, 0.99)} max {ms(lags, 1.0)} ms"
    )


def herd_line(r: dict[str, Any]) -> str:
    return (
        f"p50 {r['p50']:8.1f}  p99 {r['p99']:8.1f}  last {r['max']:8.1f} ms  "
        f"starts {r['starts']}  dup {r['dup']}  lost {r['lost']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-concurrency", type=int, default=None, help="both runners'")
    parser.add_argument(
        "--before", action="store_true", help="also the UI with claim-ahead off, each round"
    )
    parser.add_argument("--keep", action="store_true", help="keep each round's files")
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    tmp = Path(tempfile.mkdtemp(prefix="tickwork-ui-herd-"))
    print(
        f"herd of {args.n:,} '* * * * *' python actions: the UI's embedded runner (Pilot, "
        f"120x40) and headless tickwork run, {args.rounds} round(s) each, in turn, "
        f"max concurrency {args.max_concurrency or 'default'}",
        flush=True,
    )
    ui: list[dict[str, Any]] = []
    before: list[dict[str, Any]] = []
    headless: list[dict[str, Any]] = []
    conc = args.max_concurrency
    try:
        for r in range(args.rounds):
            if args.before:
                before.append(ui_round(args.n, tmp, args.keep, conc, claim_ahead=False))
                print(f"  round {r + 1} UI before {herd_line(before[-1])}", flush=True)
                print(probe_line("herd", before[-1]["herd_keys"], before[-1]["herd_lag"]))
            ui.append(ui_round(args.n, tmp, args.keep, conc))
            print(f"  round {r + 1} UI       {herd_line(ui[-1])}", flush=True)
            print(probe_line("idle", ui[-1]["base_keys"], ui[-1]["base_lag"]), flush=True)
            print(probe_line("herd", ui[-1]["herd_keys"], ui[-1]["herd_lag"]), flush=True)
            headless.append(headless_round(args.n, tmp, args.keep, conc))
            print(f"  round {r + 1} headless {herd_line(headless[-1])}", flush=True)
    finally:
        if args.keep:
            print(f"  kept: {tmp}", flush=True)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    def med(rounds: list[dict[str, Any]], key: str) -> float:
        return float(statistics.median(x[key] for x in rounds))

    def pooled(key: str, rounds: list[dict[str, Any]] = ui) -> list[float]:
        return [v for x in rounds for v in x[key]]

    print(
        f"median of {args.rounds}: UI p50 {med(ui, 'p50'):.1f} ms, p99 {med(ui, 'p99'):.1f} ms, "
        f"last {med(ui, 'max'):.1f} ms (dup {sum(x['dup'] for x in ui)}, "
        f"lost {sum(x['lost'] for x in ui)}); headless p50 {med(headless, 'p50'):.1f} ms, "
        f"p99 {med(headless, 'p99'):.1f} ms, last {med(headless, 'max'):.1f} ms "
        f"(dup {sum(x['dup'] for x in headless)}, lost {sum(x['lost'] for x in headless)}); "
        f"p99 ratio UI/headless {med(ui, 'p99') / med(headless, 'p99'):.2f}x"
    )
    if before:
        print(
            f"UI before (claim-ahead off): p50 {med(before, 'p50'):.1f} ms, p99 "
            f"{med(before, 'p99'):.1f} ms, last {med(before, 'max'):.1f} ms (dup "
            f"{sum(x['dup'] for x in before)}, lost {sum(x['lost'] for x in before)}); "
            f"p99 after/before {med(ui, 'p99') / med(before, 'p99'):.2f}x"
        )
        print(probe_line("before", pooled("herd_keys", before), pooled("herd_lag", before)))
    print("UI while firing, all rounds pooled:")
    print(probe_line("idle", pooled("base_keys"), pooled("base_lag")))
    print(probe_line("herd", pooled("herd_keys"), pooled("herd_lag")))


if __name__ == "__main__":
    main()
