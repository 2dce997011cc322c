"""Failed authentications throttled per client address, over real HTTP: 300 wrong bearer
keys, 300 bad signatures and 300 wrong sign-ins each meet 429 with Retry-After after the limit;
only failures count; a locked address is refused even with a correct key, other addresses
never are; the lock ends with its minute (an injected clock, for the unit).

Every test speaks from its own address through X-Forwarded-For, which uvicorn takes from a
peer on loopback (its default FORWARDED_ALLOW_IPS), so the counts of one test never reach
another.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from imagelens.engine import Engine
from imagelens.service.throttle import MemoryFailureThrottle, address_key
from tests.live import ADMIN_KEY, LiveServer, make_settings, run_server

API = "/api/v2"
LIMIT = 20


@pytest.fixture(scope="module")
def throttled(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("throttle")
    settings = make_settings(
        data,
        f"sqlite:///{data / 'db.sqlite'}",
        secret_key="test-server-secret-0123456789",
        auth_failures_per_minute=LIMIT,
    )
    with run_server(settings, engine) as live:
        yield live


def _from(address: str, key: str | None = None) -> dict[str, str]:
    headers = {"X-Forwarded-For": address}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _assert_throttled(responses: list[httpx.Response]) -> None:
    statuses = [r.status_code for r in responses]
    assert statuses[:LIMIT] == [401] * LIMIT
    assert statuses[LIMIT:] == [429] * (len(statuses) - LIMIT)
    last = responses[-1]
    assert 1 <= int(last.headers["Retry-After"]) <= 60
    assert last.json()["error"]["code"] == "rate_limited"
    assert "failed authentications" in last.json()["error"]["message"]


def test_wrong_bearer_keys_are_throttled(throttled: LiveServer) -> None:
    with httpx.Client(base_url=throttled.base_url) as client:
        wrong = [
            client.get(f"{API}/quota", headers=_from("10.24.0.1", f"il_wrong_{i:04d}"))
            for i in range(300)
        ]
        _assert_throttled(wrong)
        # A correct key from the locked address waits out the minute too: answering it
        # differently would tell a guesser which guess was right.
        assert client.get(f"{API}/quota", headers=_from("10.24.0.1", ADMIN_KEY)).status_code == 429
        assert client.get(f"{API}/quota", headers=_from("10.24.0.2", ADMIN_KEY)).status_code == 200
        described = client.post(
            "/api/openapi-v2/describe-image",
            headers=_from("10.24.0.1", "il_wrong"),
            data={"prompt": "describe", "image": "https://example.com/x.jpg"},
        )
        assert (described.status_code, described.json()["code"]) == (429, 429)


def test_only_failures_count(throttled: LiveServer) -> None:
    address = "10.24.1.1"
    with httpx.Client(base_url=throttled.base_url) as client:
        for i in range(LIMIT - 1):
            assert client.get(f"{API}/quota", headers=_from(address, f"il_x{i}")).status_code == 401
        for _ in range(50):
            assert client.get(f"{API}/quota", headers=_from(address, ADMIN_KEY)).status_code == 200
        # A request with no credential guesses nothing and is not counted.
        for _ in range(30):
            assert client.get(f"{API}/quota", headers=_from(address)).status_code == 401
        assert client.get(f"{API}/quota", headers=_from(address, "il_last")).status_code == 401
        assert client.get(f"{API}/quota", headers=_from(address, "il_over")).status_code == 429


def test_bad_signatures_are_throttled(throttled: LiveServer) -> None:
    with httpx.Client(base_url=throttled.base_url, headers=_from("10.24.2.1")) as client:
        made = client.post(
            f"{API}/api-keys",
            json={"name": "signer", "signing": True},
            headers=_from("10.24.2.2", ADMIN_KEY),
        ).json()
        bad = {
            "X-Imagelens-Key-Id": made["id"],
            "X-Imagelens-Timestamp": str(int(time.time())),
            "X-Imagelens-Nonce": "n" * 22,
            "X-Imagelens-Signature": "0" * 64,
        }
        _assert_throttled([client.get(f"{API}/quota", headers=bad) for _ in range(300)])


def test_failed_sign_ins_are_throttled(throttled: LiveServer) -> None:
    with httpx.Client(base_url=throttled.base_url) as client:
        attempts = [
            client.post(
                "/web/session", json={"api_key": f"il_wrong_{i}"}, headers=_from("10.24.3.1")
            )
            for i in range(300)
        ]
        _assert_throttled(attempts)
        right: dict[str, Any] = {"json": {"api_key": ADMIN_KEY}}
        assert client.post("/web/session", headers=_from("10.24.3.1"), **right).status_code == 429
        assert client.post("/web/session", headers=_from("10.24.3.2"), **right).status_code == 201


def test_a_lock_ends_with_its_minute() -> None:
    now = [500.0]
    throttle = MemoryFailureThrottle(3, clock=lambda: now[0])
    for _ in range(3):
        assert throttle.retry_after("a") is None
        throttle.failed("a")
    assert throttle.retry_after("a") == 60
    assert throttle.retry_after("b") is None
    now[0] += 45.5
    assert throttle.retry_after("a") == 15
    now[0] += 14.5  # the minute since the first failure is over: a clean slate
    assert throttle.retry_after("a") is None
    throttle.failed("a")
    assert throttle.retry_after("a") is None
    assert MemoryFailureThrottle(0).retry_after("a") is None


def test_an_address_is_a_host_or_an_ipv6_64() -> None:
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:ffff::9")
    assert address_key("2001:db8:1:2:aaaa::1") != address_key("2001:db8:1:3::1")
    assert address_key(None) == "unknown"
