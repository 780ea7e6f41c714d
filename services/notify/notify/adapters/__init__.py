"""Database, SMS gateway and SMTP adapters."""
