"""Which analyzers exist, by name; the pipeline asks here instead of importing them."""

from __future__ import annotations

from collections.abc import Callable

from imagelens.config import EngineSettings
from imagelens.engine.base import Analyzer
from imagelens.engine.local.barcodes import ZxingBarcodeReader
from imagelens.engine.local.colors import ColorAnalyzer
from imagelens.engine.local.faces import FaceAnalyzer
from imagelens.engine.local.moderation import NudeNetModerator
from imagelens.engine.local.ocr import RapidOcrAnalyzer
from imagelens.engine.local.tagger import ImageNetTagger

AnalyzerFactory = Callable[[EngineSettings], Analyzer]

LOCAL_ANALYZERS: dict[str, AnalyzerFactory] = {
    "ocr": RapidOcrAnalyzer,
    "tags": ImageNetTagger,
    "moderation": NudeNetModerator,
    "colors": lambda _settings: ColorAnalyzer(),
    "faces": lambda _settings: FaceAnalyzer(),
    "barcodes": lambda _settings: ZxingBarcodeReader(),
}


def local_analyzers(settings: EngineSettings) -> list[Analyzer]:
    """One instance of every local analyzer (models load on first use, not here)."""
    return [factory(settings) for factory in LOCAL_ANALYZERS.values()]
