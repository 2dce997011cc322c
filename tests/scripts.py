"""Lines of text in many scripts, rendered with Debian's Noto fonts, then degraded."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

_NOTO = "/usr/share/fonts/truetype/noto/"
_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"

# ISO 639-1 code -> (a line in that language, its font).
LINES: dict[str, tuple[str, str]] = {
    "ru": ("Привет, мир! Счёт № 42 / Итого: 1 250 руб.", _NOTO + "NotoSans-Regular.ttf"),
    "el": ("Καλημέρα κόσμε, τι κάνεις σήμερα", _NOTO + "NotoSans-Regular.ttf"),
    "ar": ("مرحبا بالعالم، كيف حالك اليوم", _NOTO + "NotoSansArabic-Regular.ttf"),
    "he": ("שלום עולם, מה שלומך היום", _NOTO + "NotoSansHebrew-Regular.ttf"),
    "hi": ("नमस्ते दुनिया, आप कैसे हैं", _NOTO + "NotoSansDevanagari-Regular.ttf"),
    "th": ("สวัสดีชาวโลก คุณสบายดีไหม", _NOTO + "NotoSansThai-Regular.ttf"),
    "ko": ("안녕하세요 세계, 잘 지내요", _CJK),
    "ja": ("こんにちは世界、お元気ですか", _CJK),
    "zh": ("你好世界，今天天气很好", _CJK),
}

# Three more lines per language: a paragraph with LINES' line first.
MORE_LINES: dict[str, tuple[str, str, str]] = {
    "ru": (
        "Доставка по всей России за три дня",
        "Цена со скидкой: 799 руб. до пятницы",
        "Осторожно, окрашено! Не прислоняться",
    ),
    "el": (
        "Η αγορά είναι ανοιχτή κάθε Σάββατο",
        "Τιμή: 12,50 ευρώ με ΦΠΑ",
        "Προσοχή! Απαγορεύεται η είσοδος",
    ),
    "ar": ("السوق مفتوح كل يوم سبت", "السعر خمسون ريالا فقط", "ممنوع التدخين في هذا المكان"),
    "he": ("החנות פתוחה בכל יום ראשון", "המחיר כולל מעמ ומשלוח", "הכניסה אסורה לזרים"),
    "hi": ("बाजार हर शनिवार खुला रहता है", "कृपया यहाँ धूम्रपान न करें", "आज मौसम बहुत अच्छा है"),
    "th": ("ตลาดเปิดทุกวันเสาร์", "ห้ามสูบบุหรี่ในบริเวณนี้", "ราคารวมภาษีมูลค่าเพิ่มแล้ว"),
    "ko": (
        "시장은 매주 토요일에 열립니다",
        "이곳에서는 흡연을 금지합니다",
        "오늘 날씨가 아주 좋네요",
    ),
    "ja": ("市場は毎週土曜日に開かれます", "ここでは禁煙です", "今日はとても良い天気ですね"),
    "zh": ("市场每周六开放", "此处禁止吸烟", "价格包含增值税和运费"),
}


def paragraph(code: str) -> list[tuple[str, str]]:
    """Four lines in ``code``'s language as ``render`` takes them."""
    text, face = LINES[code]
    return [(line, face) for line in (text, *MORE_LINES[code])]


def render(lines: list[tuple[str, str]], *, size: int = 36, pitch: float = 2.0) -> Image.Image:
    """``(text, font path)`` lines, black on white, one under another every ``pitch`` text
    sizes."""
    fonts = [ImageFont.truetype(path, size) for _text, path in lines]
    width = max(int(f.getlength(t)) for (t, _p), f in zip(lines, fonts, strict=True)) + 80
    image = Image.new("RGB", (width, round(size * (pitch * len(lines) + 1))), "white")
    draw = ImageDraw.Draw(image)
    for i, ((text, _path), f) in enumerate(zip(lines, fonts, strict=True)):
        draw.text((40, round(size * (pitch / 2 + pitch * i))), text, font=f, fill="black")
    return image


