"""The HTTP endpoint of `tickwork run --metrics ADDR:PORT`: /metrics and /healthz.

A small threaded http.server in a daemon thread, off the runner's event loop: a slow scraper
never delays a fire. /metrics is Prometheus text format (prometheus-client); /healthz is 200 or
503 with a JSON body saying why.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tickwork.runner.health import Health
from tickwork.runner.metrics import RunnerMetrics

DEFAULT_HOST = "127.0.0.1"


def parse_address(text: str) -> tuple[str, int]:
    """'HOST:PORT', ':PORT', 'PORT' or '[v6]:PORT' -> (host, port); the host defaults to
    127.0.0.1. Raises ValueError with the fix."""
    raw = text.strip()
    host, port_text = DEFAULT_HOST, raw
    if raw.startswith("["):
        end = raw.find("]")
        if end < 0 or raw[end + 1 : end + 2] != ":":
            raise ValueError("write an IPv6 address as [::1]:9108")
        host, port_text = raw[1:end], raw[end + 2 :]
    elif ":" in raw:
        host, _, port_text = raw.rpartition(":")
        host = host or DEFAULT_HOST
    if not port_text.isdigit() or not 0 <= int(port_text) < 65536:  # 0: any free port
        raise ValueError(f"{port_text!r} is not a port: give ADDR:PORT like 127.0.0.1:9108")
    if raw.startswith("[") or host.replace(".", "").isdigit():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f"{host!r} is not an IP address: give one like 127.0.0.1") from None
    return host, int(port_text)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


class _Server6(_Server):
    address_family = socket.AF_INET6


class MetricsServer:
    """Serve /metrics and /healthz on (host, port) until stop()."""

    def __init__(
        self, host: str, port: int, metrics: RunnerMetrics, health: Callable[[], Health]
    ) -> None:
        self.metrics = metrics
        self.health = health
        handler = self._handler()
        server_class = _Server6 if ":" in host else _Server
        self.server = server_class((host, port), handler)  # OSError: in use, not an address here
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="tickwork-metrics", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "tickwork"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, CONTENT_TYPE_LATEST, generate_latest(outer.metrics.registry))
                elif path == "/healthz":
                    health = outer.health()
                    body = json.dumps(health.to_json()).encode() + b"\n"
                    self._send(200 if health.ok else 503, "application/json", body)
                else:
                    self._send(404, "text/plain; charset=utf-8", b"try /metrics or /healthz\n")

            def _send(self, code: int, content_type: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Scrapes are not logged (they would drown the runner's own lines)."""

        return Handler
