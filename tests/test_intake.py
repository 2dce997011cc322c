from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from datetime import datetime

import pytest
from PIL import Image

from imagelens.config import LimitSettings
from imagelens.errors import (
    DecompressionBomb,
    ImageTooLarge,
    InvalidImage,
    ServerBusy,
    UnsupportedMediaType,
)
from imagelens.intake import (
    DecodeBudget,
    Decoder,
    ImageFormat,
    decode_image,
    make_thumbnail,
    probe_image,
    sniff_format,
)
from imagelens.intake.hashes import hamming_distance
from tests.imagegen import encode, huge_png, photo


@pytest.fixture(scope="module")
def cat() -> Image.Image:
    return photo("chelsea")


@pytest.mark.parametrize(
    ("pil_format", "expected", "content_type"),
    [
        ("JPEG", ImageFormat.JPEG, "image/jpeg"),
        ("PNG", ImageFormat.PNG, "image/png"),
        ("WEBP", ImageFormat.WEBP, "image/webp"),
        ("GIF", ImageFormat.GIF, "image/gif"),
        ("TIFF", ImageFormat.TIFF, "image/tiff"),
        ("BMP", ImageFormat.BMP, "image/bmp"),
    ],
)
def test_each_format_is_sniffed_and_decoded(
    cat: Image.Image, pil_format: str, expected: ImageFormat, content_type: str
) -> None:
    decoded = decode_image(encode(cat, pil_format))
    assert decoded.format is expected
    assert decoded.metadata.content_type == content_type
    assert (decoded.metadata.width, decoded.metadata.height) == cat.size
    assert decoded.image.mode == "RGB"


def test_heic_is_decoded(cat: Image.Image) -> None:
    from pillow_heif import from_pillow

    out = io.BytesIO()
    from_pillow(cat).save(out, format="HEIF", quality=80)
    decoded = decode_image(out.getvalue())
    assert decoded.format is ImageFormat.HEIF
    assert decoded.metadata.content_type == "image/heif"
    assert (decoded.metadata.width, decoded.metadata.height) == cat.size


def test_type_comes_from_bytes_not_name(cat: Image.Image) -> None:
    assert sniff_format(encode(cat, "PNG")) is ImageFormat.PNG


def test_zero_byte_file_is_refused() -> None:
    with pytest.raises(InvalidImage, match="empty"):
        decode_image(b"")


def test_text_file_is_refused_with_supported_types() -> None:
    with pytest.raises(UnsupportedMediaType, match="JPEG, PNG"):
        decode_image(b"this is a text file that someone named photo.jpg\n")


