"""Two API processes on one database and one Redis: a key's rate limit, its revocation, job
completion events, an address's failed authentications and a signed request's nonce reach
across both (real Redis on 127.0.0.1:6379, database 13)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from imagelens.engine import Engine
from imagelens.jobs.events import RedisJobEvents
from imagelens.signature import signed_headers
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
            data,
            database_url,
            redis_url=REDIS_URL,
            quota={"requests_per_minute": 4},
            secret_key="test-server-secret-0123456789",
            auth_failures_per_minute=6,
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


def test_a_finish_in_one_process_wakes_a_waiter_in_another() -> None:
    channel = f"imagelens:test:{time.time_ns()}:jobs-done"
    client = Redis.from_url(REDIS_URL)
    waiting_side = RedisJobEvents(Redis.from_url(REDIS_URL), channel)
    finishing_side = RedisJobEvents(Redis.from_url(REDIS_URL), channel)

    async def wait() -> float:
        future = waiting_side.register("job-42")
        deadline = time.monotonic() + 10
        # Until the server has the subscription (NUMSUB), a publish would reach nobody.
        while dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) < 2:  # both sides
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        started = time.monotonic()
        finishing_side.notify("job-42")  # as a worker elsewhere would
        await asyncio.wait_for(future, 5)
        return time.monotonic() - started

    try:
        assert asyncio.run(wait()) < 1.0
    finally:
        waiting_side.close()
        finishing_side.close()


def test_failed_authentications_count_across_processes(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    """Three wrong keys on each process make six from one address: the seventh, on either,
    is 429, for as long as the count's key lives in Redis (its minute)."""
    address = f"10.13.{secrets.randbelow(250)}.{secrets.randbelow(250)}"  # this run's own
    first, second = pair
    sent = {"X-Forwarded-For": address, "Authorization": "Bearer il_wrong"}
    with (
        httpx.Client(base_url=first.base_url) as one,
        httpx.Client(base_url=second.base_url) as two,
    ):
        statuses = [c.get(f"{API}/quota", headers=sent).status_code for c in (one, two) * 3]
        assert statuses == [401] * 6
        limited = one.get(f"{API}/quota", headers=sent)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        right = {"X-Forwarded-For": address, "Authorization": f"Bearer {first.key}"}
        assert two.get(f"{API}/quota", headers=right).status_code == 429
    redis = Redis.from_url(REDIS_URL)
    counts = list(redis.scan_iter(f"*:authfail:{address}"))  # one count, never without expiry
    assert counts and all(0 < redis.ttl(name) <= 60 for name in counts)


def test_a_nonce_is_taken_once_across_processes(pair: tuple[LiveServer, LiveServer]) -> None:
    first, second = pair
    with first.client() as admin:
        made = admin.post(f"{API}/api-keys", json={"name": "signer", "signing": True}).json()
    target = f"{API}/files?limit=1"
    headers = signed_headers(made["secret"], int(time.time()), "GET", target, b"")
    with (
        httpx.Client(base_url=first.base_url) as one,
        httpx.Client(base_url=second.base_url) as two,
    ):
        assert one.get(target, headers=headers).status_code == 200
        replayed = two.get(target, headers=headers)
        assert replayed.status_code == 401
        assert "replay" in replayed.json()["error"]["message"]
        fresh = signed_headers(made["secret"], int(time.time()), "GET", target, b"")
        assert two.get(target, headers=fresh).status_code == 200
