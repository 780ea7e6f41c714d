"""Use cases of the renovation service: one function per use case, inside a unit of work."""
