"""Webhooks end to end: a real server (SQLite and PostgreSQL) calling a real receiver on
loopback; signatures checked with the reference ``standardwebhooks`` package."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from standardwebhooks import Webhook as Verifier

from imagelens import sdk
from imagelens.db.jobs import stranded_jobs
from imagelens.db.tables import Job, WebhookDelivery, utcnow
from imagelens.db.webhooks import claim_delivery
from imagelens.engine import Engine
from imagelens.sdk import verify_webhook
from tests import imagegen
from tests.live import LiveServer, make_settings, run_server
from tests.webhookrecv import Receiver, receiver

API = "/api/v2"
SECRET_KEY = "webhook-tests-secret-key-0123456789"
# Fast retries; a webhook failing for 4 s is disabled (24 h in production).
HOOKS = {"timeout": 1.0, "backoff": 0.1, "max_backoff": 0.5, "interval": 0.2, "retry_for": 4.0}


@pytest.fixture(scope="module")
def hooked(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    settings = make_settings(
        tmp_path_factory.mktemp("data"),
        database_url,
        secret_key=SECRET_KEY,
        webhooks=HOOKS,
        max_batch=8,
    )
    with run_server(settings, engine) as live:
        yield live


@pytest.fixture(scope="module")
def recv(database_url: str) -> Iterator[Receiver]:
    """A receiver per deployment (paths are reused by each)."""
    del database_url
    with receiver() as state:
        yield state


def _create(
    server: LiveServer, url: str, events: list[str], key: str | None = None
) -> dict[str, Any]:
    with server.client(key) as client:
        response = client.post(f"{API}/webhooks", json={"url": url, "events": events})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _deliveries(server: LiveServer, webhook_id: str) -> list[dict[str, Any]]:
    with server.client() as client:
        response = client.get(f"{API}/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["deliveries"]
    return rows


def _png(name: str) -> bytes:
    return imagegen.encode(imagegen.photo(name).resize((320, 240)))


def test_secret_is_shown_once(hooked: LiveServer, recv: Receiver) -> None:
    created = _create(hooked, f"{recv.base_url}/once", ["job.completed"])
    assert created["secret"].startswith("whsec_")
    with hooked.client() as client:
        listed = client.get(f"{API}/webhooks").json()["webhooks"]
        one = client.get(f"{API}/webhooks/{created['webhook_id']}").json()
    assert created["webhook_id"] in [w["webhook_id"] for w in listed]
    assert "secret" not in one and all("secret" not in w for w in listed)
    assert one["events"] == ["job.completed"] and one["enabled"]


def test_batch_tells_each_job_and_the_session_signed(hooked: LiveServer, recv: Receiver) -> None:
    hook = _create(hooked, f"{recv.base_url}/batch", ["job.completed", "session.completed"])
    files = [("files", (f"{n}.png", _png(n), "image/png")) for n in ("coffee", "chelsea")]
    with hooked.client() as client:
        accepted = client.post(f"{API}/files/upload/batch", files=files)
    assert accepted.status_code == 202, accepted.text
    session_id = accepted.json()["session_id"]
    got = recv.wait("/batch", 3, timeout=120)
    assert len(got) == 3, got
    bodies = []
    for message in got:
        # The reference implementation accepts the signature; so does the SDK's helper.
        Verifier(hook["secret"]).verify(message.body, message.headers)
        verify_webhook(message.body, message.headers, hook["secret"])
        bodies.append(json.loads(message.body))
    kinds = sorted(b["type"] for b in bodies)
    assert kinds == ["job.completed", "job.completed", "session.completed"]
    jobs = [b["data"] for b in bodies if b["type"] == "job.completed"]
    with hooked.client() as client:
        for job in jobs:  # data is the job as GET /job/{id} answers it
            assert job["status"] == "completed"
            assert job == client.get(f"{API}/job/{job['job_id']}").json()
    (done,) = [b["data"] for b in bodies if b["type"] == "session.completed"]
    assert done["session_id"] == session_id and done["status"] == "completed"
    rows = _deliveries(hooked, hook["webhook_id"])
    assert {r["status"] for r in rows} == {"delivered"}
    assert all(r["attempts"] == 1 and r["last_status"] == 200 for r in rows)
    # A wrong secret does not verify.
    with pytest.raises(ValueError):
        verify_webhook(got[0].body, got[0].headers, "whsec_" + "A" * 32)


def test_retries_after_500s_with_one_webhook_id(hooked: LiveServer, recv: Receiver) -> None:
    recv.plans["/flaky"] = [500, 503]
    hook = _create(hooked, f"{recv.base_url}/flaky", ["job.completed"])
    with hooked.client() as client:
        queued = client.post(f"{API}/webhooks/{hook['webhook_id']}/test")
    assert queued.status_code == 202, queued.text
    got = recv.wait("/flaky", 3)
    assert len(got) == 3
    assert len({m.headers["webhook-id"] for m in got}) == 1  # receivers drop duplicates by it
    assert json.loads(got[-1].body)["type"] == "webhook.test"
    (row,) = _deliveries(hooked, hook["webhook_id"])
    assert row["status"] == "delivered" and row["attempts"] == 3 and row["last_status"] == 200


def test_retries_after_a_timeout(hooked: LiveServer, recv: Receiver) -> None:
    recv.plans["/slow"] = [1.5]  # longer than the 1 s timeout
    hook = _create(hooked, f"{recv.base_url}/slow", ["job.completed"])
    with hooked.client() as client:
        client.post(f"{API}/webhooks/{hook['webhook_id']}/test")
    recv.wait("/slow", 2)
    row = _wait_row(hooked, hook["webhook_id"], lambda r: r["status"] == "delivered")
    assert row["attempts"] == 2


def test_redelivery_sends_the_same_message(hooked: LiveServer, recv: Receiver) -> None:
    hook = _create(hooked, f"{recv.base_url}/again", ["job.completed"])
    with hooked.client() as client:
        first = client.post(f"{API}/webhooks/{hook['webhook_id']}/test").json()
        recv.wait("/again", 1)
        again = client.post(
            f"{API}/webhooks/{hook['webhook_id']}/deliveries/{first['delivery_id']}/redeliver"
        )
        assert again.status_code == 202, again.text
        missing = client.post(f"{API}/webhooks/{hook['webhook_id']}/deliveries/dlv_x/redeliver")
        assert missing.status_code == 404
    got = recv.wait("/again", 2)
    assert len(got) == 2 and got[0].body == got[1].body
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    assert again.json()["delivery_id"] != first["delivery_id"]


def test_image_deleted(hooked: LiveServer, recv: Receiver) -> None:
    hook = _create(hooked, f"{recv.base_url}/deleted", ["image.deleted"])
    with hooked.client() as client:
        uploaded = client.post(
            f"{API}/files/upload", files={"file": ("c.png", _png("camera"), "image/png")}
        )
        assert uploaded.status_code == 201, uploaded.text
        image_id = uploaded.json()["image_id"]
        assert client.delete(f"{API}/files/{image_id}").status_code == 204
    (message,) = recv.wait("/deleted", 1)
    Verifier(hook["secret"]).verify(message.body, message.headers)
    body = json.loads(message.body)
    assert body["type"] == "image.deleted" and body["data"] == {"image_id": image_id}


def test_a_failing_url_is_disabled_with_a_reason(hooked: LiveServer, recv: Receiver) -> None:
    recv.plans["/down"] = [500] * 1000
    hook = _create(hooked, f"{recv.base_url}/down", ["job.completed"])
    with hooked.client() as client:
        client.post(f"{API}/webhooks/{hook['webhook_id']}/test")
        row = _wait_row(hooked, hook["webhook_id"], lambda r: r["status"] == "failed", 30)
        assert row["attempts"] > 2 and row["last_status"] == 500
        shown = client.get(f"{API}/webhooks/{hook['webhook_id']}").json()
        assert not shown["enabled"] and "HTTP 500" in shown["disabled_reason"]
        enabled = client.patch(f"{API}/webhooks/{hook['webhook_id']}", json={"enabled": True})
        assert enabled.json()["enabled"] and enabled.json()["disabled_reason"] is None


def test_private_address_refused_at_delivery(hooked: LiveServer, recv: Receiver) -> None:
    """The address rule is checked again at each attempt (a name may point inside later)."""
    assert hooked.services is not None
    hook = _create(hooked, f"{recv.base_url}/inside", ["job.completed"])
    hooked.services.fetcher.allow_private = False
    try:
        with hooked.client() as client:
            client.post(f"{API}/webhooks/{hook['webhook_id']}/test")
        row = _wait_row(hooked, hook["webhook_id"], lambda r: r["attempts"] >= 1)
    finally:
        hooked.services.fetcher.allow_private = True
    assert "private" in row["last_error"] and row["last_status"] is None
    assert recv.on("/inside") == []


def test_tenant_isolation(hooked: LiveServer, recv: Receiver) -> None:
    mine = _create(hooked, f"{recv.base_url}/mine", ["job.completed"])
    with hooked.client() as client:
        other = client.post(
            f"{API}/api-keys", json={"name": "other", "tenant": "other-t", "scopes": ["admin"]}
        ).json()["key"]
        reader = client.post(f"{API}/api-keys", json={"name": "r", "scopes": ["read"]}).json()
    theirs = _create(hooked, f"{recv.base_url}/theirs", ["job.completed"], key=other)
    with hooked.client(other) as client:
        listed = [w["webhook_id"] for w in client.get(f"{API}/webhooks").json()["webhooks"]]
        assert listed == [theirs["webhook_id"]]
        base = f"{API}/webhooks/{mine['webhook_id']}"
        assert client.get(base).status_code == 404
        assert client.patch(base, json={"enabled": False}).status_code == 404
        assert client.get(f"{base}/deliveries").status_code == 404
        assert client.post(f"{base}/test").status_code == 404
        assert client.delete(base).status_code == 404
    with hooked.client(reader["key"]) as client:
        assert client.get(f"{API}/webhooks").status_code == 403  # admin scope
    with hooked.client() as client:
        assert client.delete(f"{API}/webhooks/{theirs['webhook_id']}").status_code == 404
        assert client.delete(f"{API}/webhooks/{mine['webhook_id']}").status_code == 204
        assert client.get(f"{API}/webhooks/{mine['webhook_id']}").status_code == 404


def test_a_delivery_left_claimed_by_a_dead_worker_is_sent(
    hooked: LiveServer, recv: Receiver
) -> None:
    """A worker killed mid-delivery leaves its row claimed: once the lease runs out, the
    next pass of any deliverer sends it; a live lease is left alone."""
    services = hooked.services
    assert services is not None
    hook = _create(hooked, f"{recv.base_url}/orphan", ["job.completed"])
    base = f"{API}/webhooks/{hook['webhook_id']}"
    with hooked.client() as client:
        # Disabled while the row is set up, so this server's deliverer leaves it be.
        client.patch(base, json={"enabled": False})
        queued = client.post(f"{base}/test").json()
        with services.db.session() as session:  # the worker about to be killed claims it
            assert claim_delivery(
                session=session,
                delivery_id=queued["delivery_id"],
                owner="dead-worker",
                now=utcnow(),
                lease=600,
            )
        with services.db.session() as session:  # one claim at a time
            assert not claim_delivery(
                session=session,
                delivery_id=queued["delivery_id"],
                owner="other",
                now=utcnow(),
                lease=600,
            )
        client.patch(base, json={"enabled": True})  # wakes the deliverer
    assert services.deliverer.run_once() == 0
    assert recv.wait("/orphan", 1, timeout=1) == []  # the live lease is respected
    with services.db.session() as session:  # the worker died: its lease runs out
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == queued["delivery_id"])
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    services.deliverer.wake()
    assert len(recv.wait("/orphan", 1)) == 1
    row = _wait_row(hooked, hook["webhook_id"], lambda r: r["status"] == "delivered")
    assert row["attempts"] == 1 and row["message_id"] == queued["message_id"]


def test_private_url_refused_at_creation(engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", secret_key=SECRET_KEY
    ).model_copy(update={"allow_private_urls": False})
    with run_server(settings, engine) as live, live.client() as client:
        for url in ("http://127.0.0.1:9/hook", "http://10.0.0.1/x", "file:///etc/passwd"):
            response = client.post(f"{API}/webhooks", json={"url": url, "events": ["job.failed"]})
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "url_not_allowed"


def test_no_secret_key_is_not_configured(engine: Engine, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    with run_server(settings, engine) as live, live.client() as client:
        response = client.post(
            f"{API}/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["job.failed"]}
        )
    assert response.status_code == 501
    assert response.json()["error"]["code"] == "not_configured"


def _wait_row(
    server: LiveServer, webhook_id: str, done: Any, timeout: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        rows = _deliveries(server, webhook_id)
        if rows and done(rows[0]):
            return rows[0]
        assert time.monotonic() < deadline, rows
        time.sleep(0.1)


def _sqlite_only(server: LiveServer) -> None:
    if not server.settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("client code: the database makes no difference")


def test_sdk_sync_and_async(hooked: LiveServer, recv: Receiver) -> None:
    _sqlite_only(hooked)
    with sdk.ImageLens(hooked.key, base_url=hooked.base_url) as client:
        hook = client.webhooks.create(url=f"{recv.base_url}/sdk", events=["job.failed"])
        assert hook.secret.startswith("whsec_")
        updated = client.webhooks.update(hook.webhook_id, description="ci")
        assert updated.description == "ci" and updated.events == ["job.failed"]
        queued = client.webhooks.test(hook.webhook_id)
        (message,) = recv.wait("/sdk", 1)
        sdk.verify_webhook(message.body, message.headers, hook.secret)
        with pytest.raises(sdk.WebhookVerificationError):
            sdk.verify_webhook(message.body + b" ", message.headers, hook.secret)
        again = client.webhooks.redeliver(hook.webhook_id, queued.delivery_id)
        assert again.message_id == queued.message_id

    async def run() -> None:
        async with sdk.AsyncImageLens(hooked.key, base_url=hooked.base_url) as client:
            listed = await client.webhooks.list()
            assert hook.webhook_id in [w.webhook_id for w in listed.webhooks]
            rows = (await client.webhooks.deliveries(hook.webhook_id)).deliveries
            assert {r.message_id for r in rows} == {queued.message_id}
            await client.webhooks.delete(hook.webhook_id)
            with pytest.raises(sdk.NotFoundError):
                await client.webhooks.get(hook.webhook_id)

    asyncio.run(run())


def test_cli(hooked: LiveServer, recv: Receiver) -> None:
    _sqlite_only(hooked)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "IMAGELENS_BASE_URL": hooked.base_url}
        env["IMAGELENS_API_KEY"] = hooked.key
        command = [sys.executable, "-m", "imagelens.cli", "webhooks", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    created = cli("create", f"{recv.base_url}/cli", "-e", "job.completed", "--json")
    assert created.returncode == 0, created.stderr
    hook = json.loads(created.stdout)
    listed = cli("list")
    assert listed.returncode == 0 and hook["webhook_id"] in listed.stdout, listed.stderr
    tested = cli("test", hook["webhook_id"])
    assert tested.returncode == 0, tested.stderr
    (message,) = recv.wait("/cli", 1)
    sdk.verify_webhook(message.body, message.headers, hook["secret"])
    assert cli("delete", hook["webhook_id"]).returncode == 0
    gone = cli("delete", hook["webhook_id"])
    assert gone.returncode == 1 and "not_found" in gone.stderr


def test_backoff_grows_with_jitter_up_to_its_cap(hooked: LiveServer) -> None:
    assert hooked.services is not None
    deliverer = hooked.services.deliverer
    first, later = deliverer.backoff(1), deliverer.backoff(30)
    assert HOOKS["backoff"] / 2 <= first <= HOOKS["backoff"]
    assert HOOKS["max_backoff"] / 2 <= later <= HOOKS["max_backoff"]


def test_a_job_that_fails_for_good_tells_job_failed(hooked: LiveServer, recv: Receiver) -> None:
    """A job interrupted too often is failed by the sweep, in the transaction that tells it."""
    assert hooked.services is not None
    hook = _create(hooked, f"{recv.base_url}/failed", ["job.failed"])
    tenant = "default"  # the bootstrap key's
    with hooked.client() as client:
        other = client.post(
            f"{API}/api-keys",
            json={"name": "other", "tenant": f"t-{uuid.uuid4().hex[:6]}", "scopes": ["admin"]},
        ).json()["key"]
    _create(hooked, f"{recv.base_url}/elsewhere", ["job.failed"], key=other)
    job_id = str(uuid.uuid4())
    with hooked.services.db.session() as session:
        session.add(
            Job(
                id=job_id,
                tenant_id=tenant,
                job_type="image",
                status="processing",
                attempts=3,
                options={},
                lease_owner="gone:1:x",
                lease_expires_at=utcnow() - timedelta(minutes=5),
            )
        )
    with hooked.services.db.session() as session:
        stranded_jobs(session=session, max_attempts=3)
    hooked.services.deliverer.wake()
    (message,) = recv.wait("/failed", 1)
    Verifier(hook["secret"]).verify(message.body, message.headers)
    body = json.loads(message.body)
    assert body["type"] == "job.failed"
    assert body["data"]["job_id"] == job_id and body["data"]["status"] == "failed"
    hooked.services.deliverer.run_once()  # a pass after the message went out
    assert recv.on("/elsewhere") == []  # another tenant's webhook hears nothing of it
