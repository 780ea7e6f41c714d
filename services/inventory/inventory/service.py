"""The inventory service's definition: what svckit needs to run every process of it."""

from __future__ import annotations

from pathlib import Path

from svckit.service import PeriodicJob, ServiceDefinition, api_blueprints

from inventory import seed
from inventory.adapters import orm
from inventory.entrypoints import handlers
from inventory.service_layer import jobs
from inventory.service_layer.mapper import mapper
from inventory.service_layer.uow import InventoryUoW

definition = ServiceDefinition(
    name="inventory",
    title="辅具租赁 Inventory & rental API",
    description=(
        "Assistive-device rental stations of the city Disabled Persons' Federation: "
        "catalogue, units, borrowers, reservations, check-out and return, transfers, "
        "maintenance, free allocation (发放) and reports."
    ),
    metadata=orm.metadata,
    migrations=Path(__file__).parent / "migrations",
    blueprints=api_blueprints("inventory.entrypoints.api"),
    handlers=handlers.handlers,
    start_mappers=orm.start_mappers,
    uow_class=InventoryUoW,
    event_mapper=mapper,
    seed=seed.seed,
    jobs=(
        PeriodicJob("overdue-scan", jobs.overdue_scan, 300),
        PeriodicJob("reservation-expiry", jobs.expire_reservations, 60),
        PeriodicJob("cleaning-release", jobs.release_cleaned, 300),
        PeriodicJob("booking-start", jobs.start_bookings, 600),
        PeriodicJob("pipl-anonymise", jobs.anonymise_borrowers, 86_400),
    ),
    slot=0,
    extra={"token_hints": seed.token_hints},
)
