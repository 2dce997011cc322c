"""Bring your own bucket: a tenant's originals in its own S3 bucket (moto's server over real
HTTP), configured through the SDK, the secret sealed and never shown, failures explained."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import httpx
import pytest
import sqlalchemy

from imagelens import sdk
from imagelens.engine import Engine
from tests.imagegen import encode, photo
from tests.live import LiveServer, make_settings, new_bucket, run_server, wait_job

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

API = "/api/v2"
SECRET = "tenant-Secret/Key+never-shown-0123456789"
SERVER_KEY = "server-secret-key-for-tests-0123456789"


@pytest.fixture(scope="module")
def server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("byob")
    settings = make_settings(data, f"sqlite:///{data / 'db.sqlite'}", secret_key=SERVER_KEY)
    with run_server(settings, engine) as live:
        yield live


def _s3(endpoint: str) -> S3Client:
    client: S3Client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client


def _tenant_key(server: LiveServer, tenant: str) -> str:
    with server.client() as client:
        body = {"name": tenant, "tenant": tenant, "scopes": ["read", "write", "admin"]}
        return str(client.post(f"{API}/api-keys", json=body).json()["key"])


def test_uploads_go_to_the_tenants_bucket(
    server: LiveServer, s3_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bucket = new_bucket(s3_endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    key = _tenant_key(server, "byob")
    with sdk.ImageLens(key, base_url=server.base_url) as client:
        shown = client.settings.configure_custom_s3(
            access_key_id="AKIATENANT0001",
            secret_access_key=SECRET,
            bucket_name=bucket,
            region="us-east-1",
            endpoint_url=s3_endpoint,
            prefix="photos",
        )
        assert (shown.bucket_name, shown.prefix, shown.access_key_id) == (
            bucket,
            "photos",
            "AKIA****",
        )
        assert client.settings.get_custom_s3().bucket_name == bucket

        photo_bytes = encode(photo("chelsea"), "JPEG")
        result = client.files.upload(photo_bytes, filename="cat.jpg", storage_target="custom")
        assert result.is_completed and "cat" in " ".join(result.tags or []).lower()
        assert result.object_key and result.object_key.startswith("photos/originals/")
        assert result.image_id is not None
        stored = _s3(s3_endpoint).get_object(Bucket=bucket, Key=result.object_key)
        assert stored["Body"].read() == photo_bytes
        assert client.files.content(result.image_id) == photo_bytes
        assert client.files.thumbnail(result.image_id)[:4] == b"RIFF"

        plain = client.files.upload(encode(photo("coffee"), "PNG"), filename="mug.png")
        assert plain.object_key is None  # the server's own store, as before
        client.files.delete(result.image_id)
    listed = _s3(s3_endpoint).list_objects_v2(Bucket=bucket, Prefix="photos/originals/")
    assert listed.get("KeyCount", 0) == 0  # the original went with its last image

    # An async upload decodes in the worker, which reads the original from the bucket.
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as api:
        accepted = api.post(
            f"{API}/images/analyze/async",
            files={"file": ("late.jpg", encode(photo("chelsea").resize((300, 200)), "JPEG"))},
            data={"storage_target": "custom"},
        ).json()
        assert wait_job(api, accepted["job_id"])["status"] == "completed"
        everything = [api.get(f"{API}/settings/custom-s3").text, str(accepted)]

    # The secret: sealed in the database, never in an answer or a log line.
    engine = sqlalchemy.create_engine(server.settings.resolved_database_url)
    with engine.connect() as conn:
        sealed = conn.execute(sqlalchemy.text("SELECT sealed_secret FROM tenant_buckets")).scalar()
    engine.dispose()
    assert sealed and SECRET not in sealed
    assert all(SECRET not in text for text in everything)
    assert SECRET not in caplog.text


def test_bad_buckets_and_other_tenants_are_refused(server: LiveServer, s3_endpoint: str) -> None:
    key = _tenant_key(server, "byob-bad")
    auth = {"Authorization": f"Bearer {key}"}
    body = {
        "access_key_id": "AKIA0000",
        "secret_access_key": SECRET,
        "bucket_name": "no-such-bucket-here",
        "endpoint_url": s3_endpoint,
    }
    data = encode(photo("chelsea").resize((120, 90)), "JPEG")
    with httpx.Client(base_url=server.base_url, headers=auth, timeout=60) as api:
        refused = api.put(f"{API}/settings/custom-s3", json=body)
        assert refused.status_code == 400 and "no-such-bucket-here" in refused.text
        assert SECRET not in refused.text
        assert api.get(f"{API}/settings/custom-s3").status_code == 404
        upload = api.post(
            f"{API}/files/upload",
            files={"file": ("a.jpg", data)},
            data={"storage_target": "custom"},
        )
        assert upload.status_code == 400 and "configure_custom_s3" in upload.text
        bad = api.post(
            f"{API}/files/upload", files={"file": ("a.jpg", data)}, data={"storage_target": "s4"}
        )
        assert bad.status_code == 400

        # A bucket that stops working fails its uploads clearly and retryably.
        body["bucket_name"] = new_bucket(
            s3_endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
        assert api.put(f"{API}/settings/custom-s3", json=body).status_code == 200
        _s3(s3_endpoint).delete_bucket(Bucket=body["bucket_name"])
        broken = api.post(
            f"{API}/files/upload",
            files={"file": ("a.jpg", data)},
            data={"storage_target": "custom"},
        )
        assert broken.status_code == 503
        error = broken.json()["error"]
        assert error["code"] == "storage_unavailable" and error["retryable"] is True
        assert body["bucket_name"] in error["message"]
        assert api.delete(f"{API}/settings/custom-s3").status_code == 204

    # Reading and writes need the admin scope of the tenant itself.
    with server.client() as owner:
        writer = owner.post(
            f"{API}/api-keys", json={"name": "w", "tenant": "byob-bad", "scopes": ["write"]}
        ).json()["key"]
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {writer}"}) as w:
        assert w.put(f"{API}/settings/custom-s3", json=body).status_code == 403


def test_private_endpoints_and_a_missing_server_key(
    engine: Engine, s3_endpoint: str, tmp_path: Path
) -> None:
    body = {
        "access_key_id": "AKIA0000",
        "secret_access_key": SECRET,
        "bucket_name": "some-bucket",
        "endpoint_url": s3_endpoint,
    }
    strict = make_settings(
        tmp_path / "a",
        f"sqlite:///{tmp_path / 'a.db'}",
        allow_private_urls=False,
        secret_key=SERVER_KEY,
    )
    with run_server(strict, engine) as live, live.client() as api:
        refused = api.put(f"{API}/settings/custom-s3", json=body)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "url_not_allowed"
    keyless = make_settings(tmp_path / "b", f"sqlite:///{tmp_path / 'b.db'}")
    with run_server(keyless, engine) as live, live.client() as api:
        missing = api.put(f"{API}/settings/custom-s3", json=body)
        assert missing.status_code == 501 and "IMAGELENS_SECRET_KEY" in missing.text


def test_an_endpoint_that_now_resolves_inside_is_refused_when_used(tmp_path: Path) -> None:
    """The endpoint is checked again whenever a tenant's client is (re)built, not only when
    configured: a name re-pointed at a private address (DNS rebinding) is refused."""
    from imagelens.config import UrlFetchSettings
    from imagelens.db import Database, upgrade
    from imagelens.db.buckets import save_bucket
    from imagelens.db.tables import TenantBucket
    from imagelens.errors import StorageUnavailable
    from imagelens.intake.fetch import UrlFetcher
    from imagelens.secretbox import SecretBox
    from imagelens.storage import LocalStore
    from imagelens.storage.tenants import CUSTOM, TenantStores

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    db = Database(url)
    box = SecretBox(SERVER_KEY)
    row = TenantBucket(
        tenant_id="t1",
        bucket="b",
        region="us-east-1",
        endpoint_url="http://localhost:9000",  # configured while it was public, say
        prefix="",
        access_key_id="AKIA0000",
        sealed_secret=box.seal(SECRET),
    )
    with db.session() as session:
        save_bucket(session=session, bucket=row)
    strict = UrlFetcher(UrlFetchSettings(), max_bytes=1, allow_private=False)
    stores = TenantStores(LocalStore(tmp_path), db, box, check_endpoint=strict.check_url_blocking)
    with pytest.raises(StorageUnavailable, match="endpoint is refused"):
        stores.get("t1", CUSTOM)
    lenient = UrlFetcher(UrlFetchSettings(), max_bytes=1, allow_private=True)
    assert TenantStores(LocalStore(tmp_path), db, box, lenient.check_url_blocking).get("t1", CUSTOM)
    db.dispose()
