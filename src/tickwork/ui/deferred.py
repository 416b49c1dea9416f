"""Worker bodies that start only when the worker does."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, ParamSpec, TypeVar, cast

from textual.worker import WorkType

P = ParamSpec("P")
T = TypeVar("T")


def deferred(
    fn: Callable[P, Coroutine[Any, Any, T]], *args: P.args, **kwargs: P.kwargs
) -> WorkType[T]:
    """`run_worker(deferred(self._load, q))` instead of `run_worker(self._load(q))`: an exclusive
    worker replaced before it starts then leaves no never-awaited coroutine behind."""
    return cast("WorkType[T]", partial(fn, *args, **kwargs))
