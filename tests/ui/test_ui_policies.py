"""The UI tells about the failure policies: a schedule that paused itself raises a warning."""

from __future__ import annotations

from tests.conftest import cmd
from tests.ui.conftest import SIZE, AppFactory, record_notifications
from tickwork.domain.timeutil import utcnow
from tickwork.store import Store


async def test_a_self_pause_raises_a_warning(make_app: AppFactory, other_store: Store) -> None:
    other_store.clock = utcnow
    s = other_store.create(
        {"name": "flaky", "every": "1s", "action": cmd("exit 3"), "pause_after_failures": 1}
    ).schedule
    app = make_app(clock=utcnow, runner=True)
    notes = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(300):  # up to ~30 s
            await pilot.pause(0.1)
            if any(n.startswith("flaky: paused after 1 consecutive failed fire") for n in notes):
                break
        assert any(n.startswith("flaky: paused after 1 consecutive failed fire") for n in notes)
        await pilot.press("q")  # stop the embedded runner before the app goes
        for _ in range(300):
            await pilot.pause(0.1)
            if app.bridge.state == "stopped":
                break
        assert app.bridge.state == "stopped"
    paused = other_store.get(s.id)
    assert not paused.active and paused.consecutive_failures == 1
