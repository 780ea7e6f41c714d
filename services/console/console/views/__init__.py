"""One blueprint per area: sign-in (``/login``), ``/clerk``, ``/contractor``,
``/coordinator``, ``/staff`` (cases), ``/staff/data`` (reports, export, import) and
``/staff/parked`` (parked messages), ``/staff/recalls`` (device recalls), ``/inbox`` (every
staff role's messages, the header's bell), the volunteer service record certificates
(``/coordinator/volunteers/<id>/certificates``,
``/certificates/<id>.pdf``, the public ``/verify``), and ``/volunteer`` (a volunteer's own
offers, tasks and hours; ``/volunteer/scan/<code>``, a printed sheet's check-in QR code)
with ``/o/<token>``, the offer SMS's signed link."""

from __future__ import annotations

from flask import Blueprint


def blueprints() -> list[Blueprint]:
    from console.views import (
        certificates,
        clerk,
        clerk_money,  # noqa: F401 - the clerk's money pages, on the clerk blueprint
        contractor,
        coordinator,
        coordinator_desk,  # noqa: F401  (its pages are on coordinator.bp)
        inbox,
        login,
        staff,
        staff_data,
        staff_parked,
        staff_recalls,
        volunteer,
    )

    return [login.bp, clerk.bp, contractor.bp, coordinator.bp, staff.bp, staff_data.bp,
            staff_parked.bp, staff_recalls.bp, certificates.bp, volunteer.bp, inbox.bp,
            volunteer.offer_links]
