"""The small text detector in INT8, quantised once per machine from its float weights.

The small PP-OCRv6 detector (rapidocr's) looks at big pages a second time at 1024 px; in
float it was the largest single model run on a page (385-450 ms of an A4 page's ~1.9 s on a
quiet core). Quantised statically to INT8 (ONNX Runtime's QDQ format, weights per channel)
it ran 3.3x faster on one core of this CPU with the same lines on the benchmark's pages
(docs/benchmarks.md). Photos' second look along their text rows keeps the float detector
(ocr/analyzer.py says why). The tiny detector and the recognisers were measured too and left
in float: INT8 made them no faster (the tiny detector; the recognisers' dynamic widths) or
slower.

Static quantisation needs calibration inputs: pages, screens, a receipt and photos with signs,
rendered here with Pillow's own font, in dark and light, sharp, blurred, turned and noisy,
so the activation ranges cover what real images bring. The file is the same from run to run
on one machine; another CPU may calibrate a few ranges a little differently (float kernels).
``imagelens prepare`` makes the file; without it the detector runs in float.
"""

from __future__ import annotations

import functools
import logging
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from imagelens.config import EngineSettings
from imagelens.engine.local import modelcache
from imagelens.engine.local.ocr.detect import Detector, small_detector, warmup_image

log = logging.getLogger(__name__)

_FORMAT = 1  # bump when the calibration or the quantisation changes
# Per-channel QDQ needs opset 13+; the wheel's graph is opset 11.
_OPSET = 17
_WORDS = (
    "invoice total amount date page section report order item price qty tax "
    "the of and to in for with on by from at as is an be this that are"
).split()


def cache_name() -> str:
    """The quantised file's name: it changes with anything that changes its weights."""
    versions = "-".join(metadata.version(d) for d in ("rapidocr", "onnxruntime", "onnx", "pillow"))
    return f"ppocrv6-det-small-int8-{versions}-f{_FORMAT}.onnx"


def cached(cache_dir: Path | None) -> Path | None:
    """The INT8 detector if ``imagelens prepare`` has made it."""
    return modelcache.cached(cache_dir, cache_name())


def build(cache_dir: Path | None, *, fresh: bool = False) -> Path:
    """Make the INT8 detector in the model cache (OSError: the cache cannot be written);
    ``fresh``: again, over a damaged one."""
    return modelcache.ensure(cache_dir, cache_name(), _quantise, fresh=fresh)


def wanted(settings: EngineSettings) -> Path | None:
    """The small detector in INT8 where it is wanted, has been made, a pages pass runs and
    the CPU has 8-bit dot products (a damaged file is found only when it loads)."""
    if not settings.ocr_det_int8 or settings.ocr_det_page_side <= settings.ocr_det_max_side:
        return None
    return cached(settings.model_cache) if cpu_fits() else None


@functools.cache
def cpu_fits() -> bool:
    """x86 with VNNI or AMX: the INT8 graph is unsigned-by-signed 8-bit (U8S8), which x86
    CPUs without VNNI compute through 16-bit sums that can saturate (ONNX Runtime's own
    advice); it was measured only on a Xeon with AVX-512 VNNI and AMX. Elsewhere: float."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = next((line for line in info.splitlines() if line.startswith("flags")), "").split()
    return bool({"avx512_vnni", "avx_vnni", "amx_int8"} & set(flags))


def pages_detector(settings: EngineSettings, float_: Detector) -> Detector:
    """The big pages' second pass: INT8 where it is wanted, made and loads, else ``float_``."""
    int8 = wanted(settings)
    if int8 is None:
        if settings.ocr_det_int8 and cpu_fits():
            log.info(
                "the pages' text detector runs in float (3.3x slower than INT8): "
                "run `imagelens prepare` to quantise it"
            )
        return float_
    try:
        detector = Detector(
            max_side=settings.ocr_det_page_side,
            threads=settings.threads,
            model="small",
            weights_file=int8,
        )
        detector.quads(warmup_image())
    except Exception:  # a damaged file (ONNX Runtime's errors share no narrower base)
        log.warning(
            "the INT8 text detector in the model cache does not load: float instead; "
            "delete it and run `imagelens prepare`",
            exc_info=True,
        )
        return float_
    return detector


