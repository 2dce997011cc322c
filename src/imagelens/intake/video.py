"""Videos through FFmpeg (PyAV's wheels): checked, decoded once, key frames chosen by scene
change.

Every frame is decoded (bounded: at most ``MAX_DECODED_FRAMES`` and ``DECODE_SECONDS``) and
reduced to a 32x18 grey signature; a frame that differs enough from the last one kept starts a
new scene and is kept, reduced to at most 1 MP. The ``MAX_KEY_FRAMES`` most distinct scenes
(the first frame always among them) are what the engine analyses. Written by hand: the
scene-change test is a mean difference of tiny grey frames, which no library packages apart
from a full video-analysis stack.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

from imagelens.config import LimitSettings
from imagelens.errors import DecompressionBomb, ImageTooLarge, InvalidImage
from imagelens.intake.body import Body, as_body

MAX_KEY_FRAMES = 16
MAX_DECODED_FRAMES = 20_000
DECODE_SECONDS = 120.0  # wall time for one video's decode, whatever it holds
_FRAME_PIXELS = 1_000_000
_SIGNATURE = (32, 18)
_SCENE_CHANGE = 0.10  # mean absolute grey difference (0-1) that starts a new scene


@dataclass(frozen=True)
class KeyFrame:
    time_s: float
    image: Image.Image  # RGB, upright (the stream's rotation applied), at most 1 MP
    change: float  # how far it is from the scene before (1.0 for the first frame)


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int  # as displayed: rotation applied
    height: int
    fps: float | None
    duration_s: float | None
    rotation: int  # degrees the frames were turned (clockwise) to stand upright


@dataclass(frozen=True)
class VideoSource:
    info: VideoInfo
    frames: tuple[KeyFrame, ...]  # in time order
    decoded_frames: int


def probe_video(data: bytes | Body, limits: LimitSettings) -> VideoInfo:
    """Check size, container, stream, dimensions and duration; decode nothing."""
    body = as_body(data)
    _check_size(body.size, limits)
    with _opened(body) as container:
        return _info(container, limits)


def decode_video(data: bytes | Body, limits: LimitSettings) -> VideoSource:
    """The key frames (FFmpeg reads a spooled upload from its file, never all of it)."""
    body = as_body(data)
    _check_size(body.size, limits)
    with _opened(body) as container:
        info = _info(container, limits)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        # A new SPS can enlarge the picture mid-stream: FFmpeg then refuses to allocate a frame
        # over the limit (the check on each frame covers decoders that allocate their own).
        stream.codec_context.options = {"max_pixels": str(limits.max_pixels)}
        first_time: float | None = None
        span = 0.0
        kept: list[KeyFrame] = []
        last: np.ndarray | None = None
        decoded = 0
        rotation = 0
        deadline = time.monotonic() + DECODE_SECONDS
        try:
            for frame in container.decode(stream):
                decoded += 1
                _check_frame(frame, decoded, info, limits)
                # A live recording declares no duration: its timestamps say how long it is.
                first_time = _time(frame) if first_time is None else first_time
                span = _time(frame) - first_time
                _check_length(span, limits)
                if decoded == 1:
                    rotation = round(float(getattr(frame, "rotation", 0) or 0)) % 360
                signature = _signature(frame)
                change = 1.0 if last is None else float(np.abs(signature - last).mean())
                if last is None or change >= _SCENE_CHANGE:
                    last = signature
                    kept.append(KeyFrame(_time(frame), _upright(frame, rotation), change))
                    kept = _bound(kept)
                if decoded >= MAX_DECODED_FRAMES or time.monotonic() > deadline:
                    break
        except av.FFmpegError as exc:
            _check_refused(stream, decoded + 1, info, limits, exc)
            if not kept:  # truncated before the first frame: nothing to analyse
                raise InvalidImage(f"The video cannot be decoded ({_reason(exc)}).") from exc
    if not kept:
        raise InvalidImage("The video has no frame that could be decoded.")
    if info.duration_s is None:
        info = dataclasses.replace(info, duration_s=span)
    if rotation:
        turned = rotation in (90, 270)
        width, height = (info.height, info.width) if turned else (info.width, info.height)
        clockwise = (360 - rotation) % 360  # FFmpeg counts counter-clockwise
        info = VideoInfo(info.codec, width, height, info.fps, info.duration_s, clockwise)
    frames = sorted(_best(kept), key=lambda k: k.time_s)
    return VideoSource(info, tuple(frames), decoded)


def _reason(exc: av.FFmpegError) -> str:
    """FFmpeg's words without the errno and the object names PyAV adds."""
    return str(getattr(exc, "strerror", None) or type(exc).__name__)


def _check_size(size: int, limits: LimitSettings) -> None:
    if size > limits.max_video_bytes:
        raise ImageTooLarge(
            f"The video is {size / 1e6:.1f} MB, over the limit of "
            f"{limits.max_video_bytes / 1e6:.0f} MB (IMAGELENS_LIMITS__MAX_VIDEO_BYTES).",
            details={"size_bytes": size, "max_bytes": limits.max_video_bytes},
        )


