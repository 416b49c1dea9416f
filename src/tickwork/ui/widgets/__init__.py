"""Widgets grouped by feature: schedules/, form/, common/ (timeline/ and runs/ elsewhere)."""
