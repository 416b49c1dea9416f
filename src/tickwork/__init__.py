"""tickwork: cron schedules in SQLite, a Textual UI and an embedded async runner."""

__version__ = "0.1.0"
