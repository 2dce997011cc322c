"""Short videos encoded by the tests with PyAV from real photos and rendered text: scenes of
known content and length, rotated phone clips, and hostile files."""

from __future__ import annotations

import io
from collections.abc import Sequence
from fractions import Fraction

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


def _h264(size: tuple[int, int], frames: int, fps: int) -> bytes:
    """An H.264 elementary stream (Annex B: its SPS in band) of flat grey frames."""
    context = av.CodecContext.create("libx264", "w")
    assert isinstance(context, av.VideoCodecContext)
    context.width, context.height = size
    context.pix_fmt = "yuv420p"
    context.time_base = Fraction(1, fps)
    context.framerate = Fraction(fps, 1)
    context.options = {"preset": "ultrafast", "tune": "zerolatency"}
    out = bytearray()
    for i in range(frames):
        pixels = np.full((size[1], size[0], 3), 40 + (i * 50) % 200, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
        frame.pts = i
        for packet in [*context.encode(frame), *(context.encode() if i == frames - 1 else [])]:
            out += bytes(packet)
    return bytes(out)


def _remux(h264: bytes, fps: int, *, step: int = 1, live: bool = False) -> bytes:
    """An H.264 elementary stream in an MKV, packet ``i`` at ``i * step / fps`` seconds;
    ``live`` leaves out the Duration element (and the cues), as a live recording does."""
    source = av.open(io.BytesIO(h264), "r", format="h264")
    buffer = io.BytesIO()
    options = {"live": "1"} if live else {}
    with source, av.open(buffer, "w", format="matroska", options=options) as out:
        stream = out.add_stream_from_template(source.streams.video[0])
        packets = [p for p in source.demux(source.streams.video[0]) if p.size]
        for i, packet in enumerate(packets):
            packet.pts = packet.dts = i * step
            packet.duration = step
            packet.time_base = Fraction(1, fps)
            packet.stream = stream
            out.mux(packet)
    return buffer.getvalue()


def resolution_switch(
    header: tuple[int, int] = (64, 64), later: tuple[int, int] = (10240, 10240), fps: int = 10
) -> bytes:
    """An MKV whose header (its first SPS, for 8 s of frames) says ``header`` while its last
    two frames are ``later``: 0.8 MB declaring 64x64 held 10240x10240 frames (730 MB)."""
    return _remux(_h264(header, 8 * fps, fps) + _h264(later, 2, fps), fps)


def live_mkv(seconds: int, size: tuple[int, int] = (64, 64)) -> bytes:
    """An MKV without a Duration element whose frames are 10 s apart up to ``seconds``."""
    return _remux(_h264(size, seconds // 10 + 1, 1), 1, step=10, live=True)
