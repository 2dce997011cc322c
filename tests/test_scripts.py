"""Text in other scripts: detected and re-read by Tesseract, or read as the hint says."""

from __future__ import annotations

import numpy as np
import pytest

from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.local.layout import Box
from imagelens.engine.local.scripts.detect import suspect, worth_probing
from imagelens.engine.local.scripts.tesseract import LineRead, TesseractReader
from imagelens.types import parse_ocr_languages
from tests.imagegen import encode, photo
from tests.scripts import (
    LINES,
    MORE_LINES,
    cer,
    degrade,
    on_sign,
    paragraph,
    photographed,
    png,
    render,
    render_columns,
)

_NOTO = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"


def _text(engine: Engine, image_png: bytes, *langs: str) -> str:
    options = AnalysisOptions(analyzers=frozenset({"ocr"}), ocr_languages=langs)
    return engine.analyze(image_png, options).visible_text or ""


@pytest.mark.parametrize("code", sorted(LINES))
def test_each_script_is_read_without_a_hint(engine: Engine, code: str) -> None:
    text, font = LINES[code]
    assert cer(_text(engine, png(render([(text, font)]))), text) <= 0.10


@pytest.mark.parametrize("code", ["ru", "el", "ar", "hi", "ko"])
def test_degraded_lines_are_still_read(engine: Engine, code: str) -> None:
    text, font = LINES[code]
    assert cer(_text(engine, png(degrade(render([(text, font)], size=40)))), text) <= 0.25


@pytest.mark.parametrize("code", ["ru", "el", "th"])
def test_turned_paragraphs_of_small_text_are_read(engine: Engine, code: str) -> None:
    """Four lines of 22 px text turned 1.7 degrees. Cut square, a turned line's box took in
    pieces of the lines above and below, and Tesseract lost words (error: Russian 0.39, Thai
    0.38, Greek 0.10); cut along the detector's quads it reads them."""
    lines = paragraph(code)
    got = _text(engine, png(degrade(render(lines, size=22), seed=23)))
    assert cer(got, "\n".join(text for text, _font in lines)) <= 0.06


@pytest.mark.parametrize("size", [30, 36])
def test_lines_tesseract_reads_as_nothing_on_one_line_are_read_raw(
    engine: Engine, size: int
) -> None:
    """Noisy Arabic renders of which Tesseract's single-line mode reads two lines of four as
    nothing (error 0.51); read again as raw lines, all four are there, with their spaces
    (kept for Korean, Tesseract's preserve_interword_spaces dropped them in Arabic)."""
    lines = paragraph("ar")
    got = _text(engine, png(degrade(render(lines, size=size), seed=37, grain=24)))
    assert cer(got, "\n".join(text for text, _font in lines)) <= 0.06
    assert "حالك اليوم" in got


@pytest.mark.parametrize(
    ("code", "size", "turn", "keystone", "seed"),
    [
        # Single-line mode read both probed lines as nothing in every language (a Hindi
        # misreading won the probe: error 1.0); probed again as raw lines, Arabic wins.
        ("ar", 30, 0.0, 0.08, 1),
        # A line read letter for letter at 0.44, under the OCR's 0.5 floor (error 0.23).
        ("ar", 26, 5.0, 0.0, 0),
        # 16 px lines 1.8 sizes apart: a crop holds the tone marks of the lines around it;
        # single-line mode read letters at 0.52 (error 0.26), as a block it reads the line.
        ("th", 16, 0.0, 0.0, 1),
    ],
)
def test_photographed_paragraphs_are_read(
    engine: Engine, code: str, size: int, turn: float, keystone: float, seed: int
) -> None:
    lines = paragraph(code)
    image = photographed(
        render(lines, size=size, pitch=1.8), turn=turn, keystone=keystone, seed=seed
    )
    got = _text(engine, png(image))
    assert cer(got, "\n".join(text for text, _font in lines)) <= 0.06


@pytest.mark.parametrize("code", ["ru", "ar", "hi"])
def test_a_sign_on_a_photo_is_read_without_its_edge(engine: Engine, code: str) -> None:
    """Two lines on a turned sign on a photo: Tesseract read the sign's edge as marks of
    their own at the lines' ends ("_ Привет", ": नमस्ते")."""
    lines = paragraph(code)[:2]
    got = _text(engine, png(on_sign(lines, seed=6)))
    assert cer(got, "\n".join(text for text, _font in lines)) <= 0.06
    for line in got.splitlines():
        words = line.split()
        assert words[0][0].isalpha() and any(ch.isalpha() for ch in words[-1]), got


