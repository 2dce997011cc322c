"""Intake: from untrusted bytes to an upright, bounded, decoded image."""

from imagelens.intake.budget import DecodeBudget
from imagelens.intake.decode import Decoder, decode_image, probe_image
from imagelens.intake.decoded import DecodedImage, ProbedImage
from imagelens.intake.sniff import ImageFormat, sniff_format
from imagelens.intake.thumbnail import make_thumbnail

__all__ = [
    "DecodeBudget",
    "DecodedImage",
    "Decoder",
    "ImageFormat",
    "ProbedImage",
    "decode_image",
    "make_thumbnail",
    "probe_image",
    "sniff_format",
]
