"""Barcodes for tests and benchmarks: made by libraries other than the reader (segno for QR,
python-barcode for EAN-13 and Code 128), printed as labels onto real photos, then degraded
the way a phone photo degrades them (angle, perspective, blur, JPEG, small)."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

import barcode
import numpy as np
import segno
from barcode.writer import ImageWriter
from PIL import Image, ImageFilter

from tests.imagegen import photo

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "grace_hopper", "coins")


@dataclass(frozen=True)
class Printed:
    image: Image.Image
    format: str  # zxing-cpp's name for the symbology ("QR Code", "EAN-13", "Code 128")
    value: str
    box: tuple[int, int, int, int]  # the label's pixel box (x0, y0, x1, y1) in ``image``


def qr(text: str, scale: int = 6) -> Image.Image:
    """A QR code (segno, error level M, four modules of quiet zone)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return Image.open(out).convert("L")


def linear(kind: str, value: str, module_mm: float = 0.33) -> Image.Image:
    """An EAN-13 ("ean13", 12 digits, python-barcode adds the check digit) or Code 128
    ("code128") with its human-readable text under the bars."""
    out = io.BytesIO()
    options = {"module_width": module_mm, "module_height": 18.0, "quiet_zone": 4.0, "dpi": 200}
    barcode.get(kind, value, writer=ImageWriter()).write(out, options)
    return Image.open(out).convert("L")


def ean13_full(twelve: str) -> str:
    """The 13-digit EAN with its check digit."""
    digits = [int(c) for c in twelve]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return twelve + str(check)


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """PIL's PERSPECTIVE coefficients mapping output points ``dst`` to input points ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=np.float64)
    b = np.array([c for point in src for c in point], dtype=np.float64)
    return [float(c) for c in np.linalg.solve(a, b)]


def print_on(
    background: Image.Image,
    code: Image.Image,
    *,
    width_frac: float = 0.3,
    angle: float = 0.0,
    tilt: float = 0.0,
    at: tuple[float, float] = (0.5, 0.5),
    seed: int = 0,
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Paste ``code`` as a white label ``width_frac`` of the photo's width wide, turned by
    ``angle`` degrees and foreshortened by ``tilt`` (0-0.4: one side that much shorter),
    centred at ``at`` (fractions); answer the photo and the label's pixel box."""
    rng = random.Random(seed)
    base = background.convert("RGB").copy()
    w = max(8, round(base.width * width_frac))
    label = code.resize((w, max(8, round(code.height * w / code.width))), Image.Resampling.LANCZOS)
    rgba = Image.merge("RGBA", (*label.convert("RGB").split(), Image.new("L", label.size, 255)))
    if tilt:
        lw, lh = rgba.size
        short = tilt * lh / 2
        dst = [(0, 0), (lw, short), (lw, lh - short), (0, lh)]
        if rng.random() < 0.5:  # the far side left or right
            dst = [(0, short), (lw, 0), (lw, lh), (0, lh - short)]
        src = [(0.0, 0.0), (lw, 0.0), (lw, lh), (0.0, lh)]
        coeffs = _perspective_coeffs(src, [(float(x), float(y)) for x, y in dst])
        rgba = rgba.transform(
            rgba.size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
        )
    rgba = rgba.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    x = round(at[0] * base.width - rgba.width / 2)
    y = round(at[1] * base.height - rgba.height / 2)
    base.paste(rgba, (x, y), rgba)
    box = (max(x, 0), max(y, 0), min(x + rgba.width, base.width), min(y + rgba.height, base.height))
    return base, box


def degrade(
    image: Image.Image, *, blur: float = 0.0, quality: int = 0, scale: float = 1.0
) -> Image.Image:
    """Blur (Gaussian radius in pixels), shrink, then JPEG at ``quality`` (0: no JPEG)."""
    out = image.filter(ImageFilter.GaussianBlur(blur)) if blur else image
    if scale != 1.0:
        size = (max(8, round(out.width * scale)), max(8, round(out.height * scale)))
        out = out.resize(size, Image.Resampling.BILINEAR)
    if quality:
        buf = io.BytesIO()
        out.save(buf, format="JPEG", quality=quality)
        out = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return out


def _code(kind: str, rng: random.Random) -> tuple[Image.Image, str, str]:
    if kind == "qr-url":
        value = f"https://example.com/t/{rng.randrange(10**6):06d}"
        return qr(value), "QR Code", value
    if kind == "qr-text":
        value = f"TICKET {rng.randrange(10**8):08d} SEAT {rng.randrange(1, 60)}"
        return qr(value), "QR Code", value
    if kind == "ean13":
        twelve = f"{rng.randrange(10**12):012d}"
        return linear("ean13", twelve), "EAN-13", ean13_full(twelve)
    value = f"PKG-{rng.randrange(10**6):06d}"
    return linear("code128", value), "Code 128", value


KINDS = ("qr-url", "qr-text", "ean13", "code128")


def degraded_set(n: int, seed: int = 7) -> list[Printed]:
    """``n`` photographed-looking barcodes: each kind in turn on a real photo, at -30..30
    degrees, some foreshortened, blurred, shrunk and JPEG'd (seeded: the same set each run)."""
    rng = random.Random(seed)
    photos = {name: photo(name) for name in PHOTOS}
    out: list[Printed] = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        code, fmt, value = _code(kind, rng)
        background = photos[PHOTOS[rng.randrange(len(PHOTOS))]]
        side = rng.randrange(800, 1400)  # a phone photo, downsized as uploads often are
        ratio = side / max(background.size)
        background = background.resize(
            (round(background.width * ratio), round(background.height * ratio)),
            Image.Resampling.BICUBIC,
        )
        linear_code = kind in ("ean13", "code128")
        image, box = print_on(
            background,
            code,
            width_frac=rng.uniform(0.3, 0.55) if linear_code else rng.uniform(0.12, 0.35),
            angle=rng.uniform(-30, 30),
            tilt=rng.choice((0.0, 0.0, rng.uniform(0.05, 0.25))),
            at=(rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65)),
            seed=i,
        )
        scale = rng.choice((1.0, 1.0, rng.uniform(0.4, 0.8)))
        image = degrade(
            image, blur=rng.uniform(0.0, 1.5), quality=rng.randrange(35, 90), scale=scale
        )
        box = tuple(round(c * scale) for c in box)  # type: ignore[assignment]
        out.append(Printed(image, fmt, value, box))
    return out
