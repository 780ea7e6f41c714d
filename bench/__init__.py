"""Benchmarks and fault injection (``make bench``, ``make chaos``); not imported by services."""
