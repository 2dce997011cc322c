"""Scale-out: Celery workers deliver webhooks, and a worker killed (-9) mid-delivery loses
nothing: another worker sends the message once the dead one's claim runs out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.imagegen import encode, photo
from tests.live import (
    ADMIN_KEY,
    free_port,
    postgres_database,
    scaleout_env,
    spawn_server,
    spawn_worker,
)
from tests.webhookrecv import Receiver, receiver

API = "/api/v2"


@pytest.fixture
def recv() -> Iterator[Receiver]:
    with receiver() as state:
        yield state


def test_a_worker_killed_mid_delivery_loses_nothing(
    recv: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data_dir = tmp_path_factory.mktemp("hooks-scaleout")
    # The receiver holds the first request far past the kill; then answers at once.
    recv.plans["/hang"] = [600.0]
    with postgres_database() as db_url:
        env = scaleout_env(db_url) | {
            "IMAGELENS_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_SECRET_KEY": "scaleout-webhook-secret-0123456789",
            "IMAGELENS_ALLOW_PRIVATE_URLS": "true",
            "IMAGELENS_WEBHOOKS__TIMEOUT": "2",  # a claim lasts 4 x 2 + 10 = 18 s
            "IMAGELENS_WEBHOOKS__INTERVAL": "0.2",
            "IMAGELENS_WEBHOOKS__BACKOFF": "0.1",
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        port = free_port()
        api = spawn_server(data_dir, port, env)
        first = spawn_worker(data_dir, env)
        second = None
        try:
            headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120
            ) as client:
                hook = client.post(
                    f"{API}/webhooks",
                    json={"url": f"{recv.base_url}/hang", "events": ["job.completed"]},
                ).json()
                image = encode(photo("chelsea").resize((200, 150)), "JPEG")
                job = client.post(
                    f"{API}/images/analyze/async",
                    files={"file": ("c.jpg", image, "image/jpeg")},
                ).json()
                assert recv.wait_arrival("/hang", timeout=180)  # the first worker is sending
                first.kill()  # kill -9, mid-request
                first.wait(timeout=30)
                second = spawn_worker(data_dir, env)
                got = recv.wait("/hang", 1, timeout=180)  # the hung request is never answered
                assert len(got) == 1, recv.arrived
                body = json.loads(got[0].body)
                assert body["type"] == "job.completed"
                assert body["data"]["job_id"] == job["job_id"]
                deadline = time.monotonic() + 30
                while True:
                    rows = client.get(f"{API}/webhooks/{hook['webhook_id']}/deliveries").json()
                    (row,) = rows["deliveries"]
                    if row["status"] == "delivered" or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
                # The killed attempt was never recorded; the message went out twice (at
                # least once), with one webhook-id.
                assert row["status"] == "delivered" and row["attempts"] == 1, row
                assert recv.arrived.count("/hang") == 2
                assert got[0].headers["webhook-id"] == row["message_id"]
        finally:
            for process in (api, first, second):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait(timeout=30)
