"""Runner commands: run (headless), trigger, runs, run-show."""

from __future__ import annotations

import click

RUNNER_COMMANDS: list[click.Command] = []
