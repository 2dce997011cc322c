"""Languages the describe-image API accepts."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    """Response languages (describe-image ``lang``)."""

    EN = "en"
    ZH = "zh"
    DE = "de"
    ES = "es"
    FR = "fr"
    JA = "ja"
    KO = "ko"
    FI = "fi"
    NL = "nl"
    PT = "pt"
    TR = "tr"
    RU = "ru"


# Languages the OCR can be told to expect (``ocr_languages``, ISO 639-1). PP-OCR reads the
# Latin-script ones, Chinese and Japanese; Tesseract (Debian's language packs) the others.
OCR_LANGUAGES: tuple[str, ...] = (
    "en", "de", "es", "fr", "it", "nl", "pt", "fi", "tr", "pl",
    "zh", "ja",
    "ru", "el", "ar", "he", "hi", "th", "ko",
)  # fmt: skip


def parse_ocr_languages(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"ru,en"`` (or a list) as known codes in the given order; ValueError names the
    allowed codes when one is unknown."""
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    if not all(isinstance(item, str) for item in items):
        raise ValueError("ocr_languages is a list of ISO 639-1 codes (strings), or 'ru,en'.")
    codes = [c.strip().lower() for item in items for c in item.split(",") if c.strip()]
    unknown = [c for c in codes if c not in OCR_LANGUAGES]
    if unknown:
        raise ValueError(
            f"Unknown OCR language {', '.join(repr(c) for c in unknown)}; "
            f"allowed (ISO 639-1): {', '.join(OCR_LANGUAGES)}."
        )
    return tuple(dict.fromkeys(codes))