@contextmanager
def _opened(body: Body) -> Iterator[av.container.InputContainer]:
    with body.open() as stream:
        try:
            container = av.open(stream, mode="r")
        except av.FFmpegError as exc:
            raise InvalidImage(f"The video is corrupt or unreadable ({_reason(exc)}).") from exc
        try:
            yield container
        finally:
            container.close()


def _info(container: av.container.InputContainer, limits: LimitSettings) -> VideoInfo:
    if not container.streams.video:
        raise InvalidImage("The file has no video stream.")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise InvalidImage(f"The video declares an empty picture ({width}x{height}).")
    if width * height > limits.max_pixels:
        raise DecompressionBomb(
            f"The video declares {width}x{height} frames, over the limit of "
            f"{limits.max_pixels / 1e6:.0f} megapixels.",
            details={"width": width, "height": height, "max_pixels": limits.max_pixels},
        )
    duration = _duration(container, stream)
    if duration is not None and duration > limits.max_video_seconds:
        raise ImageTooLarge(
            f"The video lasts {duration:.0f} s, over the limit of {limits.max_video_seconds:.0f} "
            "s (IMAGELENS_LIMITS__MAX_VIDEO_SECONDS).",
            details={"duration_s": round(duration, 1), "max_seconds": limits.max_video_seconds},
        )
    rate = stream.average_rate
    fps = float(rate) if rate else None
    return VideoInfo(stream.codec_context.name, width, height, fps, duration, 0)


def _check_frame(frame: av.VideoFrame, number: int, info: VideoInfo, limits: LimitSettings) -> None:
    """Every frame within MAX_PIXELS, whatever the header said (before it is converted)."""
    _check_pixels(frame.width, frame.height, number, info, limits)


def _check_refused(
    stream: av.VideoStream, number: int, info: VideoInfo, limits: LimitSettings, exc: Exception
) -> None:
    """A decoder error because FFmpeg refused a picture over ``max_pixels`` is a bomb."""
    context = stream.codec_context
    _check_pixels(context.width, context.height, number, info, limits, exc)


def _check_pixels(
    width: int,
    height: int,
    number: int,
    info: VideoInfo,
    limits: LimitSettings,
    cause: Exception | None = None,
) -> None:
    if width * height <= limits.max_pixels:
        return
    raise DecompressionBomb(
        f"Frame {number} of the video is {width}x{height} (its header said {info.width}x"
        f"{info.height}), over the limit of {limits.max_pixels / 1e6:g} megapixels.",
        details={
            "frame": number,
            "width": width,
            "height": height,
            "max_pixels": limits.max_pixels,
        },
    ) from cause


def _check_length(seconds: float, limits: LimitSettings) -> None:
    if seconds > limits.max_video_seconds:
        raise ImageTooLarge(
            f"The video lasts more than {limits.max_video_seconds:.0f} s (its frames' timestamps "
            "go on past it; IMAGELENS_LIMITS__MAX_VIDEO_SECONDS).",
            details={"duration_s": round(seconds, 1), "max_seconds": limits.max_video_seconds},
        )


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # AV_TIME_BASE
    return None


def _signature(frame: av.VideoFrame) -> np.ndarray:
    grey = frame.reformat(width=_SIGNATURE[0], height=_SIGNATURE[1], format="gray")
    return grey.to_ndarray().astype(np.float32) / 255.0


def _time(frame: av.VideoFrame) -> float:
    return round(float(frame.time), 3) if frame.time is not None else 0.0


def _upright(frame: av.VideoFrame, rotation: int) -> Image.Image:
    width, height = frame.width, frame.height
    scale = min(1.0, math.sqrt(_FRAME_PIXELS / (width * height)))
    size = (max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2))
    pixels = frame.reformat(width=size[0], height=size[1], format="rgb24").to_ndarray()
    image = Image.fromarray(pixels)
    # FFmpeg's rotation is counter-clockwise; PIL's rotate() turns counter-clockwise too.
    return image.rotate(rotation, expand=True) if rotation else image


def _bound(kept: list[KeyFrame]) -> list[KeyFrame]:
    """At most twice the key frames in memory: past that, drop the least distinct scene."""
    if len(kept) <= 2 * MAX_KEY_FRAMES:
        return kept
    weakest = min(range(1, len(kept)), key=lambda i: kept[i].change)
    return kept[:weakest] + kept[weakest + 1 :]


def _best(kept: list[KeyFrame]) -> list[KeyFrame]:
    if len(kept) <= MAX_KEY_FRAMES:
        return kept
    rest = sorted(kept[1:], key=lambda k: k.change, reverse=True)[: MAX_KEY_FRAMES - 1]
    return [kept[0], *rest]
