"""Periodic jobs: prune expired refresh tokens."""

from __future__ import annotations

from svckit.domain.clock import utcnow
from svckit.service import PeriodicJob, ServiceContext

from identity.service_layer import auth
from identity.service_layer.uow import IdentityUoW


def prune(ctx: ServiceContext) -> int:
    uow = ctx.uow()
    assert isinstance(uow, IdentityUoW)
    return auth.prune(uow, now=utcnow())


JOBS = (PeriodicJob("prune", prune, 3600),)
