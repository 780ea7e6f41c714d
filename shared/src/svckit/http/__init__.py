"""HTTP toolkit: the app factory pieces, problem+json errors, health and readiness."""
