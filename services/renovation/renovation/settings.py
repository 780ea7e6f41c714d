"""The renovation service's own settings: the ONE place its environment is read.

``RENOVATION_PHOTO_DIR`` (default: ``<VAR_DIR>/renovation-photos``),
``RENOVATION_PHOTO_MAX_BYTES`` (default 5 MiB) and ``RENOVATION_PHOTO_MAX_MEGAPIXELS``
(default 40). The database URL is read by svckit's ``ServiceSettings``
(``RENOVATION_DATABASE_URL``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from svckit.config import PlatformSettings


class RenovationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENOVATION_", extra="ignore", frozen=True)

    #: where the local photo store keeps its files
    photo_dir: Path | None = None
    #: the largest photo accepted (bytes)
    photo_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    #: the most pixels a photo may have (millions), checked from its header before any
    #: pixel is decoded: refuses decompression bombs (below Pillow's own guard, ~89 MP)
    photo_max_megapixels: int = Field(default=40, ge=1, le=80)

    @property
    def photo_max_pixels(self) -> int:
        return self.photo_max_megapixels * 1_000_000

    def photo_root(self, platform: PlatformSettings) -> Path:
        return (self.photo_dir or platform.var_dir / "renovation-photos").resolve()
