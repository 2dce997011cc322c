"""The deployment files: compose.yaml against the Compose specification's JSON schema (as
check-jsonschema vendors it), its settings against ours, and the Dockerfile's promises.
No Docker engine runs here, so these are static checks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from imagelens.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_file_is_valid_compose(tmp_path: Path) -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # and the schema really rejects a broken file (the check is not a no-op)
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  api:\n    image: 3\n    restart: sometimes\n")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0


def _known(name: str) -> bool:
    """Whether IMAGELENS_A__B names a real setting."""
    model: type[BaseModel] = Settings
    parts = name.removeprefix("IMAGELENS_").lower().split("__")
    for i, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if i < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def test_compose_runs_the_scale_out_shape_with_real_settings() -> None:
    services = _compose()["services"]
    assert {"api", "worker", "postgres", "redis", "minio"} <= set(services)
    assert services["api"]["command"][:3] == ["serve", "--role", "api"]
    assert services["worker"]["command"][0] == "worker"
    api_env, worker_env = services["api"]["environment"], services["worker"]["environment"]
    for key in ("IMAGELENS_DATABASE_URL", "IMAGELENS_QUEUE__BROKER_URL", "IMAGELENS_STORAGE__KIND"):
        assert api_env[key] == worker_env[key]  # one database, broker and store
    names = [k for k in {**api_env, **worker_env} if k.startswith("IMAGELENS_")]
    assert [n for n in names if not _known(n)] == []
    # The values parse as settings (a typo in a kind or a URL scheme fails here).
    values: dict[str, Any] = {}
    for key, value in api_env.items():
        if key.startswith("IMAGELENS_"):
            *groups, field = key.removeprefix("IMAGELENS_").lower().split("__")
            target = values
            for group in groups:
                target = target.setdefault(group, {})
            target[field] = value
    settings = Settings.model_validate(values)
    assert (settings.queue.kind, settings.storage.kind) == ("celery", "s3")


def test_dockerfile_runs_as_a_user_with_the_models_inside() -> None:
    text = (ROOT / "Dockerfile").read_text()
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in ("root", "0")
    pinned = re.search(r'"torch==([\d.]+)"', (ROOT / "pyproject.toml").read_text())
    assert pinned is not None and f"torch=={pinned.group(1)}" in text
    assert "download.pytorch.org/whl/cpu" in text  # no CUDA wheels
    assert ".warmup()" in text  # models loaded at build time, never downloaded at run time
    assert re.search(r'^ENTRYPOINT \["imagelens"\]', text, re.MULTILINE)
