"""Use cases of the inventory service: one function per use case, inside a unit of work."""
