"""One contract for every object store: the local directory and S3 (moto's server on a free
loopback port, spoken to over real HTTP by boto3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from imagelens.config import StorageSettings
from imagelens.engine import Engine
from imagelens.errors import NotFound, StorageUnavailable
from imagelens.jobs.originals import read_original
from imagelens.storage import LocalStore, ObjectStore, build_store, original_key, thumbnail_key
from imagelens.storage.s3 import S3Store
from tests.imagegen import encode, photo
from tests.live import free_port, make_settings, new_bucket, run_server

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
CREDENTIAL_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _bucket(endpoint: str) -> str:
    return new_bucket(endpoint, **CREDENTIALS)


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalStore(tmp_path / "objects")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return S3Store.connect(
        bucket=_bucket(endpoint), prefix="tenant-data", endpoint_url=endpoint, region="us-east-1"
    )


KEY = original_key("ab" * 32)


def test_put_get_exists_delete(store: ObjectStore) -> None:
    store.check()
    assert not store.exists(KEY)
    store.put(KEY, b"first bytes")
    assert store.exists(KEY)
    assert store.get(KEY, max_bytes=11) == b"first bytes"
    store.put(KEY, b"first bytes")  # a second put of the same key is fine
    assert store.get(KEY, max_bytes=100) == b"first bytes"
    store.delete(KEY)
    assert not store.exists(KEY)
    store.delete(KEY)  # deleting what is gone is not an error


def test_missing_objects_are_not_found(store: ObjectStore) -> None:
    with pytest.raises(NotFound, match="missing"):
        store.get(thumbnail_key("cd" * 32), max_bytes=100)


def test_large_objects_round_trip(store: ObjectStore) -> None:
    data = os.urandom(6 * 1024 * 1024)
    store.put(KEY, data)
    assert store.get(KEY, max_bytes=len(data)) == data
    reader = store.open(KEY, max_bytes=len(data))
    assert reader.size == len(data)
    chunks = list(reader.chunks)
    reader.close()
    assert len(chunks) > 1 and b"".join(chunks) == data  # read in pieces, never whole


def test_files_are_stored_streamed_and_read_back_spooled(
    store: ObjectStore, tmp_path: Path
) -> None:
    """put_file copies a spooled upload in (S3: a multipart transfer over 8 MB); a big
    original comes back spooled to a file as it is read, a small one in memory."""
    data = os.urandom(20 * 1024 * 1024 + 3)
    source = tmp_path / "upload"
    source.write_bytes(data)
    store.put_file(KEY, source)
    spool = tmp_path / "spool"
    with read_original(store, KEY, max_bytes=len(data), spool=spool) as body:
        assert not body.in_memory and body.path is not None and body.path.parent == spool
        assert body.size == len(data) and body.read() == data
    assert list(spool.iterdir()) == []  # closed: the spooled copy is gone
    with pytest.raises(StorageUnavailable):
        read_original(store, KEY, max_bytes=len(data) - 1, spool=spool)
    assert list(spool.iterdir()) == []
    store.put(KEY, b"small")
    with read_original(store, KEY, max_bytes=len(data), spool=spool) as small:
        assert small.in_memory and small.read() == b"small"


def test_a_failed_s3_upload_never_names_the_local_file(s3_endpoint: str, tmp_path: Path) -> None:
    store = S3Store.connect(
        bucket="no-such-bucket",
        endpoint_url=s3_endpoint,
        region="us-east-1",
        credentials=CREDENTIALS,
    )
    source = tmp_path / "upload-secret-name"
    source.write_bytes(b"x" * 1000)
    with pytest.raises(StorageUnavailable) as refused:
        store.put_file(KEY, source)
    assert "NoSuchBucket" in refused.value.message
    assert (
        str(tmp_path) not in refused.value.message and "upload-secret" not in refused.value.message
    )


def test_reads_are_bounded(store: ObjectStore) -> None:
    """A store never returns more than the caller expects: over the bound is a clear
    StorageUnavailable, before reading when the store declares the size."""
    store.put(KEY, b"x" * 1000)
    with pytest.raises(StorageUnavailable, match=r"1000 bytes.*over the 999") as refused:
        store.get(KEY, max_bytes=999)
    assert refused.value.retryable is False
    with pytest.raises(StorageUnavailable, match="over the 10 "):
        store.open(KEY, max_bytes=10)


def test_s3_prefixes_keep_stores_apart(s3_endpoint: str) -> None:
    bucket = _bucket(s3_endpoint)
    one = S3Store.connect(bucket=bucket, prefix="one/", endpoint_url=s3_endpoint)
    two = S3Store.connect(bucket=bucket, prefix="two", endpoint_url=s3_endpoint)
    one.put(KEY, b"x")
    assert not two.exists(KEY)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"one/{KEY}"]


def test_s3_failures_are_classified(s3_endpoint: str) -> None:
    missing = S3Store.connect(bucket="no-such-bucket", endpoint_url=s3_endpoint)
    with pytest.raises(StorageUnavailable, match="no-such-bucket"):
        missing.check()
    unreachable = S3Store.connect(bucket="b", endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageUnavailable, match="Could not reach"):
        unreachable.put(KEY, b"x")
    with pytest.raises(ValueError, match="IMAGELENS_STORAGE__BUCKET"):
        StorageSettings(kind="s3")


def test_the_server_keeps_originals_in_s3(s3_endpoint: str, engine: Engine, tmp_path: Path) -> None:
    bucket = _bucket(s3_endpoint)
    storage = {"kind": "s3", "bucket": bucket, "prefix": "il", "endpoint_url": s3_endpoint}
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", storage=storage)
    assert isinstance(build_store(settings.storage, tmp_path), S3Store)
    data = encode(photo("chelsea"), "JPEG")
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    with run_server(settings, engine) as live, live.client() as api:
        uploaded = api.post("/api/v2/files/upload", files={"file": ("c.jpg", data)}).json()
        assert uploaded["description_status"] == "completed"
        image_id = uploaded["image_id"]
        assert api.get(f"/api/v2/files/{image_id}/content").content == data
        assert api.get(f"/api/v2/files/{image_id}/thumbnail").status_code == 200
        keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]}
        assert any(k.startswith("il/originals/") for k in keys)
        assert any(k.startswith("il/thumbnails/") for k in keys)
        assert not (tmp_path / "objects").exists()
        assert api.delete(f"/api/v2/files/{image_id}").status_code == 204
        assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IMAGELENS_STORAGE__KIND": "s3"}, "IMAGELENS_STORAGE__BUCKET must name a bucket"),
        (
            {
                "IMAGELENS_STORAGE__KIND": "s3",
                "IMAGELENS_STORAGE__BUCKET": "b",
                "IMAGELENS_STORAGE__ENDPOINT_URL": "http://127.0.0.1:9",
            },
            "Could not reach the object store for bucket b",
        ),
    ],
)
def test_serve_refuses_to_start_on_a_bad_storage_setting(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "imagelens.cli", "serve", "--data-dir", str(tmp_path)],
        env=os.environ | CREDENTIAL_ENV | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
