"""Repository-wide pytest setup: real PostgreSQL and RabbitMQ fixtures from svckit."""

pytest_plugins = ["svckit.testing"]
