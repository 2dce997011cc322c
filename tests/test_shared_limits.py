"""Two API processes on one database and one Redis: a key's rate limit, its revocation and
job completion events reach across both (real Redis on 127.0.0.1:6379, database 13)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from imagelens.engine import Engine
from imagelens.jobs.events import RedisJobEvents
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
