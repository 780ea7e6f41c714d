"""Use cases of a household's case: application, assessment, plan (一户一策), approval."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from svckit import pipl
from svckit.auth.principal import Principal
from svckit.domain.clock import china_date
from svckit.domain.errors import NotFound, ValidationFailed
from svckit.domain.identifiers import normalise

from renovation.adapters.repository import COMMITTED_STATES
from renovation.domain.application import APPLICATION, NUMBER_PREFIX, Application
from renovation.domain.catalogue import CatalogueItem, parse_quantity
from renovation.domain.programme import Programme
from renovation.service_layer.policy import POLICY
from renovation.service_layer.uow import RenovationUoW

log = logging.getLogger(__name__)

PHOTO_PREFIX = "photo:"
#: what ``GET /applications/<id>/contact`` shows in full
CONTACT_FIELDS = ("holder_name", "address", "phone")


def load(uow: RenovationUoW, principal: Principal, action: str, application_id: uuid.UUID,
         *, lock: bool = True) -> Application:
    """The application, if the caller's role may do ``action`` (else 403) and their
    districts cover it; 404 otherwise, so its existence does not leak."""
    POLICY.require_role(principal, action)
    app = uow.repo.application(application_id, lock=lock)
    if app is None or not principal.covers(division=app.division):
        raise NotFound("application", application_id)
    return app


def _programme(uow: RenovationUoW, programme_id: uuid.UUID, *, lock: bool = False) -> Programme:
    programme = uow.repo.programme(programme_id, lock=lock)
    if programme is None:
        raise NotFound("programme", programme_id)
    return programme


def submit(uow: RenovationUoW, principal: Principal, data: dict[str, Any], *,
           now: datetime) -> Application:
    POLICY.require_role(principal, "application.submit")
    with uow:
        programme = _programme(uow, data.pop("programme_id"))
        programme.require_accepting(china_date(now))
        app = Application.submit(programme, now=now, **data)
        if not principal.covers(division=app.division):
            raise ValidationFailed.field("division", "不在您的辖区内 (outside your districts)")
        app.number = uow.repo.next_number(NUMBER_PREFIX, app.division, now)
        uow.session.add(app)
        uow.session.flush()  # the open-application unique index answers here (409)
        uow.commit()
        return app


def accept(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
           override_reason: str | None, *, now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.decide", application_id)
        app.accept(principal.sub, now, override_reason)
        uow.session.flush()
        uow.commit()
        return app


def refuse(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
           reason: str | None, *, now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.decide", application_id)
        app.refuse(principal.sub, now, reason)
        uow.commit()
        return app


def withdraw(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
             reason: str, *, kind: str = "other", cost_incurred_fen: int | None = None,
             now: datetime) -> Application:
    """The household leaves at any stage before acceptance of the works (died, moved,
    declined). A live work order is ended first (terminated as the household's request,
    its cost incurred kept as spent; or cancelled if not yet accepted); the approved total
    less what was spent is released from the programme's budget, and the timeline shows
    both the termination and the withdrawal with the amount released."""
    from renovation.service_layer import workorders

    with uow:
        POLICY.require_role(principal, "application.decide")
        live = [o for o in uow.repo.work_orders_of(application_id)
                if o.status not in workorders.DEAD_ORDER_STATES]
        orders = [uow.repo.work_order(o.id, lock=True) for o in live]  # orders, then the app
        app = load(uow, principal, "application.decide", application_id)
        APPLICATION.next(app.status, "withdraw")  # 409 in words before anything changes
        holding = app.status in COMMITTED_STATES
        for order in orders:
            assert order is not None
            workorders.end_order(order, app, principal.sub, kind="household_request",
                                 reason=reason, cost_incurred_fen=cost_incurred_fen, now=now)
        spent = sum(o.cost_incurred_fen or 0 for o in uow.repo.work_orders_of(app.id)
                    if o.status == "terminated")
        released = max(0, app.plan.total_fen - spent) if holding and app.plan else 0
        app.withdraw(reason, now, kind=kind, released_fen=released)
        uow.commit()
        return app


def schedule_assessment(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
                        assessor: str | None, at: datetime, *, now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.assess", application_id)
        app.schedule_assessment((assessor or principal.sub).strip(), at, now)
        uow.commit()
        return app


def _photo_refs(uow: RenovationUoW, refs: Sequence[str], *, application_id: uuid.UUID,
                work_order_id: uuid.UUID | None, field: str) -> list[str]:
    """Every ref must name a photo uploaded for this application (or this work order)."""
    ids: list[uuid.UUID] = []
    for ref in refs:
        try:
            if not ref.startswith(PHOTO_PREFIX):
                raise ValueError
            ids.append(uuid.UUID(ref[len(PHOTO_PREFIX):]))
        except ValueError:
            raise ValidationFailed.field(
                field, f"照片引用无效：{ref[:60]} (use the ref returned by the upload)"
            ) from None
    found = {p["id"]: p for p in uow.repo.photos(ids)}
    for pid in ids:
        p = found.get(pid)
        if p is None or p["application_id"] != application_id or (
            work_order_id is not None and p["work_order_id"] != work_order_id
        ):
            raise ValidationFailed.field(field, f"照片不存在：{PHOTO_PREFIX}{pid} (unknown photo)")
    return [f"{PHOTO_PREFIX}{pid}" for pid in ids]


def complete_assessment(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
                        findings: dict[str, str], needs: Sequence[str],
                        photo_refs: Sequence[str], *, checklist: dict[str, dict[str, str]],
                        now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.assess", application_id)
        refs = _photo_refs(uow, photo_refs, application_id=app.id, work_order_id=None,
                           field="photo_refs")
        app.complete_assessment(principal.sub, findings, needs, refs, now,
                                checklist=checklist)
        uow.commit()
        return app


def _lines(uow: RenovationUoW, raw: Sequence[dict[str, Any]]) -> list[tuple[CatalogueItem, int]]:
    items = uow.repo.items_by_code(line["item_code"] for line in raw)
    out: list[tuple[CatalogueItem, int]] = []
    errors: dict[str, list[str]] = {}
    for i, line in enumerate(raw):
        code = normalise(line["item_code"])
        item = items.get(code)
        if item is None:
            errors.setdefault(f"lines.{i}.item_code", []).append(
                f"目录中没有此项目：{code[:32]} (not in the catalogue)")
            continue
        try:
            out.append((item, parse_quantity(line["quantity"], item.unit)))
        except ValidationFailed as exc:
            for messages in exc.errors.values():
                errors.setdefault(f"lines.{i}.quantity", []).extend(messages)
    if errors:
        raise ValidationFailed(errors)
    return out


def draft_plan(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
               lines: Sequence[dict[str, Any]], *, now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.plan", application_id)
        programme = _programme(uow, app.programme_id)
        app.draft_plan(programme, _lines(uow, lines), principal.sub, now)
        uow.commit()
        return app


def confirm_plan(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
                 signatory: str, confirmation_ref: str | None, *, now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.plan", application_id)
        ref = None
        if confirmation_ref:
            ref = _photo_refs(uow, [confirmation_ref], application_id=app.id,
                              work_order_id=None, field="confirmation_ref")[0]
        app.confirm_plan(signatory, principal.sub, now, ref)
        uow.commit()
        return app


def revise_plan(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
                reason: str, *, now: datetime) -> Application:
    with uow:
        app = load(uow, principal, "application.plan", application_id)
        app.revise_plan(reason, now)
        uow.commit()
        return app


def approve_plan(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID, *,
                 now: datetime) -> Application:
    """Four eyes and both caps. The programme row is locked (``FOR UPDATE``) before the
    committed budget is summed, so two approvals cannot both spend its last fen."""
    with uow:
        app = load(uow, principal, "application.approve", application_id)
        programme = _programme(uow, app.programme_id, lock=True)
        programme.require_open()
        committed = uow.repo.committed_fen(programme.id, excluding=app.id)
        app.approve_plan(programme, committed, principal.sub, now)
        uow.commit()
        return app


def get(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID) -> Application:
    with uow:
        return load(uow, principal, "application.read", application_id, lock=False)


def contact(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
            purpose: str, *, now: datetime) -> dict[str, Any]:
    """The household's full contact details, for staff; every read is recorded in the
    access log (svckit.pipl) with its purpose, in the same transaction."""
    POLICY.require_role(principal, "application.contact")
    purpose = pipl.check_purpose(purpose)
    with uow:
        app = load(uow, principal, "application.contact", application_id, lock=False)
        pipl.record_read(uow, principal, record_type="application", record_id=app.id,
                         fields=CONTACT_FIELDS, purpose=purpose, at=now)
        uow.repo.add_history(app.id, now, "ContactRead", {}, actor=principal.sub)
        uow.commit()
        return {"application_id": app.id, "holder_name": app.holder_name,
                "address": app.address, "phone": app.phone}


def set_consent(uow: RenovationUoW, principal: Principal, application_id: uuid.UUID,
                consent: bool, *, now: datetime) -> Application:
    """Record the household's consent to processing (signed now), or its withdrawal."""
    with uow:
        app = load(uow, principal, "application.consent", application_id)
        if consent:
            app.record_consent(now)
        else:
            app.withdraw_consent(now)
        uow.commit()
        return app


def search(uow: RenovationUoW, principal: Principal, *, status: str | None,
           programme_id: uuid.UUID | None, division: str | None, page: int,
           page_size: int) -> tuple[list[Application], int]:
    POLICY.require_role(principal, "application.read")
    with uow:
        return uow.repo.applications(
            status=status, programme_id=programme_id, division=division,
            districts=principal.division_filter(), page=page, page_size=page_size,
        )
