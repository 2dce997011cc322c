"""describe-image prompts on the local engine: answer what the local signals can answer.

Without a vision LLM the prompt cannot be followed freely, but many prompts ask for something
the local analysis has: a brief or a detailed description, the text in reading order, tags,
colours, how many people, whether it is safe, what kind of document it is. The prompt's
intent is found by keywords in the 12 languages (written here: a keyword table, no model);
anything else gets the description and one sentence saying free-form questions need a VLM,
in the request's language.
"""

from __future__ import annotations

from enum import StrEnum

from imagelens.engine.describe.markdown import to_markdown
from imagelens.types import AnalysisResult, Language


class Intent(StrEnum):
    BRIEF = "brief"
    DETAILED = "detailed"
    TEXT = "text"
    TAGS = "tags"
    COLORS = "colors"
    PEOPLE = "people"
    SAFETY = "safety"
    KIND = "kind"  # what kind of image or document
    DESCRIBE = "describe"
    OTHER = "other"


# Checked in this order; the first intent with a keyword in the (lower-cased) prompt wins.
_KEYWORDS: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    (Intent.TEXT, ("transcri", "extract the text", "read the text", "what does it say",
                   "ocr", "the text", "all text", "文字", "テキスト", "텍스트", "text ab",
                   "den text", "el texto", "le texte", "o texto", "de tekst", "tekstin",
                   "metni", "текст")),
    (Intent.TAGS, ("tag", "keyword", "hashtag", "标签", "关键词", "タグ", "キーワード", "태그",
                   "키워드", "schlagw", "stichw", "etiqueta", "palabras clave", "mots-cl",
                   "étiquette", "trefwoord", "avainsan", "tunniste", "etiket", "anahtar kelime",
                   "тег", "ключевые слова")),
    (Intent.COLORS, ("colour", "color", "颜色", "色", "색", "farbe", "couleur", "kleur", "väri",
                     "cor ", "cores", "renk", "цвет")),
    (Intent.PEOPLE, ("how many people", "how many persons", "people", "person", "faces",
                     "多少人", "几个人", "何人", "몇 명", "사람", "personen", "menschen",
                     "personas", "gente", "personnes", "pessoas", "ihmis", "henkil", "kişi",
                     "insan", "люд", "человек")),
    (Intent.SAFETY, ("safe", "nsfw", "explicit", "nudity", "appropriate", "安全", "不雅",
                     "안전", "sicher", "jugendfrei", "seguro", "segura", "sûr", "approprié",
                     "veilig", "turvalli", "güvenli", "безопас")),
    (Intent.KIND, ("what kind", "what type", "which kind", "what sort", "什么类型", "哪种",
                   "どんな種類", "種類", "어떤 종류", "종류", "welche art", "was für ein",
                   "qué tipo", "quel type", "quel genre", "wat voor", "millainen", "mikä tyyppi",
                   "que tipo", "ne tür", "hangi tür", "какой тип", "что за")),
    (Intent.BRIEF, ("brief", "short", "one sentence", "concise", "summar", "简要", "简短",
                    "一句", "簡潔", "簡単", "短く", "간단", "짧게", "kurz", "breve", "bref",
                    "brève", "court", "kort", "lyhyesti", "lyhyt", "kısa", "кратк", "коротк")),
    (Intent.DETAILED, ("detail", "thorough", "everything", "详细", "詳しく", "詳細", "자세히",
                       "상세", "ausführlich", "genau", "detallad", "détaill", "gedetailleerd",
                       "uitgebreid", "yksityiskoht", "detalhad", "ayrıntı", "detaylı",
                       "подробн", "детальн")),
    (Intent.DESCRIBE, ("describe", "description", "what is in", "what's in", "what is shown",
                       "描述", "说明", "描写", "説明", "설명", "묘사", "beschreib", "describ",
                       "descri", "beschrijf", "kuvaile", "kuvaa", "açıkla", "betimle", "tarif",
                       "опиши", "описан")),
)  # fmt: skip

