"""svckit: the library every service of the platform imports.

Configuration, database and unit of work, the event envelope and catalogue, the
transactional outbox and its relay, the consumer runner (idempotent, with retries and
parking), the HTTP toolkit and the auth primitives.
"""
