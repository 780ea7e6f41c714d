"""Entrypoints of the volunteer service: HTTP API blueprints and event handlers."""

#: the public certificate verification (no token): ``/certificates/verify/<number>``; here,
#: not in the API module, because the service's definition names it and the relay and the
#: consumer import that definition without Flask
VERIFY_PREFIX = "/certificates/verify/"
