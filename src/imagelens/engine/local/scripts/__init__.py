"""Text in scripts PP-OCR does not read (Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai,
Hangul): found among its boxes, re-read by Tesseract in the right language."""

from imagelens.engine.local.scripts.reread import reread
from imagelens.engine.local.scripts.tesseract import TesseractReader

__all__ = ["TesseractReader", "reread"]
