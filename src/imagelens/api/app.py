"""The app factory: ``create_app(settings)`` builds one server; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from imagelens import __version__
from imagelens.api.errors import install_error_handlers
from imagelens.api.middleware import RequestContext
from imagelens.api.openapi import install_openapi
from imagelens.api.routes import (
    admin,
    analyze,
    describe,
    faces,
    files,
    health,
    jobs,
    media,
    people,
    schemas,
    search,
    uploads,
    visual,
    webhooks,
)
from imagelens.api.routes import (
    settings as tenant_settings,
)
from imagelens.api.routes.web import install_web
from imagelens.config import Settings
from imagelens.core import Services
from imagelens.engine import Engine
from imagelens.engine.vlm.backend import VlmBackend


def create_app(
    settings: Settings, *, engine: Engine | None = None, vlm: VlmBackend | None = None
) -> FastAPI:
    """A FastAPI app serving the v2 and describe-image APIs on ``settings``.

    ``engine`` lets a caller share an engine (or inject analyzers); by default the app builds
    and owns one. ``vlm`` injects a VLM back-end (one on a test transport, say); by default
    one is built when ``settings.vlm.base_url`` is set. Start-up migrates the database,
    ensures an admin key, loads the models and resumes unfinished jobs.
    """
    services = Services.build(settings, engine, vlm)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(services.start)
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(
        title="imagelens",
        version=__version__,
        summary="Self-hosted image analysis: descriptions, tags, text, moderation, colors.",
        lifespan=lifespan,
        # Starlette answers a path with a stray trailing slash with an absolute redirect
        # built from the Host header (`Host: evil.example` -> http://evil.example/...): no
        # redirect at all, such a path is a plain 404.
        redirect_slashes=False,
    )
    app.state.services = services
    install_error_handlers(app)
    install_openapi(app)
    for module in (
        analyze,
        jobs,
        uploads,
        files,
        media,
        search,
        admin,
        schemas,
        tenant_settings,
        visual,
        people,
        faces,
        webhooks,
    ):
        app.include_router(module.router, prefix="/api/v2")
    app.include_router(describe.router)
    app.include_router(health.router)
    if settings.web.enabled:
        install_web(app)
    max_body = settings.limits.max_file_bytes + 1024 * 1024  # room for the multipart framing
    app.add_middleware(
        RequestContext,
        metrics=services.metrics,
        max_body=max_body,
        max_batch_body=min(2 * 1024**3, max_body * settings.max_batch),
    )
    return app
