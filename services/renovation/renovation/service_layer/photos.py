"""Photo upload: content checked and re-encoded without metadata before anything is
written (``images.reencode``); the file and its row are written together (the file is
removed again if the row does not commit)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from svckit.auth.principal import Principal, Role
from svckit.domain.errors import NotFound, ValidationFailed

from renovation.adapters.storage import PhotoStorage
from renovation.service_layer.applications import PHOTO_PREFIX, load
from renovation.service_layer.images import CleanImage, reencode
from renovation.service_layer.policy import POLICY
from renovation.service_layer.uow import RenovationUoW
from renovation.service_layer.workorders import load_order

APPLICATION_PURPOSES = ("assessment", "confirmation")
ORDER_PURPOSES = ("before", "after", "inspection")


class PhotoTooLarge(ValidationFailed):
    code = "payload-too-large"
    title = "图片过大"


def check_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanImage:
    if not data:
        raise ValidationFailed.field("file", "文件为空 (empty file)")
    if len(data) > max_bytes:
        raise PhotoTooLarge(
            {"file": [f"图片不能超过{max_bytes // 1024} KB (at most {max_bytes} bytes)"]},
            max_bytes=max_bytes, size_bytes=len(data),
        )
    return reencode(data, max_pixels=max_pixels)


def upload(
    uow: RenovationUoW,
    storage: PhotoStorage,
    principal: Principal,
    *,
    application_id: uuid.UUID | None = None,
    work_order_id: uuid.UUID | None = None,
    purpose: str,
    data: bytes,
    max_bytes: int,
    max_pixels: int,
    now: datetime,
) -> dict[str, Any]:
    image = check_photo(data, max_bytes=max_bytes, max_pixels=max_pixels)
    with uow:
        allowed: tuple[str, ...]
        if work_order_id is not None:
            order = load_order(uow, principal, "work_order.photo", work_order_id, lock=False)
            allowed, app_id = ORDER_PURPOSES, order.application_id
        else:
            assert application_id is not None
            app = load(uow, principal, "application.photo", application_id, lock=False)
            allowed, app_id = APPLICATION_PURPOSES, app.id
        if purpose not in allowed:
            raise ValidationFailed.field(
                "purpose", f"用途应为 {', '.join(allowed)} (purpose must be one of these)")
        photo_id = uuid.uuid4()
        key = f"{app_id}/{photo_id}.{image.extension}"
        row = {
            "id": photo_id, "application_id": app_id, "work_order_id": work_order_id,
            "purpose": purpose, "storage_key": key, "content_type": image.content_type,
            "size_bytes": len(image.data), "width": image.width, "height": image.height,
            "sha256": hashlib.sha256(image.data).hexdigest(), "uploaded_by": principal.sub,
            "uploaded_at": now,
        }
        uow.repo.add_photo(**row)
        uow.repo.add_history(app_id, now, "PhotoUploaded",
                             {"photo_id": str(photo_id), "purpose": purpose},
                             actor=principal.sub, work_order_id=work_order_id)
        uow.session.flush()
        storage.put(key, image.data, image.content_type)
        try:
            uow.commit()
        except BaseException:
            storage.delete(key)
            raise
    return {**row, "ref": f"{PHOTO_PREFIX}{photo_id}"}


def read(uow: RenovationUoW, storage: PhotoStorage, principal: Principal,
         photo_id: uuid.UUID) -> tuple[dict[str, Any], bytes]:
    POLICY.require_role(principal, "photo.read")
    with uow:
        row = uow.repo.photo(photo_id)
        if row is None:
            raise NotFound("photo", photo_id)
        try:  # whoever may read its work order (contractors) or its household
            if principal.role is Role.CONTRACTOR:
                if row["work_order_id"] is None:
                    raise NotFound("photo", photo_id)
                load_order(uow, principal, "work_order.read", row["work_order_id"], lock=False)
            else:
                load(uow, principal, "application.read", row["application_id"], lock=False)
        except NotFound:
            raise NotFound("photo", photo_id) from None
    return row, storage.get(row["storage_key"])
