"""Photo content: the bytes must be a JPEG or PNG (identified by content; the file name and
the declared Content-Type are ignored). What is stored is the image re-encoded by Pillow:
upright (the EXIF orientation applied) and without any metadata, so no EXIF block, GPS
position or camera serial leaves the uploader's phone.

The size is checked from the header, before a single pixel is decoded (Pillow's
``Image.open`` reads only the header): an image over the megapixel cap (a setting, at
most 80 MP) is refused at once. Pillow's own decompression-bomb guard (an error from
twice its ~89 MP limit) stays on; its ancillary chunks are size-limited by Pillow too.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from svckit.domain.errors import ValidationFailed

#: Pillow format -> (content type, file extension)
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class CleanImage:
    content_type: str
    extension: str
    width: int
    height: int
    data: bytes


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed.field("file", message)


def reencode(data: bytes, *, max_pixels: int) -> CleanImage:
    """The image re-encoded upright and without metadata; ``ValidationFailed`` when it is
    not a readable JPEG or PNG, or has more than ``max_pixels`` pixels."""
    with warnings.catch_warnings():
        # Pillow warns from ~89 MP and refuses from twice that: the cap below is lower
        # (the setting allows at most 80 MP) and names the size, so its warning adds nothing
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise _bad(f"图片尺寸{width}x{height}超过{max_pixels // 1_000_000}百万像素 "
                               f"(more than {max_pixels} pixels)")
                content_type, extension = FORMATS[str(img.format)]
                upright = ImageOps.exif_transpose(img)  # decodes the pixels
                upright.info.clear()  # nothing of the original's metadata is written
                out = io.BytesIO()
                if img.format == "JPEG":
                    upright.save(out, "JPEG", quality=JPEG_QUALITY)
                else:
                    upright.save(out, "PNG", optimize=True)
        except Image.DecompressionBombError:
            raise _bad(f"图片超过{max_pixels // 1_000_000}百万像素 "
                       f"(more than {max_pixels} pixels)") from None
        except UnidentifiedImageError:
            raise _bad("只接受JPEG或PNG图片 (only JPEG or PNG images are accepted)") from None
        except (OSError, SyntaxError, ValueError):
            raise _bad("图片已损坏，无法读取 (the image cannot be decoded)") from None
    return CleanImage(content_type, extension, upright.width, upright.height, out.getvalue())
