"""Profile the no-op job path in process (PostgreSQL, the Celery queue on Redis): what a job
costs besides its analysis. Jobs are submitted first (async uploads of tiny images), then run
one after the other by the worker's runner with an engine that has no analyzers, under
pyinstrument. Prints the time per job and the profile; ``--html DIR`` writes it as HTML too.
Needs the local PostgreSQL (a scratch database, dropped after) and Redis (db 11; the queue
it fills is deleted after).

    .venv/bin/python benchmarks/profile_jobs.py --n 300
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.imagegen import encode, noise_photo
from tests.live import postgres_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    from imagelens.cli.startup import settings_for
    from imagelens.core import Services
    from imagelens.engine import Engine
    from imagelens.service.ingest import IngestRequest

    queue = f"imagelens-profile-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp, postgres_database() as db_url:
        os.environ |= {
            "IMAGELENS_DATABASE_URL": db_url,
            "IMAGELENS_QUEUE__KIND": "celery",
            "IMAGELENS_QUEUE__BROKER_URL": "redis://127.0.0.1:6379/11",
            "IMAGELENS_QUEUE__NAME": queue,
            "IMAGELENS_REDIS_URL": "redis://127.0.0.1:6379/11",
            "IMAGELENS_QUOTA__MONTHLY_ANALYSES": "0",
            "IMAGELENS_LOG_LEVEL": "WARNING",
        }
        settings = settings_for(Path(tmp))
        services = Services.build(settings, engine=Engine(settings, analyzers=[]), db_pool=4)
        services.start()  # migrates, makes the default tenant
        try:
            jobs = []
            for i in range(args.n + 20):
                data = encode(noise_photo(48, 48, seed=i), "PNG")
                ingested = services.ingestor.ingest(
                    IngestRequest(tenant_id="default", data=data, filename=f"{i}.png", decode=False)
                )
                assert ingested.job_id is not None
                jobs.append(ingested.job_id)
            for job_id in jobs[:20]:  # warm up: first connections, caches, lazy imports
                services.runner.run(job_id)
            profiler = Profiler(interval=0.0005)
            started = time.perf_counter()
            with profiler:
                for job_id in jobs[20:]:
                    services.runner.run(job_id)
            per_job = (time.perf_counter() - started) / args.n
            print(f"{args.n} no-op jobs, one at a time: {per_job * 1000:.2f} ms a job (profiled)")
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            if args.html:
                args.html.mkdir(parents=True, exist_ok=True)
                (args.html / "jobs.html").write_text(profiler.output_html())
        finally:
            asyncio.run(services.stop())
            redis.Redis.from_url(os.environ["IMAGELENS_REDIS_URL"]).delete(queue)


if __name__ == "__main__":
    main()
