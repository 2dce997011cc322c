"""Real faces from installed packages, and group pictures composed from them.

The faces are real photographs (skimage's astronaut and cameraman, matplotlib's Grace
Hopper); a group picture pastes them at 40-200 px on a real background photo, turned,
mirrored, blurred, relit and JPEG'd, so that a detector meets faces the way phones take
them, and the pasted boxes are the truth to count against."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from PIL import Image, ImageEnhance, ImageFilter

from tests.imagegen import photo

# Face boxes in each source photo (pixels, x, y, size), measured once with dlib's HOG
# detector: the truth for what a pasted copy's face size is.
_FACES = {
    "astronaut": (175, 76, 91),
    "grace_hopper": (180, 139, 187),
    "camera": (195, 123, 60),  # turned away: HOG misses it, the box is YuNet's
}


def source(name: str) -> Image.Image:
    """A real face photo: ``astronaut``, ``grace_hopper`` or ``camera``."""
    return photo(name)


def side_by_side(image: Image.Image, copies: int = 3) -> Image.Image:
    """``copies`` copies of ``image`` in a row (the issue's case: NudeNet counted one)."""
    out = Image.new("RGB", (image.width * copies, image.height))
    for i in range(copies):
        out.paste(image, (i * image.width, 0))
    return out


def jpeg(image: Image.Image, quality: int = 70) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


@dataclass(frozen=True)
class Group:
    image: Image.Image
    boxes: list[tuple[int, int, int, int]]  # the pasted faces: x, y, w, h in pixels


def _face_tile(name: str, size: int, angle: float, mirror: bool, rng: random.Random) -> Image.Image:
    """The face of ``name`` with its head around it, scaled so the face is ``size`` px."""
    photo = source(name)
    x, y, s = _FACES[name]
    margin = int(s * 0.6)
    tile = photo.crop((x - margin, y - margin, x + s + margin, y + s + margin))
    scale = size / s
    tile = tile.resize((max(1, round(tile.width * scale)), max(1, round(tile.height * scale))))
    if mirror:
        tile = tile.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    tile = tile.rotate(angle, resample=Image.Resampling.BICUBIC)
    tile = ImageEnhance.Brightness(tile).enhance(rng.uniform(0.6, 1.3))
    if rng.random() < 0.4:
        tile = tile.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.2) * size / 80))
    return tile


def group_photo(
    seed: int = 0,
    sizes: tuple[int, ...] = (40, 48, 56, 64, 80, 100, 130, 160, 200),
    angles: tuple[float, ...] = (-30, -20, -15, 0, 15, 20, 30),
) -> Group:
    """Faces of ``sizes`` px pasted in a grid on skimage's coffee photo, upscaled to fit."""
    rng = random.Random(seed)
    names = list(_FACES)
    cell = int(max(sizes) * 2.3)
    cols = 3
    rows = (len(sizes) + cols - 1) // cols
    background = photo("coffee").resize((cell * cols, cell * rows))
    boxes: list[tuple[int, int, int, int]] = []
    for i, size in enumerate(sizes):
        tile = _face_tile(names[i % len(names)], size, rng.choice(angles), rng.random() < 0.5, rng)
        cx = (i % cols) * cell + cell // 2 + rng.randint(-cell // 8, cell // 8)
        cy = (i // cols) * cell + cell // 2 + rng.randint(-cell // 8, cell // 8)
        mask = Image.new("L", tile.size, 0)
        inner = Image.new("L", (tile.width - 4, tile.height - 4), 255).filter(
            ImageFilter.BoxBlur(2)
        )
        mask.paste(inner, (2, 2))
        background.paste(tile, (cx - tile.width // 2, cy - tile.height // 2), mask)
        boxes.append((cx - size // 2, cy - size // 2, size, size))
    return Group(jpeg(background, 75), boxes)


def recall(
    found: list[tuple[float, float, float, float]], truth: list[tuple[int, int, int, int]]
) -> float:
    """Share of true faces whose centre lies in a found box of similar size (pixels)."""
    hit = 0
    for tx, ty, tw, th in truth:
        cx, cy = tx + tw / 2, ty + th / 2
        if any(
            fx <= cx <= fx + fw and fy <= cy <= fy + fh and 0.4 < fw / tw < 2.5
            for fx, fy, fw, fh in found
        ):
            hit += 1
    return hit / len(truth) if truth else 1.0
