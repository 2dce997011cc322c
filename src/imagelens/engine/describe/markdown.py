"""An analysis as the markdown answer of the describe-image API, headings in ``lang``."""

from __future__ import annotations

from imagelens.types import AnalysisResult, Language

# (tags, visible text) per language; the quoted text itself stays as it was read.
HEADINGS: dict[Language, tuple[str, str]] = {
    Language.EN: ("Tags", "Visible text"),
    Language.ZH: ("标签", "可见文字"),
    Language.DE: ("Schlagwörter", "Sichtbarer Text"),
    Language.ES: ("Etiquetas", "Texto visible"),
    Language.FR: ("Mots-clés", "Texte visible"),
    Language.JA: ("タグ", "表示されているテキスト"),
    Language.KO: ("태그", "보이는 텍스트"),
    Language.FI: ("Tunnisteet", "Näkyvä teksti"),
    Language.NL: ("Trefwoorden", "Zichtbare tekst"),
    Language.PT: ("Etiquetas", "Texto visível"),
    Language.TR: ("Etiketler", "Görünen metin"),
    Language.RU: ("Теги", "Видимый текст"),
}


def to_markdown(result: AnalysisResult, lang: Language = Language.EN) -> str:
    tags, text = HEADINGS.get(lang, HEADINGS[Language.EN])
    parts = [result.description]
    if result.tags:
        parts.append(f"**{tags}:** " + ", ".join(result.tags[:10]))
    if result.visible_text:
        quoted = "\n".join(f"> {line}" for line in result.visible_text.splitlines() if line)
        parts.append(f"**{text}:**\n\n" + quoted)
    return "\n\n".join(parts)
