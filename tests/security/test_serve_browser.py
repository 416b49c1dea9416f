"""`tickwork serve` in a real headless browser: Debian's chromium driven by playwright.

The page (with the token) renders the schedules table and a key press reaches the app; the
same page without the token gets neither a page nor a session. No browser is downloaded:
the test uses the system's chromium and skips, saying why, where there is none.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.security.serve_helpers import Served, descendants, serving
from tickwork.store import Store

CHROMIUM = os.environ.get("TICKWORK_TEST_CHROMIUM") or shutil.which("chromium") or ""
DEADLINE = 90.0
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--metrics-recording-only",
    "--mute-audio",
]

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (uv sync --group dev)"
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM or not os.access(CHROMIUM, os.X_OK),
    reason="no chromium on this machine (apt-get install chromium; no browser is downloaded)",
)


class Frames:
    """Everything the app sent to the page over its websocket, as text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.sent: list[str] = []

    def received(self, payload: Any) -> None:
        data = payload if isinstance(payload, str) else bytes(payload).decode("utf-8", "replace")
        self.parts.append(data)

    def text(self) -> str:
        return "".join(self.parts)

    def wait_for(self, needle: str, page: Any) -> None:
        limit = time.monotonic() + DEADLINE
        while needle not in self.text():
            if time.monotonic() > limit:
                raise AssertionError(f"{needle!r} never reached the page")
            page.wait_for_timeout(100)  # lets playwright deliver events; not a fixed wait


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    db = tmp_path / "tickwork.db"
    with Store.open(db) as store:
        store.create(
            {
                "name": "nightly backup",
                "cron": "0 3 * * *",
                "action": {"kind": "command", "command": "true"},
            }
        )
    with serving(db, "--no-runner") as s:
        yield s


@pytest.fixture
def browser_context(tmp_path: Path) -> Iterator[Any]:
    profile = tmp_path / "chromium-profile"  # fresh: no cookie of an earlier run
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1200, "height": 800},
        )
        try:
            yield context
        finally:
            context.close()


def _watch(page: Any) -> Frames:
    frames = Frames()

    def on_socket(ws: Any) -> None:
        ws.on("framereceived", frames.received)
        ws.on("framesent", lambda payload: frames.sent.append(str(payload)))

    page.on("websocket", on_socket)
    return frames


def test_with_the_token_the_page_renders_the_schedules_and_takes_keys(
    served: Served, browser_context: Any
) -> None:
    page = browser_context.new_page()
    frames = _watch(page)
    response = page.goto(served.url, timeout=DEADLINE * 1000)
    assert response is not None and response.status == 200
    assert "token" not in page.url  # exchanged for the cookie, gone from the address bar
    cookies = browser_context.cookies()
    assert any(c["httpOnly"] and c["sameSite"] == "Strict" for c in cookies), cookies
    page.wait_for_selector("body.-first-byte", timeout=DEADLINE * 1000)  # the app drew
    frames.wait_for("nightly backup", page)  # the schedules table reached the page
    page.locator("#terminal").click()
    page.keyboard.press("n")  # "New" opens the form: the key went through to the app
    frames.wait_for("New schedule", page)
    assert any('"stdin"' in sent and '"n"' in sent for sent in frames.sent)


def test_without_the_token_the_page_gets_nothing(served: Served, browser_context: Any) -> None:
    page = browser_context.new_page()
    frames = _watch(page)
    response = page.goto(served.base, timeout=DEADLINE * 1000)
    assert response is not None and response.status == 401
    assert "token required" in page.content()
    assert page.locator("#terminal").count() == 0
    # and a page of another origin cannot open a session with it either
    result = page.evaluate(
        """async (url) => await new Promise((resolve) => {
               const ws = new WebSocket(url);
               ws.onopen = () => resolve("open");
               ws.onerror = () => resolve("refused");
           })""",
        f"ws://127.0.0.1:{served.port}/ws",
    )
    assert result == "refused"
    assert frames.text() == ""
    assert descendants(served.process.pid) == []  # no UI process was started
