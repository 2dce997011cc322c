"""An analysis as the markdown answer of the describe-image API, headings in ``lang``."""

from __future__ import annotations

from imagelens.engine.tables import table_markdown
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
# "Table" and "page" per language, for each table's heading ("Table 2 (page 3)").
TABLE_WORDS: dict[Language, tuple[str, str]] = {
    Language.EN: ("Table", "page"),
    Language.ZH: ("表格", "页"),
    Language.DE: ("Tabelle", "Seite"),
    Language.ES: ("Tabla", "página"),
    Language.FR: ("Tableau", "page"),
    Language.JA: ("表", "ページ"),
    Language.KO: ("표", "페이지"),
    Language.FI: ("Taulukko", "sivu"),
    Language.NL: ("Tabel", "pagina"),
    Language.PT: ("Tabela", "página"),
    Language.TR: ("Tablo", "sayfa"),
    Language.RU: ("Таблица", "страница"),
}


def to_markdown(result: AnalysisResult, lang: Language = Language.EN) -> str:
    tags, text = HEADINGS.get(lang, HEADINGS[Language.EN])
    parts = [result.description]
    if result.tags:
        parts.append(f"**{tags}:** " + ", ".join(result.tags[:10]))
    if result.visible_text:
        quoted = "\n".join(f"> {line}" for line in result.visible_text.splitlines() if line)
        parts.append(f"**{text}:**\n\n" + quoted)
    table, page = TABLE_WORDS.get(lang, TABLE_WORDS[Language.EN])
    for number, found in enumerate(result.tables, start=1):
        where = f" ({page} {found.page})" if found.page is not None else ""
        parts.append(f"**{table} {number}{where}:**\n\n" + table_markdown(found))
    return "\n\n".join(parts)
