"""Schedules in and out: import, export, sync."""

from __future__ import annotations

import click

IO_COMMANDS: list[click.Command] = []
