"""Text every input field must be: valid UTF-8 (no lone surrogates, which is how Python
hands over undecodable bytes from argv), without NUL bytes, and not nested without end.

A NUL cannot be passed to a process, and a surrogate cannot be stored: both would fail
later, far from the input. Checked once, on the whole input, before any field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tickwork.domain.errors import InvalidSchedule

MAX_DEPTH = 8  # an action's env table is at depth 2; nothing legitimate goes deeper


def _text(field: str, text: str) -> None:
    if "\x00" in text:
        raise InvalidSchedule.one(field, "contains a NUL byte: remove it")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidSchedule.one(
            field, "is not valid UTF-8 text (an undecodable byte?): check its encoding"
        ) from None


def _walk(field: str, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InvalidSchedule.one(field, "is nested too deeply: give text or a flat table")
    if isinstance(value, str):
        _text(field, value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                _text(field, key)
            _walk(key if field == "action" and isinstance(key, str) else field, item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(field, item, depth + 1)


def check_input_text(data: Mapping[str, Any]) -> None:
    """Raise InvalidSchedule naming the first field with a NUL, a surrogate or deep nesting."""
    for key, value in data.items():
        if isinstance(key, str):
            _text(key, key)
        _walk(str(key), value, 0)
