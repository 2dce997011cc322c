"""Videos: key frames by scene change, tags with time ranges, text with timestamps,
moderation over every frame, rotation, codecs and containers, hostile files; through the
engine, the HTTP API and the CLI."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from imagelens.config import LimitSettings
from imagelens.engine import Engine
from imagelens.engine.base import AnalysisOptions
from imagelens.errors import DecompressionBomb, ImageTooLarge, InvalidImage
from imagelens.intake import decode_image, probe_image
from imagelens.types import AnalysisResult, Language
from tests import imagegen, videos
from tests.live import LiveServer, make_settings, run_server, wait_job

API = "/api/v2"


def _sign() -> Image.Image:
    return imagegen.text_page(
        ("GRAND OPENING", "Saturday 10 am"), size=(640, 480), font_size=44
    ).image


@pytest.fixture(scope="module")
def clip() -> bytes:
    """Four hard-cut scenes of one second: a cat, a coffee, a sign, a rocket."""
    return videos.encode_clip(
        [
            (imagegen.photo("chelsea"), 1.0),
            (imagegen.photo("coffee"), 1.0),
            (_sign(), 1.0),
            (imagegen.photo("rocket"), 1.0),
        ]
    )


@pytest.fixture(scope="module")
def analysed(engine: Engine, clip: bytes) -> AnalysisResult:
    return engine.analyze(clip)


def test_one_key_frame_per_scene(analysed: AnalysisResult) -> None:
    assert [f.time_s for f in analysed.frames] == [0.0, 1.0, 2.0, 3.0]
    meta = analysed.metadata
    assert (meta.media_type, meta.format, meta.codec) == ("video", "MP4", "h264")
    assert (meta.width, meta.height, meta.duration_s, meta.fps, meta.rotation) == (
        320,
        240,
        4.0,
        10.0,
        0,
    )


def test_tags_hold_for_their_scenes(analysed: AnalysisResult) -> None:
    ranges = {r.name: (r.start_s, r.end_s) for r in analysed.tag_ranges}
    assert ranges["cat"] == (0.0, 1.0)
    assert ranges["espresso"] == (1.0, 2.0)
    assert ranges["missile"] == (3.0, 4.0)  # the last scene holds until the end
    assert {"cat", "espresso", "missile"} <= set(analysed.tags)
    assert analysed.frames[0].tags[0] == "egyptian-mau"


def test_text_on_screen_has_its_time(analysed: AnalysisResult) -> None:
    assert analysed.visible_text == "GRAND OPENING\nSaturday 10 am"
    assert {r.time_s for r in analysed.text_regions} == {2.0}
    assert analysed.frames[2].visible_text == "GRAND OPENING\nSaturday 10 am"


def test_the_description_says_video_and_is_translated(engine: Engine, clip: bytes) -> None:
    english = engine.analyze(clip)
    assert english.description.startswith("A video (0:04). ")
    german = engine.analyze(clip, AnalysisOptions(lang=Language.DE))
    assert german.description.startswith("Ein Video (0:04). ")


def test_rotation_is_applied() -> None:
    # Landscape frames, top half red: shown turned 90 degrees clockwise, red is on the right.
    picture = Image.new("RGB", (320, 240), "blue")
    picture.paste((255, 0, 0), (0, 0, 320, 120))
    decoded = decode_image(videos.rotated(videos.encode_clip([(picture, 1.0)])))
    assert (decoded.metadata.width, decoded.metadata.height, decoded.metadata.rotation) == (
        240,
        320,
        90,
    )
    left, right = decoded.image.getpixel((20, 160)), decoded.image.getpixel((220, 160))
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert right[0] > 200 > left[0] and left[2] > 200


@pytest.mark.parametrize(
    ("codec", "container", "fmt", "name"),
    [
        ("libx265", "mp4", "MP4", "hevc"),
        ("libvpx-vp9", "webm", "WEBM", "vp9"),
        ("libx264", "matroska", "MKV", "h264"),
        ("libx264", "mov", "MOV", "h264"),
    ],
)
def test_codecs_and_containers(codec: str, container: str, fmt: str, name: str) -> None:
    scenes = [(imagegen.photo("chelsea"), 0.5), (imagegen.photo("rocket"), 0.5)]
    decoded = decode_image(videos.encode_clip(scenes, codec=codec, container=container))
    assert (decoded.metadata.format, decoded.metadata.codec) == (fmt, name)
    assert decoded.video is not None and len(decoded.video.frames) == 2


# --- hostile videos -----------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0.05, 0.3, 0.6, 0.95])
def test_a_truncated_video_is_refused(clip: bytes, cut: float) -> None:
    with pytest.raises(InvalidImage) as caught:
        decode_image(clip[: int(len(clip) * cut)])
    assert "Errno" not in caught.value.message


def test_ten_thousand_tiny_frames_are_bounded() -> None:
    tiny = videos.encode_clip(
        [(Image.new("RGB", (16, 16), (i % 256, 0, 255 - i % 256)), 0.001) for i in range(10_000)],
        fps=1000,
        size=(16, 16),
    )
    started = time.perf_counter()
    decoded = decode_image(tiny)
    assert decoded.video is not None and decoded.video.decoded_frames == 10_000
    assert len(decoded.video.frames) <= 16
    assert time.perf_counter() - started < 30


def test_limits_on_size_duration_and_frame_size(clip: bytes) -> None:
    with pytest.raises(ImageTooLarge, match="MAX_VIDEO_BYTES"):
        probe_image(clip, LimitSettings(max_video_bytes=len(clip) - 1))
    with pytest.raises(ImageTooLarge, match="lasts 4 s"):
        probe_image(clip, LimitSettings(max_video_seconds=3))
    with pytest.raises(DecompressionBomb):
        probe_image(clip, LimitSettings(max_pixels=320 * 240 - 1))


# --- through the server -------------------------------------------------------------------


def test_a_video_over_http(server: LiveServer, clip: bytes) -> None:
    with server.client() as client:
        done = client.post(
            f"{API}/images/analyze", files={"file": ("party.mp4", clip, "video/mp4")}
        ).json()
        assert done["status"] == "completed", done
        assert done["metadata"]["media_type"] == "video"
        assert done["metadata"]["duration_s"] == 4.0
        image_id = done["image_id"]
        analysis = client.get(f"{API}/files/{image_id}/analysis").json()["result"]
        assert len(analysis["frames"]) == 4 and analysis["tag_ranges"]
        assert client.get(f"{API}/files/{image_id}").json()["media_type"] == "video"
        thumb = client.get(f"{API}/files/{image_id}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
        accepted = client.post(
            f"{API}/images/analyze/async", files={"file": ("clip.webm", _webm())}
        ).json()
        job = wait_job(client, accepted["job_id"])
        assert job["status"] == "completed", job
        broken = client.post(f"{API}/images/analyze", files={"file": ("cut.mp4", clip[:2000])})
        assert broken.status_code == 400
        assert "video" in broken.json()["error"]["message"]


def _webm() -> bytes:
    scenes = [(imagegen.photo("coffee"), 0.5), (imagegen.photo("astronaut"), 0.5)]
    return videos.encode_clip(scenes, codec="libvpx-vp9", container="webm")


# --- what the header does not say (issue 24 items 6 and 9) -----------------------------------


def test_a_frame_over_the_pixel_limit_mid_stream_is_a_bomb() -> None:
    switching = videos.resolution_switch(header=(64, 64), later=(1280, 720))
    limits = LimitSettings(max_pixels=500_000)
    assert probe_image(switching, limits).width == 64  # the header passes
    with pytest.raises(DecompressionBomb, match="1280x720") as caught:
        decode_image(switching, limits)
    assert caught.value.details["frame"] == 81  # after 8 s of 64x64 frames
    assert decode_image(switching, LimitSettings(max_pixels=1280 * 720)).video is not None


def test_a_live_mkv_without_duration_is_bounded_by_its_timestamps() -> None:
    with pytest.raises(ImageTooLarge, match="more than 600 s"):
        decode_image(videos.live_mkv(700))
    decoded = decode_image(videos.live_mkv(500))
    assert decoded.metadata.duration_s == 500.0


def test_a_resolution_switch_over_http(engine: Engine, database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url, limits={"max_pixels": 500_000})
    switching = videos.resolution_switch(header=(64, 64), later=(1280, 720))
    with run_server(settings, engine) as live, live.client() as client:
        files = {"file": ("switch.mkv", switching, "video/x-matroska")}
        response = client.post(f"{API}/images/analyze", files=files)
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "decompression_bomb"
        assert client.get("/readyz").status_code == 200
