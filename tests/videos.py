"""Short videos encoded by the tests with PyAV from real photos and rendered text: scenes of
known content and length, rotated phone clips, and hostile files."""

from __future__ import annotations

import io
from collections.abc import Sequence

import av
import numpy as np
from PIL import Image

# The tkhd box's identity matrix, and the one that says "turn 90 degrees clockwise to show"
# (what phones write for a portrait clip recorded with the sensor in landscape).
_IDENTITY = bytes.fromhex(
    "000100000000000000000000000000000001000000000000000000000000000040000000"
)
_ROTATE_90 = bytes.fromhex(
    "000000000001000000000000FFFF00000000000000000000000000000000000040000000"
)


def encode_clip(
    scenes: Sequence[tuple[Image.Image, float]],
    *,
    fps: int = 10,
    size: tuple[int, int] = (320, 240),
    codec: str = "libx264",
    container: str = "mp4",
) -> bytes:
    """One scene per (picture, seconds), cut hard from one to the next."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=fps)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for picture, seconds in scenes:
            pixels = np.asarray(picture.convert("RGB").resize(size))
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for _ in range(max(1, round(seconds * fps))):
                for packet in stream.encode(frame):
                    out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buffer.getvalue()


def rotated(mp4: bytes) -> bytes:
    """The same MP4 marked (in its track header) to be shown turned 90 degrees clockwise."""
    track = mp4.index(b"tkhd")
    at = mp4.index(_IDENTITY, track)
    return mp4[:at] + _ROTATE_90 + mp4[at + len(_IDENTITY) :]
