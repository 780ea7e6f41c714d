"""Entrypoints of the volunteer service: HTTP API blueprints and event handlers."""
