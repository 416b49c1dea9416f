"""How fast the edit form opens, and how long a keystroke waits while the embedded runner works.
A script, not a pytest test:

    uv run python tests/bench/bench_form.py [--opens 15] [--keys 60]

Prints:
  * form open: `n` (or `e`) pressed -> the form's Name field painted, median and p95;
  * keystroke latency under runner load: the embedded runner runs a Python action that busy-loops
    on its event loop and a command that ignores SIGTERM (killed after a grace period), while
    keys are typed into the form: key posted -> the Input repainted with it.
Target: the form opens in under 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Input

from tickwork.store import Store
from tickwork.ui.app import create_app
from tickwork.ui.screens.edit import EditScreen

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TARGET_OPEN = 0.150
BUSY_MODULE = '''
import time


async def busy(payload):
    """Hold the event loop it runs on for 0.3 s at a time, four times."""
    for _ in range(4):
        end = time.perf_counter() + 0.3
        while time.perf_counter() < end:
            pass
    return "done"
'''


class Stamps:
    """Moments a wrapped method was called."""

    def __init__(self, cls: type[Any], method: str) -> None:
        self.times: deque[float] = deque(maxlen=5000)
        original: Callable[..., Any] = getattr(cls, method)

        def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
            self.times.append(time.perf_counter())
            return original(obj, *args, **kwargs)

        setattr(cls, method, wrapper)

    def first_after(self, t: float) -> float | None:
        return next((x for x in self.times if x > t), None)


INPUT_PAINT = Stamps(Input, "render_line")


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.001)
    return time.perf_counter()


def summary(name: str, samples: list[float], target: float | None = None) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    verdict = ""
    if target is not None:
        verdict = "  OK" if p50 <= target * 1000 else f"  OVER target {target * 1000:.0f} ms"
    return (
        f"{name:<38} n={len(ms):<3} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
        f"max {ms[-1]:7.1f} ms{verdict}"
    )


def build(path: Path) -> None:
    from tickwork.demo import build_demo

    with Store.open(path, clock=lambda: NOW) as store:
        build_demo(store, history=True)


async def measure_open(path: Path, key: str, opens: int) -> list[float]:
    app = create_app(path, clock=lambda: NOW, runner=False)
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.5)
        for _ in range(opens):
            sent = time.perf_counter()
            await pilot.press(key)
            await wait_for(lambda: isinstance(app.screen, EditScreen))
            await wait_for(lambda s=sent: (INPUT_PAINT.first_after(s) or 0) > s)  # type: ignore[misc]
            painted = INPUT_PAINT.first_after(sent)
            assert painted is not None
            samples.append(painted - sent)
            await pilot.pause(0.1)
            await pilot.press("escape")
            await wait_for(lambda: not isinstance(app.screen, EditScreen))
            await pilot.pause(0.1)
    return samples


async def measure_keys_under_load(path: Path, keys: int) -> list[float]:
    """Type into the form while the embedded runner runs a busy action and a stubborn command."""
    from tickwork.domain.timeutil import utcnow

    with Store.open(path) as store:
        store.create(
            {
                "name": "busy python",
                "every": "1s",
                "overlap": "allow",
                "action": {"kind": "python", "target": "tickwork_bench_busy:busy"},
            }
        )
        store.create(
            {
                "name": "ignores sigterm",
                "every": "2s",
                "timeout_seconds": 1,
                "overlap": "allow",
                "action": {
                    "kind": "command",
                    "command": "trap '' TERM; while :; do :; done",
                },
            }
        )
    app = create_app(path, clock=utcnow, runner=True)
    samples: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.status.runner_kind == "active", 15)
        await pilot.press("n")
        await wait_for(lambda: isinstance(app.screen, EditScreen))
        await pilot.pause(2.0)  # the runner is now busy: fires every second
        name = app.screen.query_one("#f-name", Input)
        for i in range(keys):
            ch = "abcdefghij"[i % 10]
            before = name.value
            sent = time.perf_counter()
            app.post_message(events.Key(ch, ch))
            await wait_for(lambda b=before: name.value != b)  # type: ignore[misc]
            painted = await wait_for(
                lambda s=sent: (INPUT_PAINT.first_after(s) or 0) > s  # type: ignore[misc]
            )
            samples.append(painted - sent)
            await asyncio.sleep(0.05)
        await app.bridge.stop(grace=1.0)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=int, default=15)
    parser.add_argument("--keys", type=int, default=60, help="0: skip the load part")
    args = parser.parse_args()
    os.environ.setdefault("TZ", "UTC")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "tickwork_bench_busy.py").write_text(BUSY_MODULE)
        sys.path.insert(0, tmp)
        path = Path(tmp) / "bench.db"
        build(path)
        new = asyncio.run(measure_open(path, "n", args.opens))
        print(summary("form open, new (n -> fields painted)", new, TARGET_OPEN))
        edit = asyncio.run(measure_open(path, "e", args.opens))
        print(summary("form open, edit (e -> fields painted)", edit, TARGET_OPEN))
        if args.keys:
            load = asyncio.run(measure_keys_under_load(Path(tmp) / "load.db", args.keys))
            print(summary("key -> input repainted, runner busy", load))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