# no_text, no_faces, safe, needs_vlm
_SENTENCES: dict[Language, tuple[str, str, str, str]] = {
    Language.EN: ("No text is visible.", "No people are visible (no faces).",
                  "Nothing unsafe was detected.",
                  "Free-form questions need a vision LLM configured on this server."),
    Language.ZH: ("图中没有可见的文字。", "画面中没有人（没有人脸）。", "未检测到不安全的内容。",
                  "自由提问需要在此服务器上配置视觉大模型。"),
    Language.DE: ("Es ist kein Text zu sehen.",
                  "Es sind keine Personen zu sehen (keine Gesichter).",
                  "Es wurde nichts Unangemessenes erkannt.",
                  "Freie Fragen brauchen ein auf diesem Server eingerichtetes Vision-LLM."),
    Language.ES: ("No hay texto visible.", "No se ven personas (ninguna cara).",
                  "No se detectó nada inapropiado.",
                  "Las preguntas libres necesitan un LLM de visión configurado en este servidor."),
    Language.FR: ("Aucun texte n’est visible.", "Aucune personne n’est visible (aucun visage).",
                  "Rien d’inapproprié n’a été détecté.",
                  "Les questions libres nécessitent un LLM de vision configuré sur ce serveur."),
    Language.JA: ("見えるテキストはありません。", "人は写っていません（顔なし）。",
                  "不適切な内容は検出されませんでした。",
                  "自由な質問には、このサーバーに設定されたビジョンLLMが必要です。"),
    Language.KO: ("보이는 텍스트가 없습니다.", "보이는 사람이 없습니다(얼굴 없음).",
                  "부적절한 내용이 감지되지 않았습니다.",
                  "자유로운 질문에는 이 서버에 설정된 비전 LLM이 필요합니다."),
    Language.FI: ("Tekstiä ei näy.", "Ihmisiä ei näy (ei kasvoja).",
                  "Mitään sopimatonta ei havaittu.",
                  "Vapaamuotoiset kysymykset vaativat tälle palvelimelle määritetyn "
                  "kuva-LLM:n."),
    Language.NL: ("Er is geen tekst zichtbaar.", "Er zijn geen personen te zien (geen gezichten).",
                  "Er is niets ongepasts gevonden.",
                  "Vrije vragen vereisen een vision-LLM dat op deze server is ingesteld."),
    Language.PT: ("Não há texto visível.", "Não há pessoas visíveis (nenhum rosto).",
                  "Nada impróprio foi detectado.",
                  "Perguntas livres exigem um LLM de visão configurado neste servidor."),
    Language.TR: ("Görünen bir metin yok.", "Görünen kimse yok (yüz yok).",
                  "Uygunsuz bir şey algılanmadı.",
                  "Serbest sorular için bu sunucuda yapılandırılmış bir görsel LLM gerekir."),
    Language.RU: ("Видимого текста нет.", "Людей не видно (лиц нет).",
                  "Ничего недопустимого не обнаружено.",
                  "Для свободных вопросов на сервере нужна настроенная визуальная LLM."),
}  # fmt: skip


def intent_of(prompt: str) -> Intent:
    lowered = prompt.lower()
    for intent, words in _KEYWORDS:
        if any(word in lowered for word in words):
            return intent
    return Intent.OTHER


def answer_locally(result: AnalysisResult, prompt: str, lang: Language) -> str:
    """The markdown answer to ``prompt`` from a local analysis, in ``lang``."""
    no_text, no_faces, safe, needs_vlm = _SENTENCES.get(lang, _SENTENCES[Language.EN])
    intent = intent_of(prompt)
    if intent is Intent.TEXT:
        return result.visible_text or no_text
    if intent is Intent.TAGS:
        return ", ".join(result.tags) if result.tags else result.description
    if intent is Intent.COLORS and result.colors is not None:
        return "\n".join(f"- `{c.hex}` {round(c.fraction * 100)}%" for c in result.colors.dominant)
    if intent is Intent.PEOPLE:
        faces = result.moderation.face_count if result.moderation else 0
        return result.description if faces else f"{result.description} {no_faces}"
    if intent is Intent.SAFETY:
        return safe  # a flagged image never gets here: describe-image refuses it
    if intent in (Intent.BRIEF, Intent.KIND):
        return result.description
    if intent is Intent.OTHER:
        return f"{to_markdown(result, lang)}\n\n{needs_vlm}"
    return to_markdown(result, lang)
