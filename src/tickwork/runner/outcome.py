"""What running an action once came to (:class:`Outcome`), and the wording its errors share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tickwork.domain.status import RunStatus

# "abandoned": the runner stopped the action because it could not keep its lease (fenced).
Status = Literal[
    RunStatus.SUCCEEDED,
    RunStatus.FAILED,
    RunStatus.TIMED_OUT,
    RunStatus.CANCELLED,
    RunStatus.ABANDONED,
]

DEFAULT_OUTPUT_CAP = 32 * 1024


@dataclass(frozen=True)
class Outcome:
    status: Status
    duration: float
    output: str = ""
    exit_code: int | None = None
    http_status: int | None = None
    error: str | None = None


def secs(value: float) -> str:
    """A duration as errors word it: '2.5s'."""
    return f"{value:g}s"


def one_line(text: str, limit: int = 500) -> str:
    """``text`` on one line (whitespace runs collapsed), at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
