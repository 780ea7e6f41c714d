"""Entrypoints of the renovation service: HTTP API blueprints and event handlers."""
