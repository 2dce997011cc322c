"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2) via boto3.

Keys are the same content-addressed keys as the local store, under an optional prefix.
Credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
profiles, instance roles). botocore errors are translated here, where they enter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from imagelens.errors import InsufficientStorage, NotFound, StorageUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MISSING = {"404", "NoSuchKey", "NotFound"}
_FULL = {"QuotaExceeded", "EntityTooLarge", "InsufficientStorage"}


class S3Store:
    """A bucket (and a prefix inside it) as an object store."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def connect(
        cls,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        credentials: dict[str, str] | None = None,
    ) -> S3Store:
        """A store on a new client (``credentials``: access key id/secret, else boto3's chain)."""
        config = Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=30,
            s3={"addressing_style": "path"} if endpoint_url else None,
        )
        client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=config,
            **(credentials or {}),
        )
        return cls(client, bucket, prefix)

    def object_key(self, key: str) -> str:
        return self.prefix + key

    def check(self) -> None:
        """Raise StorageUnavailable unless the bucket answers (at start, or when configured)."""
        try:
            with self._errors("checking"):
                self.client.head_bucket(Bucket=self.bucket)
        except NotFound:
            raise StorageUnavailable(
                f"The bucket {self.bucket} does not exist (IMAGELENS_STORAGE__BUCKET)."
            ) from None

    def put(self, key: str, data: bytes) -> None:
        with self._errors(key):
            self.client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=data)

    def get(self, key: str) -> bytes:
        with self._errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
            body: bytes = response["Body"].read()
            return body

    def exists(self, key: str) -> bool:
        try:
            with self._errors(key):
                self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    @contextmanager
    def _errors(self, key: str) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            error: dict[str, Any] = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            if code in _MISSING:
                raise NotFound(f"The stored object {key} is missing.") from None
            if code in _FULL:
                raise InsufficientStorage(
                    f"The bucket {self.bucket} refused {key}: {code}."
                ) from exc
            raise StorageUnavailable(
                f"The object store answered {code or 'an error'} for bucket {self.bucket}: "
                f"{error.get('Message', '')}".rstrip(": ")
            ) from exc
        except BotoCoreError as exc:  # endpoint unreachable, credentials missing, timeouts
            raise StorageUnavailable(
                f"Could not reach the object store for bucket {self.bucket}: {exc}"
            ) from exc
