"""Messaging: outbox and inbox tables, the relay, the consumer runner, topology."""
