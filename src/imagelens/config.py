"""Settings, read from the environment in one place.

Every knob has the prefix ``IMAGELENS_``; nested groups use ``__`` (for example
``IMAGELENS_LIMITS__MAX_PIXELS=50000000``). Nothing here runs at import time: call
:func:`load_settings` where the process starts and pass the result down.
"""

from __future__ import annotations

import os

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class LimitSettings(BaseModel):
    """What intake accepts before any pixel is decoded."""

    max_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    max_pixels: int = Field(default=100_000_000, gt=0)


def _default_threads() -> int:
    return max(1, os.cpu_count() or 1)


class EngineSettings(BaseModel):
    """How the local models run."""

    # Threads each model runtime may use. Sized to the cores: more only adds contention.
    threads: int = Field(default_factory=_default_threads, ge=1)
    # Analyzers of one image that may run at the same time.
    concurrency: int = Field(default=2, ge=1)
    # Longest side the OCR detector sees; smaller is faster, too small loses small print.
    # 736 reads 11 px text on an A4 page at 150 dpi; 960 costs +50% detector time for no gain
    # on the benchmark pages.
    ocr_det_max_side: int = Field(default=736, ge=128)
    # Lines recognised per batch. Batches pad every line to the widest one; one at a time
    # was fastest on a 2-core CPU (benchmarks/engine.py).
    ocr_rec_batch: int = Field(default=1, ge=1)
    ocr_min_confidence: float = Field(default=0.5, ge=0, le=1)
    # Angle classifier for upside-down lines; off by default because most text is upright.
    ocr_use_angle_classifier: bool = False
    tag_min_confidence: float = Field(default=0.05, ge=0, le=1)
    max_tags: int = Field(default=10, ge=1)
    moderation_threshold: float = Field(default=0.5, ge=0, le=1)


class Settings(BaseSettings):
    """All of imagelens's settings."""

    model_config = SettingsConfigDict(
        env_prefix="IMAGELENS_", env_nested_delimiter="__", extra="ignore"
    )

    limits: LimitSettings = LimitSettings()
    engine: EngineSettings = EngineSettings()


def load_settings() -> Settings:
    """Build the settings from the environment (call once, where the process starts)."""
    return Settings()
