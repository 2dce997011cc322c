"""The object store a process uses, built from its settings."""

from __future__ import annotations

from pathlib import Path

from imagelens.config import StorageSettings
from imagelens.storage.base import ObjectStore
from imagelens.storage.local import LocalStore


def build_store(settings: StorageSettings, data_dir: Path) -> ObjectStore:
    """``local``: files under ``data_dir/objects``; ``s3``: the configured bucket."""
    if settings.kind == "s3":
        from imagelens.storage.s3 import S3Store  # boto3 loads only when S3 is used

        return S3Store.connect(
            bucket=settings.bucket,
            prefix=settings.prefix,
            endpoint_url=settings.endpoint_url or None,
            region=settings.region or None,
        )
    return LocalStore(data_dir / "objects")
