"""A short, typed summary of the EXIF block: camera, time taken, GPS position."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PIL import Image

from imagelens.types import ExifSummary

_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_EXIF_IFD, _GPS_IFD, _DATETIME_ORIGINAL = 0x8769, 0x8825, 0x9003


def summarize_exif(image: Image.Image) -> ExifSummary | None:
    """Read the EXIF summary of ``image``; ``None`` when it carries none."""
    try:
        exif = image.getexif()
    except Exception:  # a broken EXIF block must not fail the analysis
        return None
    if not exif:
        return None
    make = _text(exif.get(_MAKE))
    model = _text(exif.get(_MODEL))
    # Many makers repeat the make in the model ("Canon" + "Canon EOS 5D"): say it once.
    camera = (
        model
        if make and model and model.startswith(make)
        else " ".join(filter(None, (make, model)))
    )
    taken = _text(exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL)) or _text(exif.get(_DATETIME))
    lat, lon = _gps(exif.get_ifd(_GPS_IFD))
    orientation = exif.get(_ORIENTATION)
    return ExifSummary(
        camera=camera or None,
        taken_at=_parse_time(taken),
        gps_latitude=lat,
        gps_longitude=lon,
        orientation=orientation if isinstance(orientation, int) else None,
    )


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.strip("\x00 ").strip()
        return value or None
    return None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _gps(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    # GPS IFD tags: 1 lat ref, 2 lat, 3 lon ref, 4 lon (degrees, minutes, seconds rationals).
    try:
        lat = _degrees(gps[2]) * (-1 if _text(gps.get(1)) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if _text(gps.get(3)) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return round(lat, 7), round(lon, 7)


def _degrees(dms: Any) -> float:
    d, m, s = (float(v) for v in dms)
    return d + m / 60 + s / 3600
