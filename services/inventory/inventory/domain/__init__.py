"""Pure domain layer of the inventory service: no Flask, no SQLAlchemy, no clock reads.

Every time-dependent method takes ``now`` (a timezone-aware datetime) from the caller.
See README.md in this folder for the model, the policies and what is left to the service layer.
"""
