"""The web page: static files only (HTML, CSS, ES modules and two vendored libraries), served
by :mod:`imagelens.api.webassets`. Nothing here runs on the server."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
