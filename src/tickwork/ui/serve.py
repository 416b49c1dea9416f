"""`tickwork serve`: the UI in a web browser, textual-serve's sessions behind a token (as Jupyter).

Whoever reaches a session can run any command as the serving user, so every request needs
the secret token: ``?token=`` on the first visit (exchanged for an HttpOnly cookie, then the
URL is cleaned by a redirect), or the cookie, or an ``Authorization: token ...`` header.
Without it a page gets 401 and a websocket 403. A websocket must also come from the page's
own origin (the ``--public-url``, else the host the request was addressed to).

Built on textual-serve's public pieces (its ``Server`` websocket and download handlers, its
page template and static files); this module adds the routes, the guard and the page URLs
(derived from each request or from ``--public-url``, so it works behind a reverse proxy).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

MIN_TOKEN_LENGTH = 16
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_DENIED_PAGE = """<!DOCTYPE html>
<html><head><title>tickwork: token required</title></head>
<body style="font-family: monospace; background: #0c181f; color: #eee; padding: 2em">
<h1>tickwork: token required</h1>
<p>Open the address that <code>tickwork serve</code> printed, with its
<code>?token=...</code>, once; this browser then keeps a cookie for the session.</p>
</body></html>
"""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check_token(token: str) -> str | None:
    """Why a given token cannot be used, or None."""
    if len(token) < MIN_TOKEN_LENGTH:
        return f"the token must be at least {MIN_TOKEN_LENGTH} characters (guessable otherwise)"
    if not token.isprintable() or any(c.isspace() for c in token):
        return "the token must be printable characters without spaces"
    return None


def _default_port(scheme: str) -> int:
    return 443 if scheme in ("https", "wss") else 80


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, with the default port left out; None if not a URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _default_port(parts.scheme):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def _first(value: str | None) -> str | None:
    """The first of a comma-separated proxy header (X-Forwarded-Proto: https, http)."""
    if not value:
        return None
    return value.split(",", 1)[0].strip() or None


@dataclass(frozen=True)
class ServeSettings:
    command: str
    token: str
    public_url: str | None = None  # https://tick.example.com/tickwork/ behind a proxy
    title: str = "tickwork"


class TokenServer:
    """The aiohttp application and its lifetime (one textual-serve session per websocket)."""

    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.sessions = Server(settings.command, title=settings.title)
        digest = hmac.new(settings.token.encode(), b"tickwork-serve-cookie", hashlib.sha256)
        self._cookie_value = digest.hexdigest()
        # one cookie per server: two `serve`s on one host (other ports) keep theirs apart
        self.cookie_name = "tickwork-" + hashlib.sha256(self._cookie_value.encode()).hexdigest()[:8]

    # --- URLs -------------------------------------------------------------------------------

    def base_url(self, request: web.Request) -> str:
        """Where the browser reaches this server, ending in "/": the public URL, else the
        request's own scheme and host (a proxy's X-Forwarded-Proto/-Host win)."""
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/") + "/"
        scheme = _first(request.headers.get("X-Forwarded-Proto")) or request.scheme
        host = _first(request.headers.get("X-Forwarded-Host")) or request.host
        return f"{scheme}://{host}/"

    def allowed_origins(self, request: web.Request) -> set[str]:
        found = {origin_of(self.base_url(request))}
        if not self.settings.public_url:  # directly: the host the request was addressed to
            found |= {origin_of(f"{scheme}://{request.host}/") for scheme in ("http", "https")}
        return {o for o in found if o}

    # --- the guard --------------------------------------------------------------------------

    def _matches(self, given: str | None, expected: str) -> bool:
        return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())

    def authenticated(self, request: web.Request) -> bool:
        if self._matches(request.cookies.get(self.cookie_name), self._cookie_value):
            return True
        if self._matches(request.query.get("token"), self.settings.token):
            return True
        auth = request.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        return scheme.lower() in ("token", "bearer") and self._matches(
            value.strip(), self.settings.token
        )

    @web.middleware
    async def guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        if not self.authenticated(request):
            if websocket or request.path != "/":
                status = 403 if websocket else 401
                return web.Response(status=status, text="tickwork: token required\n")
            return web.Response(status=401, text=_DENIED_PAGE, content_type="text/html")
        if websocket:
            origin = request.headers.get("Origin")
            if origin is not None and origin_of(origin) not in self.allowed_origins(request):
                return web.Response(status=403, text="tickwork: cross-origin websocket refused\n")
        if request.path == "/" and "token" in request.query:
            return self._exchange(request)
        response = await handler(request)
        if request.path == "/":
            response.headers["Cache-Control"] = "no-store"
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def _exchange(self, request: web.Request) -> web.StreamResponse:
        """The token in the URL becomes an HttpOnly cookie; the URL loses the token."""
        kept = [(k, v) for k, v in request.query.items() if k != "token"]
        rest = request.rel_url.with_query(kept)
        target = self.base_url(request) + str(rest).lstrip("/")
        response = web.Response(status=302, headers={"Location": target})
        secure = target.startswith("https:")
        path = urlsplit(self.base_url(request)).path or "/"
        response.set_cookie(
            self.cookie_name,
            self._cookie_value,
            httponly=True,
            samesite="Strict",
            secure=secure,
            path=path,
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # --- the page ---------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        base = self.base_url(request)
        ws_base = ("wss:" if base.startswith("https:") else "ws:") + base.split(":", 1)[1]
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        context: dict[str, Any] = {
            "font_size": font_size,
            "app_websocket_url": ws_base + "ws",
            "config": {"static": {"url": base + "static/"}},
            "application": {"name": self.settings.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard])
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(self.sessions.templates_path),
            autoescape=True,
        )
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/ws", self.sessions.handle_websocket),
                web.get("/download/{key}", self.sessions.handle_download),
                web.static("/static", self.sessions.statics_path),
            ]
        )
        return app

    async def serve(
        self, host: str, port: int, ready: Callable[[list[tuple[str, int]]], None]
    ) -> None:
        """Listen until SIGINT/SIGTERM; ``ready`` gets the bound (host, port) addresses."""
        runner = web.AppRunner(self.make_app(), handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            ready([(str(a[0]), int(a[1])) for a in runner.addresses])
            await stop.wait()
        finally:
            await runner.cleanup()
