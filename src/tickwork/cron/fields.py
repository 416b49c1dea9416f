"""The five fields of a cron expression: checks with precise messages, in croniter's spelling.

croniter parses and expands the fields (see :mod:`tickwork.cron.parse`). tickwork reads each
field first only to say exactly what is wrong, to translate its spellings into croniter's
(``5L`` -> ``L5``, a list holding ``*``), and to refuse what croniter would accept with a
meaning nobody wrote: ``5-5`` (croniter: the whole field), a reversed range with a step
(croniter loses values across the wrap), ``?``, ``W``, ``H``.
"""

from __future__ import annotations

import re

from tickwork.cron.syntax import CronError

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
MONTH_LONG = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAY_LONG = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
NAMES: tuple[dict[str, int], ...] = (
    {},
    {},
    {},
    {n[:3].lower(): i + 1 for i, n in enumerate(MONTH_LONG)},
    {n[:3].lower(): i for i, n in enumerate(DAY_LONG)},
)
_DIGITS = re.compile(r"[0-9]+")
_WORD = re.compile(r"[A-Za-z]+")
_MAX_DIGITS = 6  # longer numbers are out of range anyway; int() of 5000 digits raises


def _number(text: str) -> int | None:
    return int(text) if _DIGITS.fullmatch(text) and len(text) <= _MAX_DIGITS else None


def _value(token: str, fi: int) -> int:
    name, (low, high), names = FIELDS[fi], BOUNDS[fi], NAMES[fi]
    if _DIGITS.fullmatch(token):
        value = _number(token)
        if value is None or not low <= value <= high:
            shown = token if len(token) <= 12 else token[:12] + "…"
            raise CronError(f"{name} {shown} is out of range {low}-{high}")
        return value
    if names and _WORD.fullmatch(token):
        found = names.get(token.lower())
        if found is None:
            short = token[:3].lower()
            hint = f" (use three-letter names like '{short}')" if short in names else ""
            raise CronError(f"unknown {'month' if fi == 3 else 'day'} name '{token}'{hint}")
        return found
    raise bad_token(token, fi)


def bad_token(token: str, fi: int) -> CronError:
    name, low = FIELDS[fi], token.lower()
    if "?" in token:
        return CronError("'?' is not supported; use * instead")
    if fi == 2 and "w" in low and _DIGITS.search(low):
        return CronError("'W' (nearest weekday) is not supported")
    if low[:1] in ("h", "r") and (len(low) == 1 or low[1] in "(/"):
        return CronError("hashed or random values (H, R) are not supported")
    if token.startswith("-"):
        return CronError(f"{name} values cannot be negative, got '{token[:20]}'")
    shown = token if len(token) <= 20 else token[:20] + "…"
    return CronError(f"{name} value '{shown}' is not a number{' or name' if NAMES[fi] else ''}")


def _step(step_text: str) -> int:
    step = _number(step_text)
    if step is None or step == 0:
        got = step_text[:20] if _DIGITS.fullmatch(step_text) else f"'{step_text[:20]}'"
        if step is None and _DIGITS.fullmatch(step_text) and step_text.strip("0"):
            raise CronError(f"step {got} is too large: use at most {_MAX_DIGITS} digits")
        raise CronError(f"step must be a positive number, got {got}")
    return step


def _item(item: str, fi: int, strict: bool) -> tuple[str, bool]:
    """One list item -> (its croniter spelling, is a ``#``/``L`` weekday item)."""
    if not item:
        raise CronError(f"empty value in the {FIELDS[fi]} list")
    low_item = item.lower()
    if fi == 4 and low_item == "l":
        raise CronError("'L' in day-of-week needs a day, like 5L or friL (last Friday)")
    if fi == 4 and (
        "#" in item
        or low_item.endswith("l")
        or (low_item.startswith("l") and _DIGITS.fullmatch(item[1:]))
    ):
        return _nth_item(item, low_item), True
    if fi == 2 and low_item == "l":
        return "L", False
    base, slash, step_text = item.partition("/")
    if slash:
        _step(step_text)
    if base == "*":
        return item, False
    first, dash, last = base.partition("-")
    if not dash:
        _value(base, fi)
        return item, False
    if not first:
        raise bad_token(base, fi)
    a = _value(first, fi)
    b = 31 if fi == 2 and last.lower() == "l" else _value(last, fi)
    same = a == b
    if fi == 4:  # 0 and 7 are both Sunday; 0-7 is the whole week, 7-2 is Sunday-Tuesday
        same, a = (a, b) != (0, 7) and a % 7 == b % 7, a % 7
    if same:  # croniter reads "5-5" as the whole field: refuse the trap
        raise CronError(f"range {base} starts and ends at the same value; write just {first}")
    if a > b and slash and strict:  # stored by an older tickwork: computed as croniter reads it
        raise CronError(
            f"range {item} runs backwards with a step, which is ambiguous: list the values, "
            f"or split it in two, like {first}-{BOUNDS[fi][1]}/{step_text},"
            f"{BOUNDS[fi][0]}-{last}/{step_text}"
        )
    return item, False


def _nth_item(item: str, low_item: str) -> str:
    """``5#3`` / ``fri#3`` (third Friday); ``5L`` / ``friL`` / ``L5`` (last Friday)."""
    if "#" in item:
        day_text, _, nth_text = item.partition("#")
        if not _DIGITS.fullmatch(nth_text) or not 1 <= int(nth_text[:3]) <= 5:
            raise CronError(
                f"the week number after # must be 1-5, got '{nth_text[:20]}' in '{item[:40]}'"
            )
    else:
        day_text, nth_text = (item[:-1] if low_item.endswith("l") else item[1:]), "L"
    if not day_text or any(c in day_text for c in "-/*"):
        raise CronError(f"'{item[:40]}' needs a single day, like 5#3, fri#3 or 5L")
    day = _value(day_text, 4) % 7
    # croniter spells "last Friday" as L5 (it rejects 5L)
    return f"L{day}" if nth_text == "L" else f"{day}#{int(nth_text)}"


def translate(text: str, fi: int, strict: bool = True) -> tuple[str, bool]:
    """A field -> (croniter's spelling of it, holds ``#``/``L`` weekdays); CronError if bad.

    A list holding ``*`` means every value, as in cronie (``*,0`` is ``*``); it keeps its
    first character, which decides cron's day rule (see :mod:`tickwork.cron.matcher`).
    """
    items = text.split(",")
    parsed = [_item(item, fi, strict) for item in items]
    kinds = {nth for _, nth in parsed}
    if len(kinds) > 1:
        raise CronError("day-of-week cannot mix plain days with # or L days in one list")
    if "*" in items and len(items) > 1:
        low, high = BOUNDS[fi][0], (6 if fi == 4 else BOUNDS[fi][1])
        return ("*" if text.startswith("*") else f"{low}-{high}"), False
    return ",".join(tok for tok, _ in parsed), True in kinds
