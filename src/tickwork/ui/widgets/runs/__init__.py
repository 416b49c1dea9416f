"""Run history widgets: the runs table and the paged store queries behind it."""

from tickwork.ui.widgets.runs.query import (
    OUTCOME_ORDER,
    OUTCOMES,
    PAGE_SIZE,
    RunPage,
    RunQuery,
    count_runs,
    fetch_runs,
    load_page,
    next_outcome,
)
from tickwork.ui.widgets.runs.table import RunsTable

__all__ = [
    "OUTCOMES",
    "OUTCOME_ORDER",
    "PAGE_SIZE",
    "RunPage",
    "RunQuery",
    "RunsTable",
    "count_runs",
    "fetch_runs",
    "load_page",
    "next_outcome",
]
