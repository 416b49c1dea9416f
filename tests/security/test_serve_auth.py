"""`tickwork serve` lets in only who has the token, and only from the page's own origin.

A real server (subprocess on 127.0.0.1) and raw HTTP/websocket clients, as an attacker uses.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.security.serve_helpers import Served, descendants, environ_of, serving
from tickwork.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and /proc")
DEADLINE = 60.0


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "tickwork.db"
    with Store.open(path) as store:
        store.create(
            {
                "name": "nightly backup",
                "cron": "0 3 * * *",
                "action": {"kind": "command", "command": "true"},
            }
        )
    return path


@pytest.fixture
def served(db: Path) -> Iterator[Served]:
    with serving(db, "--no-runner") as s:
        yield s


async def _status(url: str, **kwargs: object) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            url,
            allow_redirects=False,
            **kwargs,  # type: ignore[arg-type]
        ) as response,
    ):
        return response.status


async def _ws_refused(url: str, origin: str | None = None) -> int:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(url, origin=origin)
        return refused.value.status


async def _first_frame(ws: aiohttp.ClientWebSocketResponse) -> bytes:
    """Wait (generously) for the app's first output: it is up and drawing."""
    await ws.send_json(["resize", {"width": 80, "height": 24}])
    limit = time.monotonic() + DEADLINE
    while time.monotonic() < limit:
        message = await asyncio.wait_for(ws.receive(), DEADLINE)
        if message.type == aiohttp.WSMsgType.BINARY and message.data:
            return bytes(message.data)
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            raise AssertionError("the session closed before drawing")
    raise AssertionError("no output from the app")


async def test_pages_and_assets_need_the_token(served: Served) -> None:
    assert await _status(served.local) == 401
    assert await _status(served.local + "static/js/textual.js") == 401
    assert await _status(served.local + "?token=wrong-token-of-enough-length") == 401
    assert await _status(served.local, headers={"Authorization": "token nope"}) == 401
    auth = {"Authorization": f"token {served.token}"}
    assert await _status(served.local + "static/js/textual.js", headers=auth) == 200


async def test_the_token_is_exchanged_for_an_httponly_cookie(served: Served) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies of an IP address host
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(
            served.local + f"?token={served.token}&fontsize=14", allow_redirects=False
        ) as first:
            assert first.status == 302
            assert first.headers["Location"] == served.local + "?fontsize=14"  # token gone
            cookie = first.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            assert served.token not in cookie
        async with http.get(served.local) as page:
            assert page.status == 200
            html = await page.text()
    assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in html
    assert f"http://127.0.0.1:{served.port}/static/js/textual.js" in html


async def test_a_websocket_without_the_token_is_refused(served: Served) -> None:
    ws_url = f"ws://127.0.0.1:{served.port}/ws"
    assert await _ws_refused(ws_url) == 403
    assert await _ws_refused(ws_url, origin="http://evil.example") == 403
    assert await _ws_refused(ws_url + "?token=guessed-but-wrong-123") == 403
    assert descendants(served.process.pid) == []  # no UI session was started


async def test_a_cross_origin_websocket_is_refused_even_with_the_token(served: Served) -> None:
    ws_url = f"ws://127.0.0.1:{served.port}/ws?token={served.token}"
    assert await _ws_refused(ws_url, origin="http://evil.example") == 403
    assert await _ws_refused(ws_url, origin="http://127.0.0.1:1") == 403  # another port
    assert await _ws_refused(ws_url, origin="null") == 403


async def test_with_the_token_a_session_works_and_never_sees_the_token(db: Path) -> None:
    token = "a-token-given-in-the-environment-0123456789"
    with serving(db, "--no-runner", env={"TICKWORK_SERVE_TOKEN": token}) as served:
        assert served.url.endswith("?token=<token>")  # a given token is not printed
        ws_url = f"ws://127.0.0.1:{served.port}/ws?token={token}"
        async with (
            aiohttp.ClientSession() as http,
            http.ws_connect(ws_url, origin=f"http://127.0.0.1:{served.port}") as ws,
        ):
            assert await _first_frame(ws)
            children = descendants(served.process.pid)
            assert children
            for pid in children:
                env = environ_of(pid)
                assert "TICKWORK_SERVE_TOKEN" not in env
                assert token not in "\0".join(f"{k}={v}" for k, v in env.items())
        assert token not in served.stderr()


async def test_the_page_uses_the_host_it_was_reached_by(served: Served) -> None:
    """Behind another host name or a proxy, the page's assets and websocket follow the request
    (the old page pointed at the listening address, e.g. http://0.0.0.0:PORT)."""
    auth = {"Authorization": f"token {served.token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(served.local, headers={**auth, "Host": "tick.lan:8443"}) as page:
            html = await page.text()
        assert 'data-session-websocket-url="ws://tick.lan:8443/ws"' in html
        proxied = {**auth, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "tick.example.com"}
        async with http.get(served.local, headers=proxied) as page:
            html = await page.text()
        assert 'data-session-websocket-url="wss://tick.example.com/ws"' in html
        assert "https://tick.example.com/static/css/xterm.css" in html


async def test_public_url_for_a_reverse_proxy(db: Path) -> None:
    with serving(db, "--no-runner", "--public-url", "https://tick.example.com/tw/") as served:
        assert served.url.startswith("https://tick.example.com/tw/?token=")
        token = served.token
        local = f"http://127.0.0.1:{served.port}/"
        async with aiohttp.ClientSession() as http:
            async with http.get(local + f"?token={token}", allow_redirects=False) as first:
                assert first.headers["Location"] == "https://tick.example.com/tw/"
                assert "Secure" in first.headers["Set-Cookie"]
                assert "Path=/tw/" in first.headers["Set-Cookie"]
            async with http.get(local, headers={"Authorization": f"token {token}"}) as page:
                html = await page.text()
            assert 'data-session-websocket-url="wss://tick.example.com/tw/ws"' in html
            ws_url = f"ws://127.0.0.1:{served.port}/ws?token={token}"
            assert await _ws_refused(ws_url, origin=local.rstrip("/")) == 403
            async with http.ws_connect(ws_url, origin="https://tick.example.com") as ws:
                assert await _first_frame(ws)


def test_listening_on_every_address_warns_and_prints_a_usable_url(db: Path) -> None:
    with serving(db, "--no-runner", "--host", "0.0.0.0") as served:
        assert "0.0.0.0" not in served.url
        warning = served.stderr()
        assert "warning: --host 0.0.0.0" in warning and "command execution" in warning

        async def page() -> str:
            async with (
                aiohttp.ClientSession() as http,
                http.get(
                    served.local, headers={"Authorization": f"token {served.token}"}
                ) as response,
            ):
                return await response.text()

        html = asyncio.run(page())
        assert f'"ws://127.0.0.1:{served.port}/ws"' in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--token", "short"], "--token: the token must be at least 16 characters"),
        (["--public-url", "tick.example.com"], "--public-url 'tick.example.com': give an http"),
    ],
)
def test_bad_serve_options_are_one_clear_error(db: Path, args: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tickwork", "--db", str(db), "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == "error: " + done.stderr.strip().removeprefix("error: ")
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not re.search(r"Traceback", done.stderr)
