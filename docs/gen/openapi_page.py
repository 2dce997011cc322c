"""Writes the OpenAPI document the server would serve at ``/openapi.json``, offline.

The app is built but never started: building it opens nothing (no database, no models), and
``app.openapi()`` is the same document a running server answers with.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from imagelens.api.app import create_app
from imagelens.config import Settings


def openapi_document() -> dict[str, object]:
    """The server's OpenAPI document, built from the app factory."""
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)))
        return app.openapi()


def write_openapi(path: Path) -> Path:
    """Write the document to ``path`` (parents created) and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(openapi_document(), indent=2, sort_keys=False) + "\n")
    return path


if __name__ == "__main__":
    print(json.dumps(openapi_document(), indent=2))
