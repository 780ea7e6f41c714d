"""The one mapper of the service (ADR 0010). The notifications service publishes no
catalogue event: what it does is recorded in its delivery log, and its aggregates record
no domain events. The mapper exists so that the service has the one shape: a domain event
added later fails the commit until it is mapped here or declared internal."""

from __future__ import annotations

from svckit.events.mapper import EventMapper

mapper = EventMapper("notify")
