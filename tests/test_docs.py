"""The documentation site: the generated configuration page lists every setting, and the
whole site builds with ``mkdocs build --strict`` (broken links and missing pages fail)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel

from imagelens.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "settings_page", ROOT / "docs" / "gen" / "settings_page.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _env_names(model: type[BaseModel], prefix: str = "IMAGELENS_") -> list[str]:
    """Every leaf setting's variable, walked here independently of the generator."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(prefix + name.upper())
    return names


def test_every_setting_is_on_the_configuration_page() -> None:
    generator = _generator()
    page = generator.settings_markdown()
    expected = _env_names(Settings)
    assert len(expected) > 60
    missing = [name for name in expected if f"`{name}`" not in page]
    assert not missing, f"settings missing from the configuration page: {missing}"
    # ...each with a meaning: a setting without a comment in config.py fails here.
    rows = {row.env: row for row in generator.rows()}
    assert sorted(rows) == sorted(expected)
    undescribed = [env for env, row in rows.items() if not row.description]
    assert not undescribed, f"comment these settings in src/imagelens/config.py: {undescribed}"


def test_configuration_page_shows_types_defaults_and_bounds() -> None:
    page = _generator().settings_markdown()
    assert "| `IMAGELENS_MAX_BATCH` | int (>= 1) | `200` | files per batch upload |" in page
    assert "| `IMAGELENS_QUEUE__KIND` | `inprocess` \\| `celery` | `inprocess` |" in page
    assert "| `IMAGELENS_ENGINE__THREADS` | int (>= 1) | One per CPU core |" in page
    assert "| `IMAGELENS_BOOTSTRAP_API_KEY` | secret | none |" in page


@pytest.mark.skipif(
    importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (the dev extra)"
)
def test_site_builds_strict(tmp_path: Path) -> None:
    # A fresh process, so the hook imports this checkout's src/ (not another installed copy).
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "configuration" / "index.html").is_file()
    reference = (tmp_path / "reference" / "api" / "index.html").read_text()
    assert "/api/v2/images/analyze" in reference
    assert (tmp_path / "openapi.json").is_file()
