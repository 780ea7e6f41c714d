"""HTTP API and event handlers."""
