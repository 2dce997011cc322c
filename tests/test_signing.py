"""Signed requests over real HTTP: a key's secret signs timestamp, nonce, method, path, query
and body hash; bad, stale, tampered and replayed signatures are refused (401 invalid_signature
on v2, 30002 on describe-image); identical requests with their own nonces all pass; the SDK
signs with only the secret; bearer keys still work."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from imagelens.engine import Engine
from imagelens.sdk import AsyncImageLens, ImageLens
from imagelens.sdk.errors import ImageLensAPIError
from imagelens.service.signing import SeenNonces
from tests import imagegen
from tests.live import LiveServer, make_settings, run_server

API = "/api/v2"


@pytest.fixture(scope="module")
def signing_server(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("signing")
    settings = make_settings(
        data, f"sqlite:///{data / 'db.sqlite'}", secret_key="test-server-secret-0123456789"
    )
    with run_server(settings, engine) as live:
        yield live


@pytest.fixture(scope="module")
def signing_key(signing_server: LiveServer) -> dict[str, Any]:
    with signing_server.client() as client:
        made = client.post(
            f"{API}/api-keys", json={"name": "signer", "scopes": ["read", "write"], "signing": True}
        )
        assert made.status_code == 201, made.text
        created: dict[str, Any] = made.json()
        return created


def _headers(
    secret: str,
    key_id: str,
    method: str,
    target: str,
    body: bytes,
    at: float | None = None,
    *,
    nonce: str | None = None,
    timestamp: str | None = None,
) -> dict[str, str]:
    """The recipe in docs/security.md, written out independently of the server's and SDK's code."""
    if timestamp is None:
        timestamp = str(int(at if at is not None else time.time()))
    nonce = nonce or secrets.token_hex(16)
    path, _, query = target.partition("?")
    digest = hashlib.sha256(body).hexdigest()
    message = "\n".join(["IL-HMAC-SHA256", timestamp, nonce, method, path, query, digest])
    signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return {
        "X-Imagelens-Key-Id": key_id,
        "X-Imagelens-Timestamp": timestamp,
        "X-Imagelens-Nonce": nonce,
        "X-Imagelens-Signature": signature,
    }


def test_a_signing_key_shows_its_secret_once(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    secret = signing_key["secret"]
    assert secret.startswith(f"ils_{signing_key['id']}_") and len(secret) > 70
    with signing_server.client() as client:
        listed = client.get(f"{API}/api-keys").json()["items"]
    mine = next(k for k in listed if k["id"] == signing_key["id"])
    assert mine["signing"] is True and "secret" not in mine
    assert secret not in json.dumps(listed)


def test_signed_requests_are_accepted(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    secret, key_id = signing_key["secret"], signing_key["id"]
    body = json.dumps({"name": "x"}).encode()
    with httpx.Client(base_url=signing_server.base_url) as client:
        target = f"{API}/files?limit=2&tag=cat%20toy"
        ok = client.get(target, headers=_headers(secret, key_id, "GET", target, b""))
        assert ok.status_code == 200, ok.text
        # The key lacks admin: a valid signature still meets the scope rules.
        denied = client.post(
            f"{API}/api-keys",
            content=body,
            headers={"content-type": "application/json"}
            | _headers(secret, key_id, "POST", f"{API}/api-keys", body),
        )
        assert denied.status_code == 403


@pytest.mark.parametrize(
    "flaw",
    [
        "tampered_body",
        "other_query",
        "stale",
        "future",
        "wrong_secret",
        "unknown_key",
        "no_timestamp",
        "no_nonce",
        "short_nonce",
    ],
)
def test_bad_signatures_are_refused(
    signing_server: LiveServer, signing_key: dict[str, Any], flaw: str
) -> None:
    secret, key_id = signing_key["secret"], signing_key["id"]
    target = f"{API}/files?limit=1"
    sent_target, body, sent_body = target, b"", b""
    at = time.time()
    if flaw == "tampered_body":
        target = sent_target = f"{API}/images/analyze"
        body = json.dumps({"url": "http://127.0.0.1:1/a.png"}).encode()
        sent_body = json.dumps({"url": "http://127.0.0.1:1/b.png"}).encode()
    elif flaw == "other_query":
        sent_target = f"{API}/files?limit=100"
    elif flaw == "stale":
        at -= 400
    elif flaw == "future":
        at += 400
    elif flaw == "wrong_secret":
        secret = secret[:-4] + "AAAA"
    method = "POST" if flaw == "tampered_body" else "GET"
    headers = _headers(secret, key_id, method, target, body, at)
    if flaw == "unknown_key":
        headers["X-Imagelens-Key-Id"] = "00000000-0000-0000-0000-000000000000"
    if flaw == "no_timestamp":
        del headers["X-Imagelens-Timestamp"]
    if flaw == "no_nonce":
        del headers["X-Imagelens-Nonce"]
    if flaw == "short_nonce":
        headers = _headers(secret, key_id, method, target, body, at, nonce="abc")
    with httpx.Client(base_url=signing_server.base_url) as client:
        response = client.request(
            method,
            sent_target,
            content=sent_body or None,
            headers=headers | ({"content-type": "application/json"} if sent_body else {}),
        )
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_signature" and error["message"]
    if flaw in ("stale", "future"):
        assert "clock" in error["message"]


def test_a_replayed_request_is_refused(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    target = f"{API}/quota"
    headers = _headers(signing_key["secret"], signing_key["id"], "GET", target, b"")
    with httpx.Client(base_url=signing_server.base_url) as client:
        assert client.get(target, headers=headers).status_code == 200
        again = client.get(target, headers=headers)
    assert again.status_code == 401 and "replay" in again.json()["error"]["message"]


@pytest.mark.parametrize(
    "timestamp",
    [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e9",
        "+{now}",
        "{now}e0",
        "{now}.0",
        "{now}_0",
        "-5",
        "\uff11\uff17\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10",
        "1" * 13,
        "",
    ],
)
def test_only_a_plain_integer_timestamp_is_accepted(
    signing_server: LiveServer, signing_key: dict[str, Any], timestamp: str
) -> None:
    """``float()`` read "nan" as a timestamp that is never stale: a captured request worked
    again and again. Each is signed correctly over the odd timestamp, so only the timestamp
    rule can refuse it."""
    target = f"{API}/quota"
    odd = timestamp.format(now=int(time.time()))
    with httpx.Client(base_url=signing_server.base_url) as client:
        for _ in range(2):
            headers = _headers(
                signing_key["secret"], signing_key["id"], "GET", target, b"", timestamp=odd
            )
            response = client.get(
                target, headers={k.encode(): v.encode() for k, v in headers.items()}
            )
            assert response.status_code == 401, (odd, response.text)
            assert response.json()["error"]["code"] == "invalid_signature"


def test_identical_requests_with_their_own_nonces_all_pass(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    """Ten identical signed GETs in one second are ten requests, not one and nine replays; a
    nonce is taken once per key, whatever else the request says."""
    secret, key_id = signing_key["secret"], signing_key["id"]
    target = f"{API}/quota"
    now = time.time()
    with httpx.Client(base_url=signing_server.base_url) as client:
        statuses = [
            client.get(
                target, headers=_headers(secret, key_id, "GET", target, b"", now)
            ).status_code
            for _ in range(10)
        ]
        assert statuses == [200] * 10
        nonce = secrets.token_hex(16)
        first = _headers(secret, key_id, "GET", target, b"", now, nonce=nonce)
        assert client.get(target, headers=first).status_code == 200
        other = f"{API}/files?limit=1"
        reused = _headers(secret, key_id, "GET", other, b"", now, nonce=nonce)
        refused = client.get(other, headers=reused)
    assert refused.status_code == 401 and "replay" in refused.json()["error"]["message"]


def test_the_sdk_sends_many_signed_calls(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    """What the SDK did: 10 sequential quota.get() (1 ok, 9 x 401) and 8 parallel
    files.list() (1 ok); every call carries its own nonce now."""
    with ImageLens(
        secret=signing_key["secret"], base_url=signing_server.base_url, max_retries=0
    ) as client:
        assert all(client.quota.get().can_proceed for _ in range(10))

    async def parallel() -> int:
        async with AsyncImageLens(
            secret=signing_key["secret"], base_url=signing_server.base_url, max_retries=0
        ) as client:
            pages = await asyncio.gather(*(client.files.list(limit=1) for _ in range(8)))
            return len(pages)

    assert asyncio.run(parallel()) == 8


def test_a_non_ascii_signature_is_401(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    target = f"{API}/quota"
    headers = _headers(signing_key["secret"], signing_key["id"], "GET", target, b"")
    sent = {k.encode(): v.encode() for k, v in headers.items()}
    with httpx.Client(base_url=signing_server.base_url) as client:
        for odd in ("\u00e9" * 64, "\u00e9" * 32, "a" * 63 + "\u00e9"):
            sent[b"X-Imagelens-Signature"] = odd.encode()  # UTF-8 bytes on the wire
            response = client.get(target, headers=sent)
            assert response.status_code == 401, response.text
            assert response.json()["error"]["code"] == "invalid_signature"


def test_unknown_and_real_key_ids_get_one_message(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    """An unknown key id and a real one with a wrong signature read the same, so the answer
    does not tell which ids exist."""
    target = f"{API}/quota"
    wrong_secret = signing_key["secret"][:-4] + "AAAA"
    unknown = _headers(signing_key["secret"], signing_key["id"], "GET", target, b"")
    unknown["X-Imagelens-Key-Id"] = "00000000-0000-0000-0000-000000000000"
    mismatch = _headers(wrong_secret, signing_key["id"], "GET", target, b"")
    with signing_server.client() as admin:
        plain = admin.post(f"{API}/api-keys", json={"name": "no-signing"}).json()
    unsigned = _headers(signing_key["secret"], plain["id"], "GET", target, b"")
    with httpx.Client(base_url=signing_server.base_url) as client:
        messages = {
            client.get(target, headers=h).json()["error"]["message"]
            for h in (unknown, mismatch, unsigned)
        }
    assert len(messages) == 1, messages


def test_a_nonce_is_forgotten_after_twice_the_window() -> None:
    now = [1000.0]
    seen = SeenNonces(600.0, None, clock=lambda: now[0])
    assert seen.first_time("key-a", "n" * 16)
    assert not seen.first_time("key-a", "n" * 16)
    assert seen.first_time("key-b", "n" * 16)  # per key
    now[0] += 599.0
    assert not seen.first_time("key-a", "n" * 16)
    now[0] += 2.0  # its timestamp is out of the window now, so the nonce need not be kept
    assert seen.first_time("key-a", "n" * 16)
    assert len(seen._expiry) == 1  # key-b's pair was dropped as it expired


def test_describe_image_answers_30002(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    path = "/api/openapi-v2/describe-image"
    photo = imagegen.encode(imagegen.photo("chelsea"), "JPEG")
    request = httpx.Request(
        "POST",
        signing_server.base_url + path,
        files={"image": ("cat.jpg", photo)},
        data={"prompt": "What is this?", "lang": "en"},
    )
    body = request.read()
    good = _headers(signing_key["secret"], signing_key["id"], "POST", path, body)
    with httpx.Client(timeout=120) as client:
        request.headers.update(good)
        ok = client.send(request)
        assert ok.status_code == 200 and ok.json()["code"] == 200, ok.text
        bad = httpx.Request("POST", signing_server.base_url + path, content=body)
        bad.headers.update(
            {"content-type": request.headers["content-type"]}
            | good
            | {"X-Imagelens-Signature": "0" * 64}
        )
        refused = client.send(bad)
    assert refused.status_code == 401
    assert refused.json()["code"] == 30002 and refused.json()["msg"] == "INVALID_SIGNATURE"


def test_the_sdk_signs_with_the_secret_alone(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    with ImageLens(secret=signing_key["secret"], base_url=signing_server.base_url) as client:
        done = client.images.analyze(imagegen.encode(imagegen.photo("coffee"), "JPEG"))
        assert done.status == "completed"
        assert client.quota.get().can_proceed
    wrong = signing_key["secret"][:-4] + "AAAA"
    with ImageLens(secret=wrong, base_url=signing_server.base_url, max_retries=0) as client:
        with pytest.raises(ImageLensAPIError) as caught:
            client.quota.get()
    assert caught.value.code == "invalid_signature"


def test_bearer_still_works_for_a_signing_key(
    signing_server: LiveServer, signing_key: dict[str, Any]
) -> None:
    with signing_server.client(key=signing_key["key"]) as client:
        assert client.get(f"{API}/quota").status_code == 200


def test_a_revoked_key_stops_signing(signing_server: LiveServer) -> None:
    with signing_server.client() as admin:
        made = admin.post(f"{API}/api-keys", json={"name": "short", "signing": True}).json()
        target = f"{API}/quota"
        with httpx.Client(base_url=signing_server.base_url) as client:
            assert (
                client.get(
                    target, headers=_headers(made["secret"], made["id"], "GET", target, b"")
                ).status_code
                == 200
            )
            assert admin.delete(f"{API}/api-keys/{made['id']}").status_code == 204
            gone = client.get(
                target, headers=_headers(made["secret"], made["id"], "GET", target, b"")
            )
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "invalid_signature"


def test_signing_needs_the_server_secret_key(server: LiveServer) -> None:
    with server.client() as client:
        refused = client.post(f"{API}/api-keys", json={"name": "s", "signing": True})
    assert refused.status_code == 501
    assert "IMAGELENS_SECRET_KEY" in refused.json()["error"]["message"]
