"""Photos of real faces for the People tests: skimage's astronaut and matplotlib's Grace
Hopper, each with an edited copy (mirrored and brighter; cropped closer), a photo with no
face, and a further shot of the astronaut that tests use as a query and never upload."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

from tests import imagegen


def face_photos(root: Path) -> dict[str, Path]:
    """Two people, two photos each (the second an edited copy), and a photo with no face."""
    astronaut = imagegen.photo("astronaut")
    hopper = imagegen.photo("grace_hopper")
    w, h = hopper.size
    sources: dict[str, Image.Image] = {
        "astronaut.jpg": astronaut,
        "astronaut-mirrored.jpg": ImageEnhance.Brightness(ImageOps.mirror(astronaut))
        .enhance(1.15)
        .resize((400, 400)),
        "hopper.jpg": hopper,
        "hopper-closer.jpg": hopper.crop((40, 0, w - 40, h - 120)).resize((360, 400)),
        "coffee.jpg": imagegen.photo("coffee"),
    }
    paths = {}
    for name, image in sources.items():
        image.save(root / name, quality=88)
        paths[name] = root / name
    # Another shot, never uploaded: the query of face search.
    astronaut.rotate(6).resize((300, 300)).save(root / "query.jpg", quality=80)
    paths["query.jpg"] = root / "query.jpg"
    return paths
