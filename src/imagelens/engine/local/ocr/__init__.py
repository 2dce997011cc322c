"""OCR: find text lines (detect), read them (recognise), put them in reading order (analyzer)."""

from imagelens.engine.local.ocr.analyzer import RapidOcrAnalyzer

__all__ = ["RapidOcrAnalyzer"]
