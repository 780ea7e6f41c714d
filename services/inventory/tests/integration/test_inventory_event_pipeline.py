"""The one event pipeline: the aggregates record, the unit of work collects at commit,
the service's mapper (``service_layer/mapper.py``) turns each domain event into
catalogue events. No use case publishes or clears events by hand."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime, timedelta

import inventory.domain
import pytest
from inventory.domain.events import DomainEvent, ReservationFulfilled
from inventory.service_layer import queries
from inventory.service_layer import rentals as rental_uc
from inventory.service_layer.mapper import mapper
from inventory.service_layer.rentals import CheckOut
from inventory_testkit import BO, ST, TY, outbox, principal, today, unit_status, uow_of
from svckit.domain.errors import ValidationFailed
from svckit.service import ServiceContext

#: domain events published to nobody, on purpose: a hold that became a loan is read by the
#: unit of work (its waiting-list entry is served, ADR 0023); the loan itself is published
INTERNAL: set[type] = {ReservationFulfilled}

NOW = datetime.now(UTC)


def domain_event_classes() -> set[type]:
    """Every concrete domain event class of the service's domain modules."""
    found: set[type] = set()
    for info in pkgutil.iter_modules(inventory.domain.__path__):
        module = importlib.import_module(f"inventory.domain.{info.name}")
        found |= {cls for _, cls in inspect.getmembers(module, inspect.isclass)
                  if issubclass(cls, DomainEvent) and cls is not DomainEvent}
    return found


def test_every_domain_event_is_mapped_or_declared_internal() -> None:
    classes = domain_event_classes()
    assert len(classes) >= 10  # the discovery finds the service's events
    assert mapper.unmapped(classes) == []
    assert mapper.internal_events == INTERNAL
    assert mapper.mapped | INTERNAL == classes  # nothing mapped that the domain lacks


def test_the_service_wires_its_mapper(ctx: ServiceContext) -> None:
    assert ctx.definition.event_mapper is mapper
    assert uow_of(ctx).mapper is mapper


def _delivered_rental(ctx: ServiceContext) -> rental_uc.Rental:
    return rental_uc.check_out(uow_of(ctx), principal("clerk", "DCF"), CheckOut(
        station_id=ST["DCF"], borrower_id=BO["B6"], due_on=today() + timedelta(days=10),
        type_id=TY["WC"], home_delivery=True), now=NOW)


def test_a_use_case_changing_two_aggregates_publishes_both(ctx: ServiceContext) -> None:
    rental = _delivered_rental(ctx)
    before = len(outbox(ctx))
    # the loss calls the pending delivery off (the rental's event) and writes the unit
    # off (the unit's event), in one transaction
    rental_uc.report_lost(uow_of(ctx), principal("clerk", "DCF"), rental.id, "借用人称已遗失",
                          now=NOW)
    published = outbox(ctx)[before:]
    assert [(e["type"], e["subject_id"]) for e in published] == [
        ("rental.visit_cancelled", str(rental.id)), ("unit.written_off", str(rental.unit_id))]
    assert published[0]["payload"]["source"]["kind"] == "rental_delivery"
    assert published[1]["payload"]["reason"] == "借用人称已遗失"


def test_a_rolled_back_use_case_publishes_none(ctx: ServiceContext) -> None:
    rental = _delivered_rental(ctx)
    before = len(outbox(ctx))
    # the delivery is called off (an event recorded), then the loss is refused: no reason
    with pytest.raises(ValidationFailed):
        rental_uc.report_lost(uow_of(ctx), principal("clerk", "DCF"), rental.id, " ",
                              now=NOW)
    assert len(outbox(ctx)) == before
    assert unit_status(ctx, rental.unit_id) == "rented"
    got = queries.rental_detail(uow_of(ctx), principal("clerk", "DCF"), rental.id)
    assert got["logistics"] == "delivery_requested"
