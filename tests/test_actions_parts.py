"""Payload, capped output and Standard Webhooks signing: the pure parts of the executor."""

from __future__ import annotations

import base64

import pytest

from tickwork.runner.output import CappedOutput
from tickwork.runner.payload import build_payload, command_env
from tickwork.runner.signing import generate_secret, mask, sign, verify

from .actions_support import EXPECTED_PAYLOAD, independent_signature_ok, make_ctx

# --------------------------------------------------------------------------- payload / output


def test_build_payload_and_command_env() -> None:
    assert build_payload(make_ctx()) == EXPECTED_PAYLOAD
    assert list(build_payload(make_ctx())) == list(EXPECTED_PAYLOAD)
    env = command_env(make_ctx(last_run_at=None, external_id=None))
    assert env == {
        "TICKWORK_SCHEDULE_ID": "sch_1",
        "TICKWORK_RUN_ID": "run_abc",
        "TICKWORK_SCHEDULED_FOR": "2026-04-21T23:00:00+00:00",
        "TICKWORK_LAST_RUN_AT": "",
        "TICKWORK_EXTERNAL_ID": "",
        "TICKWORK_ATTEMPT": "2",
        "TICKWORK_SCHEDULE_NAME": "nightly backup",
    }
    assert make_ctx().message_id == "run_abc"
    assert make_ctx(webhook_id="run_first").message_id == "run_first"


def test_capped_output_keeps_head_and_tail() -> None:
    small = CappedOutput(10, 10)
    small.feed(b"hello ")
    small.feed(b"world")
    assert small.text() == "hello world" and small.total_bytes == 11 and not small.truncated

    data = bytes(range(256)) * 40  # 10240 bytes
    whole, pieces = CappedOutput(100, 50), CappedOutput(100, 50)
    whole.feed(data)
    for i in range(0, len(data), 7):
        pieces.feed(data[i : i + 7])
    assert whole.text() == pieces.text()
    assert whole.total_bytes == pieces.total_bytes == 10240
    assert whole.omitted_bytes == 10240 - 150
    head, tail = whole.text().split("\n[... 10090 bytes omitted ...]\n")
    assert head == data[:100].decode("utf-8", errors="replace")
    assert tail == data[-50:].decode("utf-8", errors="replace")

    no_head = CappedOutput(0, 3)
    no_head.feed(b"abcdef")
    assert no_head.text() == "\n[... 3 bytes omitted ...]\ndef"
    split = CappedOutput(1, 0)
    split.feed("é".encode())  # a multi-byte character cut in half decodes as U+FFFD
    assert split.text() == "\ufffd\n[... 1 bytes omitted ...]\n"


# --------------------------------------------------------------------------- signing


def test_signing_known_vector() -> None:
    # From the Standard Webhooks reference library tests (libraries/python/tests).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, stamp, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert sign(secret, msg_id, stamp, body) == expected
    assert verify(secret, msg_id, stamp, body, expected)
    rotated = f"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,xyz {expected}"
    assert verify(secret, msg_id, stamp, body, rotated)
    assert not verify(secret, msg_id, stamp, body + b" ", expected)
    assert not verify(secret, msg_id, stamp + 1, body, expected)
    off_by_one = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
    assert not verify(secret, msg_id, stamp, body, off_by_one)
    assert not verify(secret, msg_id, stamp, body, "garbage v1,!!!")
    assert not verify(secret, msg_id, stamp, body, expected, tolerance=300)  # 2021 is too old
    assert verify(secret, msg_id, stamp, body, expected, tolerance=300, now=stamp + 299)


def test_generate_secret_round_trip_and_mask() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 24
    assert generate_secret() != secret
    signature = sign(secret, "run_1", 1_700_000_000, b"{}")
    headers = {"webhook-id": "run_1", "webhook-timestamp": "1700000000"}
    assert independent_signature_ok(secret, {**headers, "webhook-signature": signature}, b"{}")
    assert verify(secret, "run_1", 1_700_000_000, b"{}", signature)
    assert not verify(generate_secret(), "run_1", 1_700_000_000, b"{}", signature)
    masked = mask(secret)
    assert masked == f"whsec_{secret[6:10]}…(masked)" and secret[10:] not in masked
    assert mask(None) == "(none)"
    with pytest.raises(ValueError):
        sign("whsec_not base64!", "m", 1, b"")
