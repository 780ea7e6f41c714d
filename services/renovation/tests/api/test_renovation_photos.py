"""Photos: what is stored is a re-encoded image without EXIF (no GPS position), a huge
image is refused from its header before any pixel is decoded, and the content is served
so that a browser cannot be made to run it."""

from __future__ import annotations

import io
import re
import struct
import zlib
from typing import Any

from PIL import Image, ImageFile

ORIENTATION, GPS_IFD = 0x0112, 0x8825


def _jpeg_with_gps(width: int = 40, height: int = 20) -> bytes:
    """A camera-like JPEG: EXIF with a GPS position and 'rotate 90° clockwise' (6)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "HUAWEI"
    exif[GPS_IFD] = {1: "N", 2: (36.0, 27.0, 24.5), 3: "E", 4: (115.0, 59.0, 3.2)}
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the fixture has GPS
    return data


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but whose pixels are a few bytes:
    decoding it would fail, so only a check on the header can refuse it by its size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _upload(client: Any, headers: dict[str, str], app_id: Any, data: bytes,
            name: str = "IMG_0001.jpg") -> Any:
    return client.post(f"/applications/{app_id}/photos", headers=headers,
                       content_type="multipart/form-data",
                       data={"purpose": "assessment", "file": (io.BytesIO(data), name)})


def test_a_jpeg_is_stored_without_exif_or_gps_and_upright(world: Any, client: Any,
                                                          auth: Any) -> None:
    app, headers = world.application(), auth(world.approver)
    r = _upload(client, headers, app.id, _jpeg_with_gps(40, 20))
    assert r.status_code == 201, r.json
    # the orientation was applied: the 40x20 sensor image is a 20x40 portrait
    assert (r.json["width"], r.json["height"]) == (20, 40)
    content = client.get(f"/photos/{r.json['id']}/content", headers=headers)
    assert content.status_code == 200
    stored = Image.open(io.BytesIO(content.data))
    assert stored.format == "JPEG" and stored.size == (20, 40)
    assert dict(stored.getexif()) == {} and "exif" not in stored.info
    assert b"Exif" not in content.data and b"HUAWEI" not in content.data
    assert r.json["size_bytes"] == len(content.data)


def test_a_png_claiming_12000_by_12000_is_refused_from_its_header(
    world: Any, client: Any, auth: Any, monkeypatch: Any
) -> None:
    decoded: list[Any] = []
    real_load = ImageFile.ImageFile.load

    def spy_load(self: Any) -> Any:
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy_load)
    app = world.application()
    r = _upload(client, auth(world.approver), app.id, _png_header(12_000, 12_000), "a.png")
    assert r.status_code == 422, r.json
    assert r.headers["Content-Type"] == "application/problem+json"
    message = r.json["errors"]["file"][0]
    assert "12000x12000" in message and re.search(r"[\u4e00-\u9fff]", message)
    assert decoded == []  # refused before a single pixel was decoded


def test_photo_content_cannot_be_sniffed_or_run(world: Any, client: Any, auth: Any) -> None:
    app, headers = world.application(), auth(world.approver)
    r = _upload(client, headers, app.id, _jpeg_with_gps(),
                name='"><script>alert(1)</script>照片.jpg')
    assert r.status_code == 201, r.json
    content = client.get(f"/photos/{r.json['id']}/content", headers=headers)
    assert content.status_code == 200
    assert content.headers["Content-Type"] == "image/jpeg"
    assert content.headers["X-Content-Type-Options"] == "nosniff"
    assert content.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert content.headers["Content-Disposition"] == \
        f'inline; filename="photo-{r.json["id"]}.jpg"'
