"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2) via boto3.

Keys are the same content-addressed keys as the local store, under an optional prefix.
Credentials come from boto3's standard chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY,
profiles, instance roles). botocore errors are translated here, where they enter.

Reads are bounded by the caller's ``max_bytes`` (a tenant's endpoint may answer with
anything), and redirects are never followed: botocore's S3 region redirector would follow a
301 to wherever it points, and recursed without end on an endpoint that redirects every
request, so any 3xx answer becomes StorageUnavailable naming the bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from imagelens.errors import InsufficientStorage, InvalidInput, NotFound, StorageUnavailable
from imagelens.storage.base import CHUNK, ObjectReader, bounded

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

_ONE_COPY = 5 * 1024**3  # the most CopyObject copies in one request
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
# The client's part list does not match what it sent: its mistake, not the bucket's.
_BAD_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}
_FULL = {"QuotaExceeded", "EntityTooLarge", "InsufficientStorage"}


class S3Store:
    """A bucket (and a prefix inside it) as an object store."""

    def __init__(self, client: S3Client, bucket: str, prefix: str = "") -> None:
        # First in line, so the region redirector never sees a redirect to follow.
        client.meta.events.register_first(
            "needs-retry.s3", _refuse_redirects, unique_id="imagelens-refuse-redirects"
        )
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

    def put_file(self, key: str, path: Path) -> None:
        # boto3's transfer manager streams the file, in parts when it is big.
        with self._errors(key):
            self.client.upload_file(str(path), self.bucket, self.object_key(key))

    def get(self, key: str, *, max_bytes: int) -> bytes:
        return self.open(key, max_bytes=max_bytes).read()

    def open(self, key: str, *, max_bytes: int) -> ObjectReader:
        with self._errors(key):
            response = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        body = response["Body"]
        declared = response.get("ContentLength")
        if declared is not None and declared > max_bytes:
            body.close()
            raise self._too_big(key, max_bytes, declared)

        def chunks() -> Iterator[bytes]:
            with self._errors(key):
                yield from bounded(
                    body.iter_chunks(CHUNK), max_bytes, lambda: self._too_big(key, max_bytes)
                )

        return ObjectReader(declared, chunks(), body.close)

    def _too_big(self, key: str, max_bytes: int, declared: int | None = None) -> Exception:
        size = f"{declared} bytes" if declared is not None else "more"
        return StorageUnavailable(
            f"The bucket {self.bucket} returned {size} for {key}, over the {max_bytes} "
            "bytes expected of it; it was not read further.",
            retryable=False,
            details={"bucket_name": self.bucket},
        )

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

    # --- direct uploads: the client sends the bytes here itself, on presigned URLs ----------

    def size(self, key: str) -> int:
        """The object's size in bytes (NotFound if absent)."""
        with self._errors(key):
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        return int(head["ContentLength"])

    def copy(self, source: str, key: str) -> None:
        """Copy an object inside the bucket (no byte passes through this process)."""
        copy_source: CopySourceTypeDef = {"Bucket": self.bucket, "Key": self.object_key(source)}
        with self._errors(key):
            if self.size(source) <= _ONE_COPY:  # one request; the managed copy is many
                self.client.copy_object(
                    Bucket=self.bucket, Key=self.object_key(key), CopySource=copy_source
                )
            else:
                self.client.copy(copy_source, self.bucket, self.object_key(key))

    def presign_put(self, key: str, expires: int) -> str:
        """A URL the client PUTs the whole object to, valid ``expires`` seconds."""
        with self._errors(key):
            return self.client.generate_presigned_url(
                "put_object",
                Params={"Bucket": self.bucket, "Key": self.object_key(key)},
                ExpiresIn=expires,
            )

    def start_multipart(self, key: str) -> str:
        """Begin a multipart upload; its UploadId."""
        with self._errors(key):
            started = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.object_key(key)
            )
        return str(started["UploadId"])

    def presign_part(self, key: str, upload_id: str, part_number: int, expires: int) -> str:
        with self._errors(key):
            return self.client.generate_presigned_url(
                "upload_part",
                Params={
                    "Bucket": self.bucket,
                    "Key": self.object_key(key),
                    "UploadId": upload_id,
                    "PartNumber": part_number,
                },
                ExpiresIn=expires,
            )

    def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Join the parts (``(number, etag)``, in order); the bucket checks the ETags."""
        with self._errors(key):
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.object_key(key),
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]},
            )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop a multipart upload and the parts sent so far (absent: not an error)."""
        try:
            with self._errors(key):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.object_key(key), UploadId=upload_id
                )
        except NotFound:
            pass

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
            if code in _BAD_PARTS:
                raise InvalidInput(
                    f"The parts do not match what was uploaded ({code}): send every part's "
                    "number and the ETag its PUT answered, in order."
                ) from None
            raise StorageUnavailable(
                f"The object store answered {code or 'an error'} for bucket {self.bucket}: "
                f"{error.get('Message', '')}".rstrip(": ")
            ) from exc
        except S3UploadFailedError as exc:
            # Its text names the local file (our spool path): never shown. The ClientError it
            # wraps, when there is one, is classified like any other.
            cause = exc.__context__
            code = ""
            if isinstance(cause, ClientError):
                code = str(cause.response.get("Error", {}).get("Code", ""))
            if code in _FULL:
                raise InsufficientStorage(
                    f"The bucket {self.bucket} refused {key}: {code}."
                ) from exc
            raise StorageUnavailable(
                f"The object store answered {code or 'an error'} to an upload to bucket "
                f"{self.bucket}."
            ) from exc
        except _Redirected as exc:
            raise StorageUnavailable(
                f"The bucket {self.bucket} answered {key} with a redirect (HTTP {exc.status}"
                f"{' to ' + exc.location if exc.location else ''}); redirects are never "
                "followed: configure the bucket's own region or endpoint_url.",
                retryable=False,
                details={"bucket_name": self.bucket},
            ) from None
        except BotoCoreError as exc:  # endpoint unreachable, credentials missing, timeouts
            raise StorageUnavailable(
                f"Could not reach the object store for bucket {self.bucket}: {exc}"
            ) from exc


class _Redirected(Exception):
    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location[:200]


def _refuse_redirects(response: tuple[Any, Any] | None = None, **_: Any) -> None:
    """A botocore ``needs-retry`` handler: any 3xx answer ends the call."""
    http = response[0] if response else None
    if http is not None and 300 <= http.status_code < 400:
        raise _Redirected(http.status_code, str(http.headers.get("location", "")))