@pytest.mark.parametrize("code", ["ja", "zh"])
def test_text_set_in_columns_is_read_right_to_left(engine: Engine, code: str) -> None:
    """Three columns of Japanese or Chinese, photographed: each column is a line, the
    rightmost first (read as one line left to right, the last column came first)."""
    text, face = LINES[code]
    lines = [text, *MORE_LINES[code][:2]]
    got = _text(engine, png(photographed(render_columns(lines, face), seed=1)))
    assert cer(got, "\n".join(lines)) <= 0.05
    assert [line[:3] for line in got.splitlines()] == [line[:3] for line in lines]


def test_russian_receipt_with_latin_product_codes(engine: Engine) -> None:
    lines = [
        "Магазин Продукты",
        "Молоко 3,2% SKU-4821 89,90",
        "Хлеб ржаной AB-1234 45,00",
        "Итого: 134,90 руб.",
    ]
    got = _text(engine, png(render([(line, _NOTO) for line in lines])))
    assert cer(got, "\n".join(lines)) <= 0.12
    assert "Молоко" in got and "Итого" in got
    assert "4821" in got and "1234" in got


@pytest.mark.parametrize("code", ["ar", "he"])
def test_right_to_left_stays_in_logical_order(engine: Engine, code: str) -> None:
    text, font = LINES[code]
    got = _text(engine, png(render([(text, font)])))
    words = text.replace("،", " ").replace(",", " ").split()
    # The first word written (rightmost) comes first in the string.
    assert got.index(words[0][:3]) < got.index(words[-1][:3])


def test_hint_overrides_detection(engine: Engine) -> None:
    # Capitals that look Latin: PP-OCR reads them confidently as "KOMETA", nothing is suspect.
    image = png(render([("КОМЕТА ТАКСИ", _NOTO)]))
    assert "КОМЕТА" in _text(engine, image, "ru")
    # A hint naming only PP-OCR's scripts turns the re-reading off.
    text, font = LINES["ru"]
    assert "Привет" not in _text(engine, png(render([(text, font)])), "en")


def test_latin_and_chinese_are_left_to_pp_ocr() -> None:
    assert not suspect(Box("Hello world, how are you", 0.99, 0, 0, 400, 40))
    assert suspect(Box(", !   42", 0.98, 0, 0, 700, 50))
    assert suspect(Box("Kαλημρα", 0.95, 0, 0, 200, 50))


def test_texture_on_photos_is_not_probed() -> None:
    # Suspect boxes PP-OCR found on the benchmark's photos (coffee foam, Grace Hopper's
    # uniform): squarish, or small, with a symbol or nothing read.
    for box in (
        Box("8", 0.47, 13, 0, 545, 399),
        Box("***", 0.93, 0, 28, 156, 148),
        Box("**", 0.63, 0, 130, 141, 239),
        Box("", 0.0, 351, 510, 413, 527),
    ):
        assert suspect(box) and not worth_probing([box])
    # A whole Arabic line read as nothing, and a short word with foreign letters, are.
    assert worth_probing([Box("", 0.0, 40, 36, 700, 84)])
    assert worth_probing([Box("Kαλη", 0.8, 40, 36, 160, 84)])


@pytest.mark.parametrize("name", ["coffee", "grace_hopper", "rocket", "astronaut"])
def test_photos_make_no_tesseract_reads(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    reads: list[str] = []
    read_line = TesseractReader.read_line

    def counted(self: TesseractReader, gray: np.ndarray, lang: str, **how: bool) -> LineRead:
        reads.append(lang)
        return read_line(self, gray, lang, **how)

    monkeypatch.setattr(TesseractReader, "read_line", counted)
    _text(engine, encode(photo(name), "JPEG", quality=90))
    assert reads == []


def test_hint_codes_are_checked() -> None:
    assert parse_ocr_languages("RU, en") == ("ru", "en")
    with pytest.raises(ValueError, match="allowed"):
        parse_ocr_languages("ru,xx")
