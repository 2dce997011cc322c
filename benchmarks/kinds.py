"""What kind of image the local engine takes each fixture for, under ``auto`` (the category)
and under the default ``general`` (the description's wording), over screenshots, pages,
receipts and real photos, each degraded the way real files arrive.

    PYTHONPATH=src:. python benchmarks/kinds.py [--verbose]

Prints, per set, how many came out right: the category under auto, and under general whether
the description names the right kind (a receipt, a document, a screenshot, a photo)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from functools import partial

from PIL import Image
from tests import imagegen, layouts, screens

from imagelens.config import Settings
from imagelens.engine import AnalysisOptions, Engine
from imagelens.types import ContentCategory

_HOW = ("png", "jpeg", "scaled", "noisy", "skewed")
_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "coins", "camera", "moon", "brick",
           "gravel", "grass", "hubble_deep_field", "immunohistochemistry", "retina",
           "motorcycle_left", "clock", "grace_hopper", "text", "cell")  # fmt: skip


def _photo(name: str) -> Image.Image:
    if name == "motorcycle_left":
        from skimage import io

        path = __import__("skimage.data", fromlist=["x"]).__path__[0]
        return Image.fromarray(io.imread(f"{path}/motorcycle_left.png")).convert("RGB")
    return imagegen.photo(name)


# (set, expected category under auto, what the general description must start with)
Case = tuple[str, str, Image.Image]
_SETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "store listing": ("screenshot", ("A screenshot",)),
    "desktop window": ("screenshot", ("A screenshot",)),
    "phone screenshot": ("screenshot", ("A screenshot",)),
    "book page": ("document", ("A document",)),
    "receipt": ("document", ("A shop receipt",)),
    "photo": ("general", ("A photo", "A close-up", "One person", "An image")),
}


def _image(make: Callable[..., layouts.Fixture], *args: object) -> Image.Image:
    return make(*args).image


def cases() -> Iterator[Case]:
    """Every fixture with its set and how it was degraded."""
    makers: list[tuple[str, str, Callable[[], Image.Image]]] = []
    for i in range(3):
        makers.append(("store listing", f"listing{i}", partial(_image, screens.store_listing, i)))
        makers.append(("desktop window", f"window{i}", partial(_image, screens.desktop_window, i)))
    for theme in ("light", "dark"):
        makers.append(("phone screenshot", theme, partial(_image, layouts.phone_screenshot, theme)))
    makers.append(("book page", "book", partial(_image, screens.book_page)))
    makers.append(("receipt", "flat", partial(_image, layouts.receipt)))
    makers.append(("receipt", "on a table", partial(_image, screens.photographed_receipt)))
    for kind, name, make in makers:
        image = make()
        for how in _HOW:
            yield kind, f"{name}/{how}", screens.degrade(image, how)
    for name in _PHOTOS:
        image = _photo(name)
        for how in ("png", "jpeg", "scaled"):
            yield "photo", f"{name}/{how}", screens.degrade(image, how)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--only", default="", help="run only sets whose name contains this")
    args = parser.parse_args()
    auto = AnalysisOptions(category=ContentCategory.AUTO)
    right: dict[str, list[int]] = {}
    with Engine(Settings()) as engine:
        engine.warmup(background=False)
        for kind, name, image in cases():
            if args.only not in kind:
                continue
            data = imagegen.encode(image)
            category = engine.analyze(data, auto).category
            described = engine.analyze(data).description
            expected, starts = _SETS[kind]
            ok = (category == expected, described.startswith(starts))
            counts = right.setdefault(kind, [0, 0, 0])
            counts[0] += 1
            counts[1] += ok[0]
            counts[2] += ok[1]
            if args.verbose or not all(ok):
                print(f"{'  ' if all(ok) else '! '}{kind:16} {name:28} {category:11} {described}")
                sys.stdout.flush()
    print(f"{'set':18} {'n':>3} {'auto right':>11} {'general described right':>24}")
    for kind, (n, by_auto, by_general) in right.items():
        print(f"{kind:18} {n:3d} {by_auto:11d} {by_general:24d}")


if __name__ == "__main__":
    main()
