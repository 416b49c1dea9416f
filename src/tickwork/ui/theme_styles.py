"""Rich styles from theme variables, for widgets that draw Segments (the Line API tables).

Markup-based widgets write `[$error]…[/]`; a widget that paints Strips asks `status_style(app,
status)` for the same colour from the one status table (tickwork.domain.status).
"""

from __future__ import annotations

from rich.style import Style
from textual.app import App
from textual.color import Color, ColorParseError

from tickwork.domain.status import look

_cache: dict[tuple[str, str, bool], Style] = {}


def theme_style(app: App[object], variable: str, *, bold: bool = False) -> Style:
    """A foreground colour from the current theme (translucent ones blended on the background)."""
    key = (app.theme, variable, bold)
    found = _cache.get(key)
    if found is not None:
        return found
    variables = app.theme_variables or app.get_css_variables()
    value = variables.get(variable)
    style = Style(bold=True) if bold else Style()
    if value is not None:
        try:
            background = Color.parse(variables.get("background", "#000000"))
            colour = background + Color.parse(value)
        except ColorParseError:
            pass
        else:
            style = Style(color=colour.rich_color, bold=bold or None)
    _cache[key] = style
    return style


def status_style(app: App[object], status: str | None) -> Style:
    """The colour (and weight) of a run status, from the one status table."""
    found = look(status)
    return theme_style(app, found.colour, bold=found.bold)
