"""HTTP actions: one request (a signed JSON payload by default), redirects not followed, the
response body captured and capped."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from tickwork import __version__
from tickwork.domain.model import HttpAction
from tickwork.domain.secrets import mask_text
from tickwork.domain.status import RunStatus
from tickwork.runner.outcome import Outcome, one_line, secs
from tickwork.runner.output import CappedOutput
from tickwork.runner.payload import RunContext, build_payload
from tickwork.runner.signing import sign


async def run_http(
    action: HttpAction,
    ctx: RunContext,
    timeout: float,
    cap: int,
    client: httpx.AsyncClient | None,
) -> Outcome:
    start = time.monotonic()
    headers = httpx.Headers({"User-Agent": f"tickwork/{__version__}"})
    if action.body is not None:
        body = action.body.encode("utf-8")
    else:
        body = json.dumps(build_payload(ctx), separators=(",", ":")).encode("utf-8")
        headers["Content-Type"] = "application/json"
    headers.update(action.headers)
    if ctx.signing_secret:
        msg_id = ctx.message_id
        stamp = int(time.time())
        headers["webhook-id"] = msg_id
        headers["webhook-timestamp"] = str(stamp)
        try:
            headers["webhook-signature"] = sign(ctx.signing_secret, msg_id, stamp, body)
        except ValueError as exc:
            return Outcome(RunStatus.FAILED, time.monotonic() - start, error=str(exc))
    output = CappedOutput(cap, cap)
    status_code: int | None = None
    try:
        async with asyncio.timeout(timeout):
            if client is None:
                async with httpx.AsyncClient(follow_redirects=False, timeout=timeout) as own:
                    status_code = await _send(own, action, headers, body, timeout, output)
            else:
                status_code = await _send(client, action, headers, body, timeout, output)
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(
            RunStatus.TIMED_OUT,
            time.monotonic() - start,
            output=output.text(),
            http_status=status_code,
            error=f"timed out after {secs(timeout)}",
        )
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return Outcome(
            RunStatus.FAILED,
            time.monotonic() - start,
            output=output.text(),
            http_status=status_code,
            error=_http_error(exc),
        )
    duration = time.monotonic() - start
    assert status_code is not None
    if 200 <= status_code < 300:
        return Outcome(RunStatus.SUCCEEDED, duration, output=output.text(), http_status=status_code)
    error = f"HTTP {status_code}"
    if 300 <= status_code < 400:
        error += " (redirects are not followed)"
    return Outcome(
        RunStatus.FAILED, duration, output=output.text(), http_status=status_code, error=error
    )


async def _send(
    client: httpx.AsyncClient,
    action: HttpAction,
    headers: httpx.Headers,
    body: bytes,
    timeout: float,
    output: CappedOutput,
) -> int:
    async with client.stream(
        action.method.upper(),
        action.url,
        headers=headers,
        content=body,
        timeout=timeout,
        follow_redirects=False,
    ) as response:
        async for chunk in response.aiter_bytes():
            output.feed(chunk)
        return response.status_code


def _http_error(exc: BaseException) -> str:
    if isinstance(exc, httpx.ConnectError):
        kind = "connection failed"
    elif isinstance(exc, httpx.HTTPError):
        kind = "request failed"
    else:
        kind = "invalid request"
    detail = str(exc) or type(exc).__name__
    return one_line(mask_text(f"{kind}: {detail}"))  # errors are stored and logged
