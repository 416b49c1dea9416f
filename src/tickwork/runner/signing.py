"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

The signed content is ``f"{webhook-id}.{webhook-timestamp}.{body}"``; the signature is
``"v1," + base64(HMAC-SHA256(key, content))`` where the key is the base64-decoded part of the
secret after its ``whsec_`` prefix. A ``webhook-signature`` header may carry several
space-separated signatures (key rotation); one match is enough.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
SECRET_BYTES = 24


def generate_secret() -> str:
    """A new random secret: ``whsec_`` + base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret: base64-decode what follows ``whsec_`` (padding optional)."""
    raw = secret.removeprefix(SECRET_PREFIX).strip()
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid signing secret: not base64 after 'whsec_'") from exc
    if not key:
        raise ValueError("invalid signing secret: empty")
    return key


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, content, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` value for one message: ``v1,<base64>``."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    digest = _digest(secret_key(secret), msg_id, int(timestamp), data)
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def verify(
    secret: str,
    msg_id: str,
    timestamp: int,
    body: bytes | str,
    signature_header: str,
    *,
    tolerance: float | None = None,
    now: float | None = None,
) -> bool:
    """True when one ``v1`` signature in the header matches (constant-time compare).

    With ``tolerance`` (seconds), also reject a timestamp that far from ``now`` (default: the
    current time), as receivers should to block replays.
    """
    if tolerance is not None:
        current = time.time() if now is None else now
        if abs(current - int(timestamp)) > tolerance:
            return False
    try:
        key = secret_key(secret)
    except ValueError:
        return False
    data = body.encode("utf-8") if isinstance(body, str) else body
    expected = _digest(key, msg_id, int(timestamp), data)
    for entry in signature_header.split():
        version, sep, encoded = entry.partition(",")
        if not sep or version != SIGNATURE_VERSION:
            continue
        try:
            candidate = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, candidate):
            return True
    return False


def mask(secret: str | None) -> str:
    """A secret safe to show: ``whsec_ab12…(masked)`` (the prefix and 4 characters only)."""
    if not secret:
        return "(none)"
    prefix = SECRET_PREFIX if secret.startswith(SECRET_PREFIX) else ""
    rest = secret[len(prefix) :]
    shown = rest[:4] if len(rest) > 8 else ""
    return f"{prefix}{shown}…(masked)"
