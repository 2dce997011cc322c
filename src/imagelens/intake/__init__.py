"""Intake: from untrusted bytes to an upright, bounded, decoded image."""

from imagelens.intake.decode import DecodedImage, decode_image
from imagelens.intake.sniff import ImageFormat, sniff_format
from imagelens.intake.thumbnail import make_thumbnail

__all__ = ["DecodedImage", "ImageFormat", "decode_image", "make_thumbnail", "sniff_format"]
