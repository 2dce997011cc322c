"""Two API processes on one database and one Redis: a key's rate limit and its revocation
hold across both (real Redis on 127.0.0.1:6379, database 13)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from imagelens.engine import Engine
from tests.live import LiveServer, make_settings, run_server

REDIS_URL = "redis://127.0.0.1:6379/13"
API = "/api/v2"


@pytest.fixture(scope="module")
def pair(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, LiveServer]]:
    try:
        Redis.from_url(REDIS_URL).ping()
    except Exception as exc:  # the machine's Redis is part of the test environment
        pytest.fail(f"Redis at {REDIS_URL} does not answer: {exc}")
    servers = []
    data: Path = tmp_path_factory.mktemp("shared")
    for _ in range(2):
        settings = make_settings(
            data, database_url, redis_url=REDIS_URL, quota={"requests_per_minute": 4}
        )
        servers.append(run_server(settings, engine))
    with servers[0] as first, servers[1] as second:
        yield first, second


def _fresh_window() -> None:
    # The windows are wall-clock minutes; do not start a count just before one rolls over.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)


def test_a_keys_rate_limit_holds_across_processes(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    with first.client() as admin:
        key = admin.post(f"{API}/api-keys", json={"name": "limited"}).json()["key"]
    _fresh_window()
    with first.client(key=key) as one, second.client(key=key) as two:
        statuses = [
            one.get(f"{API}/quota").status_code,
            two.get(f"{API}/quota").status_code,
            one.get(f"{API}/quota").status_code,
        ]
        last_allowed = two.get(f"{API}/quota")
        assert statuses == [200, 200, 200] and last_allowed.status_code == 200
        assert last_allowed.headers["X-RateLimit-Remaining"] == "0"
        limited = one.get(f"{API}/quota")  # the fifth, on the process that counted only two
        assert limited.status_code == 429
        assert limited.headers["Retry-After"]


def test_a_revoked_key_is_refused_by_every_process(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    with first.client() as admin:
        response = admin.post(f"{API}/api-keys", json={"name": "to-revoke", "scopes": ["read"]})
        assert response.status_code == 201, response.text
        created = response.json()
    with second.client(key=created["key"]) as client:
        assert client.get(f"{API}/files").status_code == 200  # now cached in Redis
    with first.client() as admin:
        assert admin.delete(f"{API}/api-keys/{created['id']}").status_code == 204
    with second.client(key=created["key"]) as client:
        assert client.get(f"{API}/files").status_code == 401  # at once, not after the TTL
