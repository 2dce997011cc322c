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