def test_truncated_jpeg_is_a_clear_error(cat: Image.Image) -> None:
    data = encode(cat, "JPEG")
    with pytest.raises(InvalidImage, match="corrupt or truncated"):
        decode_image(data[: len(data) // 3])


def test_garbage_after_a_png_signature_is_a_clear_error() -> None:
    with pytest.raises(InvalidImage):
        decode_image(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20)


def _png_bomb(width: int, height: int) -> bytes:
    """A 100-byte PNG whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_refused_before_decoding() -> None:
    bomb = _png_bomb(60_000, 60_000)
    assert len(bomb) < 200
    with pytest.raises(DecompressionBomb, match=r"(?i)refused"):
        decode_image(bomb)


def test_pixel_limit_is_configurable(cat: Image.Image) -> None:
    with pytest.raises(DecompressionBomb, match="megapixels"):
        decode_image(encode(cat, "PNG"), LimitSettings(max_pixels=10_000))


def test_byte_limit(cat: Image.Image) -> None:
    with pytest.raises(ImageTooLarge, match="over the limit"):
        decode_image(encode(cat, "PNG"), LimitSettings(max_bytes=1000))


def test_exif_orientation_is_applied_and_summarised(cat: Image.Image) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS 5D"
    exif.get_ifd(0x8769)[0x9003] = "2024:03:12 10:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (60.0, 10.0, 12.0), 3: "E", 4: (24.0, 56.0, 0.0)})
    decoded = decode_image(encode(cat, "JPEG", exif=exif))
    assert (decoded.metadata.width, decoded.metadata.height) == (cat.height, cat.width)
    assert decoded.exif is not None
    assert decoded.exif.camera == "Canon EOS 5D"
    assert decoded.exif.taken_at == datetime(2024, 3, 12, 10, 30)
    assert decoded.exif.gps_latitude == pytest.approx(60.17, abs=0.01)
    assert decoded.exif.gps_longitude == pytest.approx(24.933, abs=0.01)


def test_first_frame_of_an_animation() -> None:
    frames = [Image.new("RGB", (40, 30), color) for color in ("red", "blue", "green")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    decoded = decode_image(data)
    assert decoded.frames == 3
    r, g, b = decoded.image.getpixel((5, 5))  # type: ignore[misc]
    assert r > 200 and g < 50 and b < 50


def test_transparency_reads_as_white() -> None:
    decoded = decode_image(encode(Image.new("RGBA", (20, 20), (255, 0, 0, 0)), "PNG"))
    assert decoded.image.getpixel((3, 3)) == (255, 255, 255)


def test_hashes(cat: Image.Image) -> None:
    a = decode_image(encode(cat, "PNG"))
    resized = decode_image(encode(cat.resize((225, 150)), "JPEG", quality=70))
    other = decode_image(encode(photo("coffee"), "PNG"))
    assert len(a.content_hash) == 64 and a.content_hash != resized.content_hash
    assert hamming_distance(a.perceptual_hash, resized.perceptual_hash) <= 6
    assert hamming_distance(a.perceptual_hash, other.perceptual_hash) > 16


def test_thumbnail_is_webp_with_longest_side_256(cat: Image.Image) -> None:
    thumb = make_thumbnail(decode_image(encode(cat, "PNG")).image)
    assert thumb[8:12] == b"WEBP"
    assert max(Image.open(io.BytesIO(thumb)).size) == 256


def test_bomb_refusal_quotes_the_configured_limit() -> None:
    # 3.6 GP trips Pillow's own guard in Image.open; the message must name our limit.
    with pytest.raises(DecompressionBomb) as caught:
        decode_image(_png_bomb(60_000, 60_000), LimitSettings(max_pixels=50_000_000))
    assert "50 megapixels" in caught.value.message
    assert "3600.0 megapixels" in caught.value.message
    assert "178956970" not in caught.value.message


def test_errors_carry_no_object_reprs() -> None:
    for data in (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, b"\xff\xd8\xff" + b"\x00" * 50):
        with pytest.raises(InvalidImage) as caught:
            decode_image(data)
        assert " at 0x" not in caught.value.message, caught.value.message


def test_huge_images_are_kept_at_the_analysis_size() -> None:
    """A 300 KB PNG declaring 100 MP: decoded, then reduced at once; metadata keeps the size."""
    decoded = decode_image(huge_png(), LimitSettings(max_analysis_pixels=16_000_000))
    assert decoded.image.width * decoded.image.height <= 16_000_000
    assert decoded.image.width > 3_900
    assert (decoded.metadata.width, decoded.metadata.height) == (10_000, 9_999)


def test_large_jpegs_decode_at_a_reduced_scale(cat: Image.Image) -> None:
    big = cat.resize((4000, 2600))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, viewed portrait
    limits = LimitSettings(max_analysis_pixels=1_000_000)
    decoded = decode_image(encode(big, "JPEG", quality=80, exif=exif), limits)
    assert decoded.image.width * decoded.image.height <= 1_000_000
    assert decoded.image.height > decoded.image.width  # upright
    assert (decoded.metadata.width, decoded.metadata.height) == (2600, 4000)


def test_budget_makes_decodes_wait_then_refuses(cat: Image.Image) -> None:
    budget = DecodeBudget(capacity=10 << 20, wait=0.2)
    data = encode(cat, "PNG")
    with budget.reserve(10 << 20):
        with pytest.raises(ServerBusy) as caught:
            decode_image(data, budget=budget)
        assert caught.value.retry_after >= 1
    assert budget.in_use == 0
    decode_image(data, budget=budget)  # room again

    patient = DecodeBudget(capacity=10 << 20, wait=30)
    release = threading.Event()

    def hold() -> None:
        with patient.reserve(10 << 20):
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    while patient.in_use == 0:
        time.sleep(0.01)
    threading.Timer(0.2, release.set).start()
    with patient.reserve(1 << 20):  # waits for the holder to finish, then gets in
        assert patient.in_use == 1 << 20
    holder.join()

    # A decoder may wait differently from the budget's default (workers wait longer).
    with patient.reserve(10 << 20), pytest.raises(ServerBusy):
        Decoder(LimitSettings(), patient, wait=0.05).decode(data)


def test_decoding_leaves_the_warning_filters_of_other_threads_alone(
    cat: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    # warnings.catch_warnings is process-wide: a decode that saved the filters on entry and put
    # them back on exit dropped a filter another thread added meanwhile (FastAPI silences a
    # pydantic warning that way while it builds a route; CI saw that request fail).
    import warnings

    class Meanwhile(UserWarning):
        pass

    opened = Image.open

    def open_while_another_thread_adds_a_filter(*args: object, **kwargs: object) -> Image.Image:
        warnings.filterwarnings("ignore", category=Meanwhile)
        return opened(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image, "open", open_while_another_thread_adds_a_filter)
    with warnings.catch_warnings():
        decode_image(encode(cat, "PNG"))
        # An error here if the filter was dropped.
        warnings.warn("added while the image decoded", Meanwhile, stacklevel=1)


def test_an_image_past_pillows_own_warning_but_within_our_limit_is_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 10000 x 9000 = 90 MP: past Pillow's 89 MP warning, within our 100 MP default. Warnings are
    # errors here, so this fails if Pillow's guard still warns on what we accept.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 89_478_485)  # Pillow's own, as at start
    probed = probe_image(_png_bomb(10_000, 9_000))
    assert (probed.width, probed.height) == (10_000, 9_000)
