"""The pure domain: schedule model, validation, time zones. No I/O, no Textual."""
