"""The identity service consumes no events."""

from svckit.messaging.consumer import Handlers

handlers = Handlers("identity")