def render_columns(lines: list[str], face: str, *, size: int = 36) -> Image.Image:
    """``lines`` set in columns as Japanese and Chinese are: each top to bottom, the first
    on the right."""
    font = ImageFont.truetype(face, size)
    height = size * max(len(line) for line in lines) + 80
    image = Image.new("RGB", (size * 2 * len(lines) + 80, height), "white")
    draw = ImageDraw.Draw(image)
    for j, line in enumerate(lines):
        x = image.width - 40 - size - j * size * 2
        for i, char in enumerate(line):
            draw.text((x, 40 + i * size), char, font=font, fill="black")
    return image


def photographed(
    image: Image.Image, *, turn: float = 0.0, keystone: float = 0.0, seed: int = 0
) -> Image.Image:
    """``image`` turned ``turn`` degrees, seen in perspective (its left side ``keystone`` of
    its height shorter at top and bottom), with sensor noise and JPEG at quality 60."""
    out = image.rotate(turn, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    if keystone:
        w, h = out.size
        # The homography that maps the output's corners to the image's (PIL's convention).
        seen = [(0, keystone * h), (w, 0), (w, h), (0, h - keystone * h)]
        rows, rhs = [], []
        for (x, y), (u, v) in zip(seen, [(0, 0), (w, 0), (w, h), (0, h)], strict=True):
            rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
            rhs += [u, v]
        coeffs = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
        out = out.transform(
            (w, h),
            Image.Transform.PERSPECTIVE,
            tuple(coeffs),
            Image.Resampling.BICUBIC,
            fillcolor="white",
        )
    grain = np.random.default_rng(seed).normal(0, 10, (out.height, out.width, 1))
    noisy = np.clip(np.asarray(out, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, "JPEG", quality=60)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def degrade(image: Image.Image, *, seed: int = 0, grain: float = 18) -> Image.Image:
    """Slightly rotated, blurred, noisy (``grain``: the noise's spread) and JPEG'd, as a
    phone photo of a print."""
    rng = random.Random(seed)
    out = image.rotate(
        rng.uniform(-2, 2), expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC
    )
    out = out.filter(ImageFilter.GaussianBlur(0.8))
    # Seeded (Image.effect_noise is not): the same image in every run.
    noise_values = np.random.default_rng(seed).normal(128, grain, (out.height, out.width))
    noise = Image.fromarray(np.clip(noise_values, 0, 255).astype(np.uint8)).convert("RGB")
    out = Image.blend(out, noise, 0.08)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=60)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def on_sign(lines: list[tuple[str, str]], *, seed: int = 0) -> Image.Image:
    """``lines`` (30 px) in white on a blue sign, turned a few degrees, on a photo of a
    coffee cup; blurred, noisy, JPEG'd."""
    from tests.imagegen import photo

    base = photo("coffee").convert("RGB").resize((1000, 700))
    fonts = [ImageFont.truetype(path, 30) for _text, path in lines]
    width = max(int(f.getlength(t)) for (t, _p), f in zip(lines, fonts, strict=True)) + 80
    sign = Image.new("RGBA", (width, 54 * len(lines) + 30), (30, 90, 160, 255))
    draw = ImageDraw.Draw(sign)
    for i, ((text, _path), f) in enumerate(zip(lines, fonts, strict=True)):
        draw.text((40, 18 + 54 * i), text, font=f, fill=(250, 250, 250))
    turned = sign.rotate(
        random.Random(seed).uniform(-6, 6), expand=True, resample=Image.Resampling.BICUBIC
    )
    base.paste(turned, (80, 200), turned)
    return photographed(base.filter(ImageFilter.GaussianBlur(0.7)), seed=seed)


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def cer(got: str, want: str) -> float:
    """Character error, spaces ignored (Tesseract and PP-OCR space CJK and Thai differently)."""
    from rapidfuzz.distance import Levenshtein

    return float(Levenshtein.normalized_distance(got.replace(" ", ""), want.replace(" ", "")))
