"""Keys, scopes, tenants, quotas, rate limits, SSRF and size limits over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from imagelens.engine import Engine
from tests.live import LiveServer, image_host, make_settings, run_server

API = "/api/v2"


def _key(server: LiveServer, **body: object) -> str:
    with server.client() as admin:
        response = admin.post(f"{API}/api-keys", json=body)
        assert response.status_code == 201, response.text
        key: str = response.json()["key"]
        assert key.startswith("il_")
        return key


def test_missing_wrong_and_expired_keys_get_401(server: LiveServer) -> None:
    with server.client(key="il_not_a_real_key") as client:
        assert client.get(f"{API}/files").status_code == 401
        client.headers.pop("Authorization")
        response = client.get(f"{API}/files")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 401
    # A key cannot be created already expired (400), so make one that expires in a second.
    expiry = datetime.now(UTC) + timedelta(seconds=1)
    expiring = _key(server, name="old", expires_at=expiry.isoformat())
    with server.client(key=expiring) as client:
        assert client.get(f"{API}/files").status_code == 200
        time.sleep(max(0.0, (expiry - datetime.now(UTC)).total_seconds()) + 0.05)
        assert client.get(f"{API}/files").status_code == 401


def test_scopes(server: LiveServer, image_dir: Path) -> None:
    reader = _key(server, name="dashboard", scopes=["read"])
    with server.client(key=reader) as client:
        assert client.get(f"{API}/files").status_code == 200
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        response = client.post(f"{API}/images/analyze", files=files)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
        assert client.post(f"{API}/api-keys", json={"name": "x"}).status_code == 403
        assert client.get("/metrics").status_code == 403
    with server.client() as admin:
        assert "imagelens_http_requests_total" in admin.get("/metrics").text
        listed = admin.get(f"{API}/api-keys").json()["items"]
        assert all("key" not in item for item in listed)
        reader_id = next(i["id"] for i in listed if i["name"] == "dashboard")
        assert admin.delete(f"{API}/api-keys/{reader_id}").status_code == 204
    with server.client(key=reader) as client:
        assert client.get(f"{API}/files").status_code == 401


def test_another_tenants_ids_are_404(server: LiveServer, image_dir: Path) -> None:
    with server.client() as admin:
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        mine = admin.post(f"{API}/images/analyze/async", files=files).json()
        batch = admin.post(f"{API}/files/upload/batch", files=[("files", files["file"])]).json()
    acme = _key(server, name="acme-admin", tenant="acme", scopes=["admin"])
    with server.client(key=acme) as client:
        for path in (
            f"/files/{mine['image_id']}",
            f"/files/{mine['image_id']}/content",
            f"/files/{mine['image_id']}/similar",
            f"/job/{mine['job_id']}",
            f"/job/{batch['job_id']}",
            f"/sessions/{batch['session_id']}",
        ):
            assert client.get(API + path).status_code == 404, path
        assert client.delete(f"{API}/files/{mine['image_id']}").status_code == 404
        assert client.post(f"{API}/files/{mine['image_id']}/describe").status_code == 404
        assert client.get(f"{API}/files").json()["items"] == []
        assert [k["tenant"] for k in client.get(f"{API}/api-keys").json()["items"]] == ["acme"]
        # The same bytes in another tenant are not a duplicate of the first tenant's image.
        response = client.post(
            f"{API}/images/analyze", files=files, data={"skip_duplicates": "true"}
        )
        assert response.json()["status"] == "completed"
        assert response.json()["image_id"] != mine["image_id"]


@pytest.fixture(scope="module")
def strict_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Private URLs refused (but 127.0.0.2 allow-listed), 3 analyses a month, 40 KB images,
    6 requests a minute."""
    settings = make_settings(
        tmp_path_factory.mktemp("strict"),
        database_url,
        allow_private_urls=False,
        url_fetch={"allow_networks": ["127.0.0.2/32"]},
        quota={"monthly_analyses": 3, "requests_per_minute": 1000},
        limits={"max_bytes": 40_000},
    )
    with run_server(settings, engine) as live:
        yield live


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://10.1.2.3/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x.jpg",
        "http://[::ffff:127.0.0.1]/x.jpg",
        "http://localhost/x.jpg",
        "http://0.0.0.0/x.jpg",
        "http://224.0.0.1/x.jpg",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
    ],
)
def test_ssrf_targets_are_refused(strict_server: LiveServer, url: str) -> None:
    with strict_server.client() as client:
        response = client.post(f"{API}/images/analyze", json={"url": url})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "url_not_allowed"
        assert client.get("/healthz").status_code == 200


