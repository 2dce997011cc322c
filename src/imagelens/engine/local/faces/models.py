"""Where dlib's face models are: the ``face-recognition-models`` wheel (CC0), found without
importing it (its ``__init__`` needs pkg_resources). Only the 5-point landmark model and the
ResNet descriptor model are used: the 68-point model's licence forbids commercial use."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from imagelens.errors import ModelUnavailable

LANDMARKS = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR = "dlib_face_recognition_resnet_model_v1.dat"


def model_path(name: str) -> Path:
    """The installed file ``name``; ModelUnavailable when the wheel is missing."""
    spec = importlib.util.find_spec("face_recognition_models")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "models" / name
        if path.is_file():
            return path
    raise ModelUnavailable(
        f"The face model {name} is not installed (pip package face-recognition-models)."
    )
