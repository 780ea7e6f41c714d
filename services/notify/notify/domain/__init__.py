"""Pure domain layer of the notifications service: no Flask, no SQLAlchemy, no clock reads."""
