"""Profile the api role's async submission in process (PostgreSQL, Celery on Redis), in two
halves pyinstrument can see: the request on the event loop (multipart, auth, routing; the
thread-pool part shows as an await) driven through ``httpx.ASGITransport``, and the ingest
the thread pool runs (probe, store, INSERTs, send to the broker) called directly. Prints
both profiles; ``--html DIR`` writes them as HTML too."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, noise_photo
from tests.live import postgres_database

KEY = "il_benchmark_key_000000000000000000"


async def requests(app: object, images: list[bytes]) -> None:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {KEY}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers=headers
    ) as client:
        for i, data in enumerate(images):
            response = await client.post(
                "/api/v2/images/analyze/async", files={"file": (f"{i}.png", data)}
            )
            assert response.status_code == 202, response.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    from imagelens.api import create_app
    from imagelens.cli.startup import settings_for
    from imagelens.service.ingest import IngestRequest

    with tempfile.TemporaryDirectory() as tmp, postgres_database() as db_url:
        os.environ |= {
            "IMAGELENS_DATABASE_URL": db_url,
            "IMAGELENS_QUEUE__KIND": "celery",
            "IMAGELENS_QUEUE__BROKER_URL": "redis://127.0.0.1:6379/11",
            "IMAGELENS_QUEUE__NAME": f"imagelens-profile-{uuid.uuid4().hex[:8]}",
            "IMAGELENS_REDIS_URL": "redis://127.0.0.1:6379/11",
            "IMAGELENS_BOOTSTRAP_API_KEY": KEY,
            "IMAGELENS_QUOTA__REQUESTS_PER_MINUTE": "0",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        app = create_app(settings_for(Path(tmp)))
        services = app.state.services
        services.start()
        try:
            seed = iter(range(10**6))
            batch = [encode(noise_photo(48, 48, seed=next(seed)), "PNG") for _ in range(args.n)]
            asyncio.run(requests(app, batch[:20]))  # warm up
            profiler = Profiler(interval=0.0005, async_mode="enabled")
            with profiler:
                asyncio.run(requests(app, batch))
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            profiler = Profiler(interval=0.0005)
            with profiler:
                for i in range(args.n):
                    data = encode(noise_photo(48, 48, seed=next(seed)), "PNG")
                    services.ingestor.ingest(
                        IngestRequest(
                            tenant_id="default", data=data, filename=f"{i}.png", decode=False
                        )
                    )
            print(profiler.output_text(unicode=False, color=False, show_all=False))
        finally:
            services.queue.stop()
            services.db.dispose()


if __name__ == "__main__":
    main()
