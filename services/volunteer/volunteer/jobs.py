"""Periodic jobs (``python -m volunteer job NAME``, or the scheduler process)."""

from __future__ import annotations

from svckit.domain.clock import utcnow
from svckit.service import PeriodicJob, ServiceContext

from volunteer.service_layer import dispatch, onsite
from volunteer.service_layer.uow import VolunteerUoW


def _uow(ctx: ServiceContext) -> VolunteerUoW:
    uow = ctx.uow()
    assert isinstance(uow, VolunteerUoW)
    return uow


def close_forgotten(ctx: ServiceContext) -> int:
    """Close check-ins left open past the limit; flag them; their hours wait."""
    return onsite.close_forgotten(_uow(ctx), now=utcnow())


def lapse_offers(ctx: ServiceContext) -> int:
    """Lapse offers not answered in time and re-offer to the next candidate."""
    return dispatch.lapse_offers(_uow(ctx), now=utcnow())


def expire_unfilled(ctx: ServiceContext) -> int:
    """Expire tasks nobody took before their window ended; tell the asking service."""
    return dispatch.expire_unfilled(_uow(ctx), now=utcnow())


JOBS = (
    PeriodicJob("lapse-offers", lapse_offers, 60),
    PeriodicJob("close-forgotten", close_forgotten, 600),
    PeriodicJob("expire-unfilled", expire_unfilled, 300),
)
