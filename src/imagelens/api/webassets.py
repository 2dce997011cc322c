"""Serving the web page's static files: one content hash names the whole bundle.

Every asset is served under ``/assets/<hash>/``, where the hash covers every file's path and
bytes, so a release that changes any file changes every URL and the files can be cached for a
year; the page itself (``/``) is never cached. The ES modules import each other by relative
paths, which therefore stay inside the same hashed folder without a build step.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles

# No inline script or style anywhere: the page's code is in its modules, its styles in its
# stylesheet; images may come from the API (same origin), the user's own files (blob:) and
# data: URLs; nothing may frame the page.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
IMMUTABLE = "public, max-age=31536000, immutable"


def bundle_hash(root: Path) -> str:
    """12 hex digits of sha256 over every file's relative path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class HashedStaticFiles(StaticFiles):
    """Starlette's StaticFiles with year-long caching (the URL changes with the content)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
