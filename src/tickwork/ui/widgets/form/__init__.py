"""The pieces of the schedule edit form."""