def test_redirects_are_checked_too(strict_server: LiveServer, image_dir: Path) -> None:
    with image_host(image_dir, host="127.0.0.2") as allowed, strict_server.client() as client:
        # The allow-listed host itself can be fetched (the rule is an address rule)...
        ok = client.post(f"{API}/images/analyze/async", json={"url": f"{allowed}/chelsea.jpg"})
        assert ok.status_code == 202, ok.text
        # ...but not when it redirects to a private address.
        for target in ("http://127.0.0.1:9/x.jpg", "http://169.254.169.254/"):
            response = client.post(
                f"{API}/images/analyze", json={"url": f"{allowed}/redirect?to={target}"}
            )
            assert response.status_code == 400
            assert response.json()["error"]["code"] == "url_not_allowed"
        missing = client.post(f"{API}/images/analyze", json={"url": f"{allowed}/nope.jpg"})
        assert missing.status_code == 400
        assert missing.json()["error"]["code"] == "url_fetch_failed"


def test_size_limits(strict_server: LiveServer, image_dir: Path) -> None:
    big = (image_dir / "coffee.png").read_bytes()  # ~250 KB, over the 40 KB limit
    assert len(big) > 40_000
    with image_host(image_dir, host="127.0.0.2") as allowed, strict_server.client() as client:
        response = client.post(f"{API}/images/analyze", files={"file": ("c.png", big)})
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "image_too_large"
        huge = b"\xff\xd8\xff" + b"\x00" * 3_000_000
        response = client.post(f"{API}/images/analyze", files={"file": ("c.jpg", huge)})
        assert response.status_code == 413
        response = client.post(f"{API}/images/analyze", json={"url": f"{allowed}/coffee.png"})
        assert response.status_code == 413
        assert client.get("/healthz").status_code == 200


def test_monthly_quota(strict_server: LiveServer, image_dir: Path) -> None:
    small = (image_dir / "chelsea.jpg").read_bytes()
    tenant_key = _key(strict_server, name="q", tenant="quota-test", scopes=["read", "write"])
    with strict_server.client(key=tenant_key) as client:
        statuses = []
        for i in range(5):
            files = {"file": (f"{i}.jpg", small)}
            statuses.append(client.post(f"{API}/images/analyze/async", files=files).status_code)
        quota = client.get(f"{API}/quota").json()
        assert quota["monthly_limit"] == 3 and quota["current_usage"] == 3
        assert quota["can_proceed"] is False and quota["available"] == 0
        assert statuses == [202, 202, 202, 402, 402]
        response = client.post(f"{API}/images/analyze", files={"file": ("x.jpg", small)})
        assert response.json()["error"]["code"] == "quota_exceeded"
        described = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": ("x.jpg", small)},
            data={"prompt": "describe"},
        )
        assert (described.status_code, described.json()["code"]) == (402, 10003)


def test_rate_limit_headers_and_429(engine: Engine, tmp_path: Path, database_url: str) -> None:
    settings = make_settings(tmp_path, database_url, quota={"requests_per_minute": 4})
    with run_server(settings, engine) as live, live.client() as client:
        responses = [client.get(f"{API}/quota") for _ in range(5)]
        assert [r.status_code for r in responses[:4]] == [200] * 4
        assert [r.headers["X-RateLimit-Remaining"] for r in responses[:4]] == ["3", "2", "1", "0"]
        limited = responses[4]
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert limited.json()["error"]["retryable"] is True
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.headers["X-RateLimit-Limit"] == "4"
        assert client.get("/healthz").status_code == 200


def test_a_trailing_slash_is_not_redirected_to_the_host_header(server: LiveServer) -> None:
    """Starlette's slash redirect was absolute, built from Host: a link with a stray slash
    sent the client to whatever host the request named."""
    with server.client() as client:
        for path in (f"{API}/quota/", f"{API}/files/", "/healthz/"):
            response = client.get(path, headers={"Host": "evil.example"})
            assert response.status_code == 404, (path, response.status_code)
            assert "location" not in response.headers
