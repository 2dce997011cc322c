"""MkDocs hooks: the pages generated from the code at every build.

- ``configuration.md`` from ``imagelens.config.Settings`` (docs/gen/settings_page.py);
- ``build/docs/openapi.json`` from the app factory, which ``reference/api.md`` renders with
  neoteroi's OAD plugin and which the site also serves as ``openapi.json``.

Both are built from the checkout's own ``src/`` (a shared virtual environment may have
another checkout installed), and neither is ever written into ``docs/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "build" / "docs" / "openapi.json"

sys.path[:0] = [str(ROOT / "src"), str(Path(__file__).parent)]

from mkdocs.structure.files import File, Files  # noqa: E402
from openapi_page import write_openapi  # noqa: E402
from settings_page import settings_markdown  # noqa: E402


def on_pre_build(config: Any) -> None:  # noqa: ARG001 (mkdocs passes config by name)
    """Write the OpenAPI document before any page is rendered."""
    write_openapi(OPENAPI)


def on_files(files: Files, config: Any) -> Files:
    """Add the generated pages to the site."""
    files.append(File.generated(config, "configuration.md", content=settings_markdown()))
    files.append(File.generated(config, "openapi.json", abs_src_path=str(OPENAPI)))
    return files