def _quantise(destination: Path) -> None:
    import onnx
    from onnx import version_converter
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    # At the default pages pass side; the graph itself takes any size.
    detector = Detector(max_side=1024, threads=1, model="small")
    name, inputs = detector.model_inputs(calibration_images())

    class Feed(CalibrationDataReader):  # type: ignore[misc]  # untyped base
        def __init__(self) -> None:
            self._left = iter(inputs)

        def get_next(self) -> dict[str, np.ndarray] | None:
            tensor = next(self._left, None)
            return None if tensor is None else {name: tensor}

    with tempfile.TemporaryDirectory() as scratch:
        upgraded, prepared = Path(scratch) / "opset.onnx", Path(scratch) / "prepared.onnx"
        onnx.save(version_converter.convert_version(onnx.load(small_detector()), _OPSET), upgraded)
        quant_pre_process(upgraded, prepared, skip_symbolic_shape=True, skip_optimization=True)
        quantize_static(
            prepared,
            destination,
            Feed(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )


def calibration_images() -> list[np.ndarray]:
    """Rendered pages, screens, a receipt and photo-like scenes with text (BGR), seeded."""
    rng = np.random.default_rng(2026)
    images = [
        _page(rng, (1240, 1754), ink=20, paper=250, columns=1),
        _page(rng, (1700, 2200), ink=30, paper=240, columns=2),
        _page(rng, (1240, 1754), ink=235, paper=35, columns=1),  # light on dark
        _page(rng, (600, 1900), ink=10, paper=245, columns=1, sizes=(18, 22)),  # a receipt
        _page(rng, (1920, 1080), ink=220, paper=45, columns=3, sizes=(14, 20)),  # a screen
        _scene(rng, (1600, 1200)),
        _scene(rng, (1200, 1600)),
    ]
    images.append(_worn(images[0], rng, turn=2.5))
    images.append(_worn(images[1], rng, turn=-1.5))
    images.append(_worn(images[5], rng, turn=4.0))
    return [np.ascontiguousarray(np.asarray(im.convert("RGB"))[:, :, ::-1]) for im in images]


def _line(rng: np.random.Generator, words: int) -> str:
    picked = [str(w) for w in rng.choice(_WORDS, size=words)]
    picked[int(rng.integers(words))] = f"{int(rng.integers(1, 99999))}.{int(rng.integers(10, 99))}"
    return " ".join(picked).capitalize()


def _page(
    rng: np.random.Generator,
    dims: tuple[int, int],
    *,
    ink: int,
    paper: int,
    columns: int,
    sizes: tuple[int, int] = (14, 34),
) -> Image.Image:
    """Lines of text in ``columns``, each paragraph in its own size."""
    width, height = dims
    page = Image.new("L", dims, paper)
    draw = ImageDraw.Draw(page)
    margin, gutter = width // 14, width // 30
    column = (width - 2 * margin - (columns - 1) * gutter) // columns
    for c in range(columns):
        left, y = margin + c * (column + gutter), margin
        while y < height - margin:
            px = int(rng.integers(sizes[0], sizes[1] + 1))
            font = ImageFont.load_default(size=px)
            for _ in range(int(rng.integers(2, 7))):
                text = _line(rng, max(2, column // (px * 3)))
                while text and draw.textlength(text, font=font) > column:
                    text = text.rsplit(" ", 1)[0] if " " in text else ""
                draw.text((left, y), text, fill=ink, font=font)
                y += int(px * 1.5)
            y += px
    return page


def _scene(rng: np.random.Generator, dims: tuple[int, int]) -> Image.Image:
    """A photo-like scene: smooth colour gradients, sensor noise, and signs with text."""
    width, height = dims
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [
        (np.sin(xs / rng.uniform(80, 400) + rng.uniform(0, 6)) * 60 + 120)
        + (np.cos(ys / rng.uniform(80, 400)) * 50)
        for _ in range(3)
    ]
    noise = rng.normal(0, 12, (height, width, 3))
    pixels = np.clip(np.stack(channels, axis=2) + noise, 0, 255).astype(np.uint8)
    scene = Image.fromarray(pixels, "RGB")
    draw = ImageDraw.Draw(scene)
    for _ in range(4):
        px = int(rng.integers(24, 90))
        font = ImageFont.load_default(size=px)
        text = _line(rng, int(rng.integers(1, 4))).upper()
        left, top = int(rng.integers(0, width // 2)), int(rng.integers(0, height - px * 2))
        back = tuple(int(v) for v in rng.integers(0, 256, 3))
        fore = tuple(255 - v for v in back)
        box = draw.textbbox((left, top), text, font=font)
        draw.rectangle(
            (box[0] - px // 3, box[1] - px // 3, box[2] + px // 3, box[3] + px // 3), back
        )
        draw.text((left, top), text, fill=fore, font=font)
    return scene


def _worn(image: Image.Image, rng: np.random.Generator, *, turn: float) -> Image.Image:
    """Turned, blurred, noisy and low in contrast, as a photographed print."""
    rgb = image.convert("RGB").rotate(turn, expand=True, fillcolor=(128, 128, 128))
    rgb = rgb.filter(ImageFilter.GaussianBlur(1.2))
    pixels = np.asarray(rgb, dtype=np.float32) * 0.7 + 40
    pixels += rng.normal(0, 10, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
