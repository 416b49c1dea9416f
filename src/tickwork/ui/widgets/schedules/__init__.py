"""The schedules list (a Line-API table over store pages) and its detail pane."""
