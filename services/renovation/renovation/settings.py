"""The renovation service's own settings: the ONE place its environment is read.

``RENOVATION_PHOTO_DIR`` (default: ``<VAR_DIR>/renovation-photos``) and
``RENOVATION_PHOTO_MAX_BYTES`` (default 5 MiB). The database URL is read by svckit's
``ServiceSettings`` (``RENOVATION_DATABASE_URL``).
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
    #: the largest width or height accepted (pixels): refuses decompression bombs
    photo_max_pixels_side: int = Field(default=12_000, ge=16)

    def photo_root(self, platform: PlatformSettings) -> Path:
        return (self.photo_dir or platform.var_dir / "renovation-photos").resolve()
