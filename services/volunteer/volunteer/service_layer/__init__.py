"""Use cases of the volunteer service: one function per use case, inside a unit of work."""
