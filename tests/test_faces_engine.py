"""Faces through the real models: YuNet boxes, dlib chips and descriptors, the pipeline's
face count, recognition's names in the description, faces per PDF page and video frame."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image, ImageEnhance

from imagelens.engine import Engine
from imagelens.engine.base import AnalysisOptions, FoundFace, PersonRef
from imagelens.engine.describe.composer import faces_sentence
from imagelens.engine.describe.naming import with_names
from imagelens.engine.local.faces.embed import distance
from imagelens.intake import decode_image
from imagelens.types import Language
from tests import facegen, imagegen, pdfs, videos

FACES = frozenset({"faces", "moderation"})


def _faces(engine: Engine, image: Image.Image) -> list[FoundFace]:
    return engine.find_faces(decode_image(imagegen.encode(image, "JPEG", quality=90)))


def _vector(engine: Engine, image: Image.Image) -> np.ndarray:
    faces = _faces(engine, image)
    assert len(faces) == 1, faces
    assert faces[0].chip is not None and faces[0].chip.shape == (150, 150, 3)
    vectors = engine.face_embedder.embed([faces[0].chip])
    assert vectors.shape == (1, 128) and vectors.dtype == np.float32
    vector: np.ndarray = vectors[0]
    return vector


def test_three_copies_of_a_portrait_are_three_people(engine: Engine) -> None:
    picture = facegen.side_by_side(facegen.source("astronaut"))
    result = engine.analyze(imagegen.encode(picture), AnalysisOptions(analyzers=FACES))
    assert len(result.faces) == 3
    assert result.moderation is not None and result.moderation.face_count == 3
    assert sorted(round(f.bbox.x * 3) for f in result.faces) == [0, 1, 2]
    assert "Three people are visible (3 faces)." in result.description


@pytest.mark.parametrize("seed", [0, 1])
def test_group_photo_faces_of_40_px_and_more_are_found(engine: Engine, seed: int) -> None:
    group = facegen.group_photo(seed)  # 40-200 px faces, turned up to 30 degrees, relit
    faces = _faces(engine, group.image)
    w, h = group.image.size
    boxes = [(f.bbox.x * w, f.bbox.y * h, f.bbox.width * w, f.bbox.height * h) for f in faces]
    assert facegen.recall(boxes, group.boxes) >= 0.75
    assert len(faces) <= len(group.boxes) + 1


def test_the_same_face_turned_and_resized_embeds_near_another_person_far(engine: Engine) -> None:
    astronaut = facegen.source("astronaut")
    original = _vector(engine, astronaut)
    variants = [
        astronaut.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        astronaut.rotate(15, resample=Image.Resampling.BICUBIC),
        astronaut.resize((256, 256)),
        ImageEnhance.Brightness(astronaut).enhance(0.6),
    ]
    for variant in variants:
        assert distance(_vector(engine, variant), original) < 0.6
    assert distance(_vector(engine, facegen.source("grace_hopper")), original) > 0.6


@pytest.mark.parametrize("name", ["page", "text"])
def test_no_faces_on_text(engine: Engine, name: str) -> None:
    assert _faces(engine, imagegen.photo(name)) == []


def test_no_faces_on_a_rendered_page_or_screenshot(engine: Engine) -> None:
    assert _faces(engine, imagegen.text_page().image) == []
    assert _faces(engine, imagegen.screenshot()) == []


class _Directory:
    """A people hook that knows the astronaut: the face left of the image's centre."""

    def __init__(self) -> None:
        self.calls = 0

    def recognize(self, faces: Sequence[FoundFace]) -> list[PersonRef | None]:
        self.calls += 1
        assert all(f.chip is not None for f in faces)
        return [PersonRef("per_ada", "Ada") if f.bbox.x < 0.5 else None for f in faces]


def test_the_hook_names_faces_and_the_shown_description_uses_the_names(engine: Engine) -> None:
    pair = Image.new("RGB", (1024, 600), "white")
    pair.paste(facegen.source("astronaut"), (0, 0))
    pair.paste(facegen.source("grace_hopper"), (512, 0))
    hook = _Directory()
    data = imagegen.encode(pair)
    result = engine.analyze(data, AnalysisOptions(analyzers=FACES, people=hook))
    assert hook.calls == 1
    assert [(f.person_id, f.person_name) for f in result.faces] == [
        ("per_ada", "Ada"),
        (None, None),
    ]
    # The analysis counts faces; names go in when it is shown (they change afterwards).
    assert "Two people are visible (2 faces)." in result.description
    pairs = [(f.person_id, f.person_name) for f in result.faces]
    shown = with_names(result.description, "en", pairs)
    assert "Two people: Ada and one person not yet named." in shown
    assert "visible" not in shown
    german = engine.analyze(data, AnalysisOptions(analyzers=FACES, people=hook, lang=Language.DE))
    shown_de = with_names(german.description, "de", pairs)
    assert "2 Personen: Ada und eine noch unbenannte Person." in shown_de
    # Nobody named: the count stays.
    assert with_names(result.description, "en", [("per_x", None), (None, None)]) == (
        result.description
    )


def test_names_count_people_not_faces() -> None:
    """A person on three pages is one person; a face nobody recognised is one more."""
    counted = "A document with 3 pages. " + (faces_sentence(4, "en") or "")
    shown = with_names(
        counted, "en", [("per_a", "Ada"), ("per_a", "Ada"), ("per_a", "Ada"), (None, None)]
    )
    assert shown == "A document with 3 pages. Two people: Ada and one person not yet named."
    russian = (faces_sentence(3, "ru") or "") + " x"
    assert with_names(russian, "ru", [("p1", "Ада"), ("p2", None), ("p3", None)]).startswith(
        "Людей: 3 — Ада и 2 человека без имени."
    )


def test_pdf_faces_carry_their_page(engine: Engine) -> None:
    pdf = pdfs.scanned_pdf([imagegen.text_page().image, facegen.source("grace_hopper")])
    result = engine.analyze(pdf, AnalysisOptions(analyzers=FACES | {"ocr"}))
    assert [f.page for f in result.faces] == [2]


def test_video_faces_carry_their_time(engine: Engine) -> None:
    scenes = [(imagegen.photo("coffee"), 1.0), (facegen.source("astronaut"), 1.0)]
    clip = videos.encode_clip(scenes, size=(512, 512))
    result = engine.analyze(clip, AnalysisOptions(analyzers=FACES))
    assert result.faces and all(f.time_s is not None and f.time_s >= 0.9 for f in result.faces)
