"""The Textual UI: `create_app()` in tickwork.ui.app builds it."""
