from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

# A test that reaches for the network is a broken test.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from imagelens.config import FacesSettings, Settings
from imagelens.db import Database, upgrade
from imagelens.engine import Engine
from imagelens.people import People
from tests import imagegen
from tests.dlibfaces import DlibEmbedder
from tests.live import (
    LiveServer,
    free_port,
    image_host,
    make_settings,
    postgres_database,
    run_server,
    scaleout_env,
    spawn_worker,
)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """One engine with real models for the whole session (models load once)."""
    with Engine(settings) as eng:
        eng.warmup()
        yield eng


# --- the API tests: a real server over HTTP, on SQLite and on PostgreSQL ---------------------


# API test modules run on SQLite and PostgreSQL; a module where the scale-out shape makes
# sense runs on tests.live.DEPLOYMENTS too (``pytestmark = WITH_API_ROLE``): a model-free API
# process on PostgreSQL submitting through Celery on Redis, and an `imagelens worker` process.
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def deployment(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(deployment: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if deployment == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'imagelens.db'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(scope="module")
def server(
    engine: Engine,
    deployment: str,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """A server with real models, open quota and rate limits, private URLs allowed."""
    data_dir = tmp_path_factory.mktemp("data")
    if deployment != "api-role":
        settings = make_settings(data_dir, database_url, max_batch=8)
        with run_server(settings, engine) as live:
            yield live
        return
    env = scaleout_env(database_url)
    scaleout = {
        "redis_url": env["IMAGELENS_REDIS_URL"],
        "queue": {
            "kind": "celery",
            "broker_url": env["IMAGELENS_QUEUE__BROKER_URL"],
            "name": env["IMAGELENS_QUEUE__NAME"],
        },
    }
    settings = make_settings(data_dir, database_url, max_batch=8, **scaleout)
    with run_server(settings, engine) as live:  # migrates the database before the worker
        worker = spawn_worker(data_dir, env | {"IMAGELENS_ALLOW_PRIVATE_URLS": "1"})
        try:
            yield live
        finally:
            worker.kill()
            worker.wait(timeout=30)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 API on loopback (moto's server, spoken to over real HTTP by boto3); boto3's
    standard variables point at made-up credentials."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def image_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real photos and a rendered page as files, the way a user has them."""
    root = tmp_path_factory.mktemp("images")
    imagegen.photo("chelsea").save(root / "chelsea.jpg", quality=90)
    imagegen.photo("coffee").save(root / "coffee.png")
    imagegen.photo("astronaut").save(root / "astronaut.jpg", quality=90)
    imagegen.text_page(("INVOICE 2041", "Total due: 418.50 EUR")).image.save(root / "page.png")
    (root / "notes.txt").write_text("not an image\n")
    return root


@pytest.fixture(scope="session")
def image_url(image_dir: Path) -> Iterator[str]:
    """Base URL of a local HTTP server holding ``image_dir``."""
    with image_host(image_dir) as url:
        yield url


# --- a real OpenAI-compatible VLM server (transformers serve, tiny random LLaVA) -------------


@pytest.fixture(scope="session")
def tiny_vlm_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        import transformers  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the dev install brings it
        pytest.skip(f"VLM INTEGRATION TESTS SKIPPED: transformers[serving] missing ({exc})")
    from tests.tinyvlm import build_tiny_llava

    return build_tiny_llava(tmp_path_factory.mktemp("tiny-llava"))


@pytest.fixture(scope="session")
def tiny_vlm(tiny_vlm_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (…/v1) of `transformers serve` running the tiny model."""
    from tests.live import free_port
    from tests.tinyvlm import serve

    with serve(tiny_vlm_model, free_port(), tmp_path_factory.mktemp("hf-cache")) as url:
        yield url


# The people tests': a migrated SQLite file or PostgreSQL database per module, and a People
# on it with the real dlib model (tests/peopledb.py makes tenants, images and faces).
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def people_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('people') / 'imagelens.db'}"
        upgrade(url)
        yield url
    else:
        with postgres_database() as url:
            upgrade(url)
            yield url


@pytest.fixture(scope="module")
def people_db(people_url: str) -> Iterator[Database]:
    database = Database(people_url)
    yield database
    database.dispose()


@pytest.fixture
def people(people_db: Database) -> People:
    return People(people_db, FacesSettings(recognition=True), DlibEmbedder.version)
