"""Photo content checks without Pillow: the bytes must be a JPEG or PNG whose header
decodes to sane dimensions. The file name and the declared Content-Type are ignored."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from svckit.domain.errors import ValidationFailed

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_NO_LENGTH = {0x01, 0xD8, *range(0xD0, 0xD8)}


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    extension: str
    width: int
    height: int


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed.field("file", message)


def sniff(data: bytes, *, max_side: int = 12_000) -> ImageInfo:
    """Identify a JPEG or PNG by its content; raise ``ValidationFailed`` otherwise."""
    if data.startswith(PNG_SIGNATURE):
        info = _png(data)
    elif data.startswith(b"\xff\xd8\xff"):
        info = _jpeg(data)
    else:
        raise _bad("只接受JPEG或PNG图片 (only JPEG or PNG images are accepted)")
    if not (0 < info.width <= max_side and 0 < info.height <= max_side):
        raise _bad(
            f"图片尺寸{info.width}x{info.height}无效或过大 (bad or too large dimensions)"
        )
    return info


def _png(data: bytes) -> ImageInfo:
    if len(data) < 33 or data[12:16] != b"IHDR" or struct.unpack(">I", data[8:12])[0] != 13:
        raise _bad("PNG文件头损坏 (corrupt PNG header)")
    width, height = struct.unpack(">II", data[16:24])
    if not data.endswith(PNG_END):
        raise _bad("PNG文件不完整 (truncated PNG)")
    return ImageInfo("image/png", "png", width, height)


def _jpeg(data: bytes) -> ImageInfo:
    i, n = 2, len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            raise _bad("JPEG结构损坏 (corrupt JPEG segment)")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _NO_LENGTH:
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before a frame header
            break
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if length < 2:
            raise _bad("JPEG结构损坏 (corrupt JPEG segment)")
        if marker in _SOF:
            if i + 9 > n:
                break
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            if data.find(b"\xff\xd9", i) == -1:
                raise _bad("JPEG文件不完整 (truncated JPEG)")
            return ImageInfo("image/jpeg", "jpg", width, height)
        i += 2 + length
    raise _bad("JPEG缺少帧头 (no JPEG frame header)")
