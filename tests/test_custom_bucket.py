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
from tests.fakes3 import MIB, FakeS3, Hostility
from tests.imagegen import encode, noise_photo, photo
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


def _configure(api: httpx.Client, endpoint: str, bucket: str = "tenant-bucket") -> httpx.Response:
    body = {
        "access_key_id": "AKIA0000",
        "secret_access_key": SECRET,
        "bucket_name": bucket,
        "region": "us-east-1",
        "endpoint_url": endpoint,
    }
    return api.put(f"{API}/settings/custom-s3", json=body)


def _upload(api: httpx.Client, data: bytes, name: str = "a.png") -> str:
    done = api.post(
        f"{API}/files/upload", files={"file": (name, data)}, data={"storage_target": "custom"}
    )
    assert done.status_code == 201, done.text
    return str(done.json()["image_id"])


def test_an_endpoint_two_parsers_read_differently_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    """httpx reads the host of ``http://127.0.0.1:PORT\\@8.8.8.8`` as 8.8.8.8 (public), while
    urllib3 under botocore connects to 127.0.0.1:PORT: refused before anything connects."""
    strict = make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        allow_private_urls=False,
        secret_key=SERVER_KEY,
    )
    with FakeS3() as fake, run_server(strict, engine) as live, live.client() as api:
        for endpoint in (
            f"http://127.0.0.1:{fake.port}\\@8.8.8.8",
            f"http://127.0.0.1:{fake.port}\\@8.8.8.8/",
            f"http://8.8.8.8@127.0.0.1:{fake.port}",
            f"http://127.0.0.1:{fake.port}%5C@8.8.8.8",
            f"http://127.0.0.1:{fake.port}\t@8.8.8.8",
            f"http://0x7f.1:{fake.port}",
        ):
            refused = _configure(api, endpoint)
            assert refused.status_code == 400, (endpoint, refused.text)
            assert refused.json()["error"]["code"] == "url_not_allowed", endpoint
        assert fake.requests == []  # nothing signed went to the loopback server


def test_the_endpoint_is_stored_and_used_normalised(server: LiveServer) -> None:
    key = _tenant_key(server, "byob-normal")
    with FakeS3() as fake, server.client(key) as api:
        shown = _configure(api, f"HTTP://LocalHost:{fake.port}/")
        assert shown.status_code == 200, shown.text
        assert shown.json()["endpoint_url"] == f"http://localhost:{fake.port}"
        assert fake.requests[0][0] == "PUT"  # the test write went where the URL says


def test_reads_from_a_tenants_bucket_are_bounded(server: LiveServer) -> None:
    """A bucket answering a GET with far more than the image's recorded size: 503 naming the
    bucket, only a bounded part read (declared or not), for the content, the thumbnail and
    the worker's read; an honest large original is streamed back intact."""
    key = _tenant_key(server, "byob-huge")
    small = encode(photo("chelsea").resize((160, 120)), "PNG")
    with FakeS3() as fake, server.client(key) as api:
        assert _configure(api, fake.endpoint, "hostile-bucket").status_code == 200
        image_id = _upload(api, small)
        assert api.get(f"{API}/files/{image_id}/content").content == small

        large = encode(noise_photo(1200, 900), "PNG")
        assert len(large) > 1.5 * MIB  # over what is read ahead: streamed
        large_id = _upload(api, large, "large.png")
        streamed = api.get(f"{API}/files/{large_id}/content")
        assert streamed.status_code == 200 and streamed.content == large
        assert streamed.headers["content-length"] == str(len(large))

        huge = 256 * MIB
        for declare in (True, False):
            fake.hostility = Hostility(huge_bytes=huge, declare_length=declare)
            fake.huge_bytes_sent = 0
            answer = api.get(f"{API}/files/{image_id}/content")
            assert answer.status_code == 503, answer.text[:200]
            error = answer.json()["error"]
            assert error["code"] == "storage_unavailable" and "hostile-bucket" in error["message"]
            assert error["retryable"] is False
            thumb = api.get(f"{API}/files/{image_id}/thumbnail")
            assert thumb.status_code == 503 and "hostile-bucket" in thumb.text
            assert fake.huge_bytes_sent < huge // 4  # the rest was never read

        # The worker reads the original from the bucket to analyse it: bounded too.
        accepted = api.post(
            f"{API}/images/analyze/async",
            files={"file": ("late.png", encode(photo("coffee").resize((90, 60)), "PNG"))},
            data={"storage_target": "custom"},
        ).json()
        failed = wait_job(api, accepted["job_id"])
        assert failed["status"] == "failed" and "hostile-bucket" in failed["error_message"]
        assert fake.huge_bytes_sent < huge // 4


def test_a_bucket_that_redirects_everything(server: LiveServer) -> None:
    """botocore's region redirector recursed without end on it (a 500): now 400 naming the
    bucket, and no redirect is followed."""
    key = _tenant_key(server, "byob-redirect")
    with FakeS3(Hostility(redirect=True)) as fake, server.client(key) as api:
        refused = _configure(api, fake.endpoint, "moving-bucket")
        assert refused.status_code == 400, refused.text
        assert "moving-bucket" in refused.text and "redirect" in refused.text
        assert len(fake.requests) == 1


def test_images_of_a_removed_bucket_are_unavailable(server: LiveServer) -> None:
    key = _tenant_key(server, "byob-removed")
    data = encode(photo("chelsea").resize((120, 90)), "PNG")
    with FakeS3() as fake, server.client(key) as api:
        assert _configure(api, fake.endpoint).status_code == 200
        image_id = _upload(api, data)
        assert api.delete(f"{API}/settings/custom-s3").status_code == 204
        for path in ("content", "thumbnail"):
            gone = api.get(f"{API}/files/{image_id}/{path}")
            assert gone.status_code == 503, gone.text
            assert gone.json()["error"]["code"] == "storage_unavailable"
            assert "PUT /api/v2/settings/custom-s3" in gone.text
        upload = api.post(
            f"{API}/files/upload",
            files={"file": ("b.png", data)},
            data={"storage_target": "custom"},
        )
        assert upload.status_code == 400 and "PUT /api/v2/settings/custom-s3" in upload.text
        assert _configure(api, fake.endpoint).status_code == 200  # the same bucket: back again
        assert api.get(f"{API}/files/{image_id}/content").content == data
