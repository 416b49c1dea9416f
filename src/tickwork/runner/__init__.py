"""The runner: claims due fires from the store and executes their actions. No Textual."""

from tickwork.runner.service import RunEvent, Runner
from tickwork.runner.trigger import trigger_now

__all__ = ["RunEvent", "Runner", "trigger_now"]
