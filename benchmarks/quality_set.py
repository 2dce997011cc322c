"""The labelled set behind benchmarks/search_quality.py: a library of real photos and rendered
documents, degraded the way phones and scanners degrade them, and graded queries in five
languages. Labels name library items; anything unlabelled counts as irrelevant (0)."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter
from skimage import data
from tests import drawings, imagegen, layouts, pictures


@dataclass(frozen=True)
class Item:
    name: str  # the label queries use
    filename: str  # what a camera, scanner or OS would have called it
    data: bytes


@dataclass(frozen=True)
class Query:
    lang: str
    text: str
    labels: dict[str, int]


def _skimage(name: str) -> Callable[[], Image.Image]:
    def make() -> Image.Image:
        if name == "motorcycle":
            left = data.stereo_motorcycle()[0]  # type: ignore[no-untyped-call]
            return Image.fromarray(left).convert("RGB")
        array = getattr(data, name)()
        if array.dtype == bool:
            array = (~array * 255).astype(np.uint8)  # the horse: a dark silhouette on white
        return Image.fromarray(array).convert("RGB")

    return make


def _invoice() -> Image.Image:
    lines = ("INVOICE 2041", "Northwind Supplies Ltd", "Item: office chairs x 4",
             "Subtotal: 352.00 EUR", "VAT 19%: 66.50 EUR", "Total due: 418.50 EUR")  # fmt: skip
    return imagegen.text_page(lines, size=(1000, 700), font_size=40).image


PHOTOS: dict[str, Callable[[], Image.Image]] = {
    **{n: _skimage(n) for n in ("astronaut", "chelsea", "coffee", "rocket", "horse", "camera")},
    **{n: _skimage(n) for n in ("coins", "page", "text", "clock", "hubble_deep_field", "moon")},
    **{n: _skimage(n) for n in ("motorcycle", "brick", "immunohistochemistry", "retina")},
    "grace_hopper": lambda: imagegen.photo("grace_hopper"),
    "sign_photo": lambda: layouts.photo_with_sign().image,
    "mug": lambda: pictures.product_shot(),
    "illustration": pictures.illustration,
}
DOCUMENTS: dict[str, Callable[[], Image.Image]] = {
    "receipt": lambda: layouts.receipt().image,
    "long_receipt": lambda: layouts.long_receipt(18).image,
    "invoice": _invoice,
    "article": lambda: layouts.two_column_page().image,
    "a4_page": lambda: layouts.a4_page().image,
    "phone_settings": lambda: layouts.phone_screenshot().image,
    "desktop_notes": lambda: layouts.desktop_screenshot("dark").image,
    "mail_app": imagegen.screenshot,
    "floor_plan": drawings.floor_plan,
    "pid": drawings.pid,
    "map": drawings.map_image,
}


def _degrade(image: Image.Image, rng: random.Random, document: bool) -> bytes:
    """Blur, sensor noise, a small tilt for a photographed page, then lossy JPEG."""
    if document:
        image = image.rotate(rng.uniform(-2.5, 2.5), expand=True, fillcolor=(235, 233, 228))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0)))
    pixels = np.asarray(image, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 5, pixels.shape)
    image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(55, 80))
    return out.getvalue()


def library(seed: int = 19) -> list[Item]:
    """Every item, degraded, with a camera/scanner/OS file name, in a shuffled upload order."""
    rng = random.Random(seed)
    items: list[Item] = []
    for i, (name, make) in enumerate(PHOTOS.items()):
        items.append(Item(name, f"IMG_{2040 + i * 7}.jpg", _degrade(make(), rng, False)))
    for i, (name, make) in enumerate(DOCUMENTS.items()):
        filename = (
            f"Screenshot_2024031{i % 10}-10{i:02d}.jpg" if i in (5, 6, 7) else f"scan{i:04d}.jpg"
        )
        items.append(Item(name, filename, _degrade(make(), rng, True)))
    rng.shuffle(items)
    return items


RECEIPTS = {"receipt": 3, "long_receipt": 3, "invoice": 1}
SCREENS = {"phone_settings": 3, "desktop_notes": 3, "mail_app": 3}
SPACE = {"rocket": 3, "sign_photo": 3, "astronaut": 2, "hubble_deep_field": 1, "moon": 1}
CAT = {"chelsea": 3}
HORSE = {"horse": 3}
COFFEE = {"coffee": 3, "mug": 2}
MOTORBIKE = {"motorcycle": 3}

QUERIES: list[Query] = [
    Query("en", "cat", CAT),
    Query("en", "a pet lying down", {"chelsea": 3, "horse": 1}),
    Query("en", "shop receipt", RECEIPTS),
    Query(
        "en", "invoice with the total amount due", {"invoice": 3, "receipt": 2, "long_receipt": 2}
    ),
    Query("en", "phone settings screen", {"phone_settings": 3, "desktop_notes": 1, "mail_app": 1}),
    Query("en", "email inbox", {"mail_app": 3}),
    Query("en", "rocket launch", SPACE),
    Query("en", "cup of coffee", COFFEE),
    Query("en", "horse", HORSE),
    Query("en", "motorbike", MOTORBIKE),
    Query("en", "coins money", {"coins": 3}),
    Query("en", "newspaper article about a harbour", {"article": 3, "a4_page": 1, "page": 1}),
    Query("en", "man with a camera on a tripod", {"camera": 3}),
    Query("en", "portrait of a woman in uniform", {"grace_hopper": 3, "astronaut": 2}),
    Query("en", "floor plan of a flat", {"floor_plan": 3, "pid": 1, "map": 1}),
    Query("en", "galaxies in the night sky", {"hubble_deep_field": 3, "moon": 2}),
    Query("en", "wall clock", {"clock": 3}),
    Query("en", "microscope image of tissue", {"immunohistochemistry": 3, "retina": 1}),
    Query("de", "Katze", CAT),
    Query("de", "Kassenbon vom Supermarkt", RECEIPTS),
    Query("de", "Pferd", HORSE),
    Query("de", "Motorrad", MOTORBIKE),
    Query("de", "Kaffeetasse", COFFEE),
    Query("de", "Münzen", {"coins": 3}),
    Query(
        "de", "Bildschirmfoto vom Handy", {"phone_settings": 3, "desktop_notes": 1, "mail_app": 1}
    ),
    Query("de", "Rakete", SPACE),
    Query("es", "gato", CAT),
    Query("es", "recibo de compra", RECEIPTS),
    Query("es", "caballo", HORSE),
    Query("es", "cohete espacial", SPACE),
    Query("es", "taza de café", COFFEE),
    Query("es", "plano de una casa", {"floor_plan": 3}),
    Query("es", "la luna", {"moon": 3, "hubble_deep_field": 1}),
    Query("ja", "猫", CAT),
    Query("ja", "領収書", RECEIPTS),
    Query("ja", "馬", HORSE),
    Query("ja", "バイク", MOTORBIKE),
    Query("ja", "コーヒー", COFFEE),
    Query("ja", "宇宙飛行士", {"astronaut": 3}),
    Query("ja", "地図", {"map": 3}),
    Query("fr", "chat", CAT),
    Query("fr", "facture", {"invoice": 3, "receipt": 2, "long_receipt": 2}),
    Query("fr", "capture d'écran", SCREENS),
    Query("fr", "montre ou horloge", {"clock": 3}),
]
