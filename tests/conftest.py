from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# A test that reaches for the network is a broken test.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from imagelens.config import Settings
from imagelens.engine import Engine


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """One engine with real models for the whole session (models load once)."""
    with Engine(settings) as eng:
        eng.warmup()
        yield eng
