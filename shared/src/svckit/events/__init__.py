"""Integration events: the envelope and the versioned catalogue of payload schemas."""

from svckit.events.catalogue import CATALOGUE, Catalogue, EventSpec, UnknownEvent
from svckit.events.envelope import Envelope, EnvelopeError

__all__ = ["CATALOGUE", "Catalogue", "Envelope", "EnvelopeError", "EventSpec", "UnknownEvent"]
