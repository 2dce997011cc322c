"""The recogniser cascade and the "is there text" gate, on real models and real photos."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from imagelens.config import EngineSettings
from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.local.ocr.analyzer import _look_again
from imagelens.engine.local.ocr.cascade import Cascade
from imagelens.engine.local.ocr.detect import Detector
from imagelens.engine.local.ocr.gate import TextGate
from imagelens.engine.local.ocr.recognise import Reading, Recogniser, small_model, tiny_model
from tests.imagegen import character_error_rate, encode, font, noise_photo, photo
from tests.layouts import receipt

OCR_ONLY = AnalysisOptions(analyzers=frozenset({"ocr"}))


def _bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])


def _harsh(image: Image.Image) -> Image.Image:
    """Photographed badly: skewed, blurred, grainy, JPEG at quality 25."""
    skewed = image.rotate(3, expand=True, fillcolor="white").filter(ImageFilter.GaussianBlur(1.7))
    grain = np.random.default_rng(0).normal(0, 25, (skewed.size[1], skewed.size[0], 1))
    noisy = np.clip(np.asarray(skewed, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return Image.open(io.BytesIO(encode(Image.fromarray(noisy), "JPEG", quality=25)))


def _default_cascade(first: Recogniser, second: Recogniser) -> Cascade:
    settings = EngineSettings()
    return Cascade(
        first,
        second,
        recheck_below=settings.ocr_recheck_below,
        word_below=settings.ocr_recheck_word_below,
    )


@pytest.fixture(scope="module")
def models() -> tuple[Detector, Recogniser, Recogniser]:
    return (
        Detector(max_side=736, threads=2),
        Recogniser(tiny_model(), threads=2, batch=1),
        Recogniser(small_model(), threads=2, batch=1),
    )


def test_the_cascade_reads_a_harsh_receipt_as_well_as_the_small_recogniser(
    models: tuple[Detector, Recogniser, Recogniser],
) -> None:
    detector, tiny, small = models
    slip = receipt()
    crops = [line.crop for line in detector.lines(_bgr(_harsh(slip.image)))]

    def error(readings: list[str]) -> float:
        return character_error_rate(slip.text, "\n".join(readings))

    alone = error([r.text for r in small.read(crops)])
    cheap = error([r.text for r in tiny.read(crops)])
    both = error([r.text for r in _default_cascade(tiny, small).read(crops)])
    assert both <= alone + 0.005, (both, alone)
    # The degradation is one where the tiny recogniser alone is worse: the re-check matters.
    assert cheap > both, (cheap, both)


def test_the_cascade_keeps_confident_tiny_readings(
    models: tuple[Detector, Recogniser, Recogniser],
) -> None:
    detector, tiny, small = models
    crops = [line.crop for line in detector.lines(_bgr(receipt().image))]
    never = Cascade(tiny, small, recheck_below=0.0, word_below=0.0).read(crops)
    assert [r.text for r in never] == [r.text for r in tiny.read(crops)]
    always = Cascade(tiny, small, recheck_below=1.01, word_below=1.01).read(crops)
    assert [r.text for r in always] == [r.text for r in small.read(crops)]


def test_the_small_recogniser_reads_only_the_doubtful_words_of_a_long_line(
    models: tuple[Detector, Recogniser, Recogniser],
) -> None:
    """A line with one word blurred: the tiny recogniser is unsure of a few words, the small
    one is shown windows around them (not the whole line), and the line reads right; on an
    image drawn by software they are not read again."""
    _, tiny, small = models
    words = "Parcels for Harbour Street 14 leave the depot before noon on Fridays and Mondays"
    line = Image.new("RGB", (1500, 60), "white")
    draw = ImageDraw.Draw(line)
    x, spots = 10.0, []
    for word in words.split():
        draw.text((x, 12), word, fill="black", font=font(30))
        spots.append((x, draw.textlength(word, font=font(30))))
        x += spots[-1][1] + 14
    left, wide = spots[3]  # "Street"
    box = (int(left) - 2, 0, int(left + wide) + 2, 60)
    line.paste(line.crop(box).filter(ImageFilter.GaussianBlur(2.5)), box[:2])
    crop = _bgr(line.crop((0, 0, int(x), 60)))

    shown: list[int] = []

    class _Watched(Recogniser):
        def read(self, crops: list[np.ndarray]) -> list[Reading]:
            shown.extend(c.shape[1] for c in crops)
            return small.read(crops)

    watched = _Watched.__new__(_Watched)  # the real small recogniser, its inputs counted
    cascade = _default_cascade(tiny, watched)
    assert tiny.read([crop])[0].confidence < cascade.recheck_below  # it is re-read
    asked: list[bool] = []

    def photographed() -> bool:
        asked.append(False)
        return False

    (reading,) = cascade.read([crop], rendered=photographed)
    assert reading.text == words and asked == [False]
    assert shown and sum(shown) < crop.shape[1], (shown, crop.shape[1])
    # Drawn by software, the doubtful words are left as the tiny recogniser read them.
    shown.clear()
    (kept,) = cascade.read([crop], rendered=lambda: True)
    assert not shown and kept == tiny.read([crop])[0]
    # A line read surely asks nothing.
    sure = _bgr(line.crop((0, 0, int(spots[2][0] + spots[2][1]) + 10, 60)))
    asked.clear()
    cascade.read([sure], rendered=photographed)
    assert tiny.read([sure])[0].confidence >= cascade.recheck_below and not asked


def test_a_line_read_in_a_padded_batch_is_placed_as_when_read_alone(
    models: tuple[Detector, Recogniser, Recogniser],
) -> None:
    """Batches pad lines to the widest one: characters' places move by a step at most
    (a peak one step off, and the scale back rounded)."""
    detector, _, _ = models
    crops = [line.crop for line in detector.lines(_bgr(receipt().image))]
    short = min(crops, key=lambda c: c.shape[1] / c.shape[0])
    wide = max(crops, key=lambda c: c.shape[1] / c.shape[0])
    batched = Recogniser(tiny_model(), threads=1, batch=2)
    alone = batched.read([short])[0]
    padded = batched.read([short, wide])[0]
    assert padded.text == alone.text and alone.at
    step = 8 * short.shape[0] / 48  # a CTC step: 8 input pixels at height 48
    assert max(abs(a - b) for a, b in zip(alone.at, padded.at, strict=True)) <= 1.5 * step


def _sign(base: Image.Image, text: str, size: int, at: tuple[int, int]) -> Image.Image:
    out = base.copy()
    ImageDraw.Draw(out).text(at, text, fill="white", font=font(size, bold=True))
    return out


def test_the_gate_passes_text_on_photos_and_stops_photos_without_it() -> None:
    gate = TextGate(side=480, min_pixels=16, threads=2)
    with_text = {
        "portrait name": photo("grace_hopper"),
        "small label": _sign(photo("chelsea"), "Cafe Luna", 18, (20, 20)),
        "sign on 12 MP": _sign(noise_photo(4000, 3000, seed=1), "NO PARKING", 60, (1200, 900)),
    }
    without = {"chelsea": photo("chelsea"), "astronaut": photo("astronaut"),
               "1 MP": noise_photo(1152, 864)}  # fmt: skip
    for name, image in with_text.items():
        assert gate.may_have_text(_bgr(image)), name
    for name, image in without.items():
        assert not gate.may_have_text(_bgr(image)), name


def test_a_photo_with_a_label_is_still_read(engine: Engine) -> None:
    labelled = _sign(photo("chelsea"), "Cafe Luna", 24, (20, 20))
    result = engine.analyze(encode(labelled, "JPEG", quality=85), OCR_ONLY)
    assert result.visible_text is not None and "Cafe Luna" in result.visible_text


def test_a_sign_on_a_photo_is_read_to_its_end(engine: Engine) -> None:
    """The tiny detector's box stops at "GATE" where the "7" lies on the bright suit; on a
    photo the small detector looks again along the rows the text is in."""
    signed = _sign(photo("astronaut"), "GATE 7", 40, (300, 60))
    result = engine.analyze(encode(signed, "JPEG", quality=90), OCR_ONLY)
    assert result.visible_text is not None and "GATE 7" in result.visible_text, result


def test_looking_again_keeps_the_lines_only_the_tiny_detector_saw() -> None:
    """The small detector's lines replace the tiny one's where they cover them; a line the
    small one missed in the band (its scale lost it) stays (a stand-in detector: the unit)."""

    def quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)

    class _Small:
        def quads(self, band: np.ndarray) -> list[np.ndarray]:
            assert band.shape[:2] == (61, 400)  # rows 10-70: a line's height around them
            return [quad(20, 20, 300, 40)]  # in band pixels: the first line, longer

    first, second = quad(20, 30, 200, 50), quad(320, 40, 390, 50)
    again = _look_again(np.zeros((300, 400, 3), np.uint8), [first, second], _Small())  # type: ignore[arg-type]
    boxes = [tuple(q.min(axis=0)) + tuple(q.max(axis=0)) for q in again]
    assert boxes == [(20, 30, 300, 50), (320, 40, 390, 50)]


def test_a_photo_without_text_returns_nothing(engine: Engine) -> None:
    result = engine.analyze(encode(noise_photo(1152, 864), "JPEG", quality=90), OCR_ONLY)
    assert result.visible_text is None
    assert result.text_regions == []
