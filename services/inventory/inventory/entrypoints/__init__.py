"""Entrypoints of the inventory service: HTTP API blueprints and event handlers."""
