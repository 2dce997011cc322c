"""The web page at ``/`` and its sign-in: an API key traded for a session cookie.

``POST /web/session`` takes ``{"api_key": ...}`` as JSON (a cross-site form cannot send JSON
without a CORS preflight this server never grants) and sets an HttpOnly, SameSite=Strict
cookie; the answer carries the CSRF token the page sends back on state-changing calls, and what
the page needs to draw its forms. ``GET`` says who is signed in; ``DELETE`` signs out. A failed
sign-in counts against the client's address like a wrong key (api.deps.failures_counted).
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from imagelens.api.deps import (
    CSRF_HEADER,
    SESSION_COOKIE,
    ServicesDep,
    check_csrf,
    failures_counted,
)
from imagelens.api.inputs import invalid_from, read_json_object
from imagelens.api.webassets import CONTENT_SECURITY_POLICY, HashedStaticFiles, bundle_hash
from imagelens.core import Services
from imagelens.errors import UnsupportedMediaType
from imagelens.service.websessions import WebIdentity, resolve, sign_in, sign_out
from imagelens.types import Backend, ContentCategory, Language
from imagelens.web import STATIC_DIR

router = APIRouter(prefix="/web", tags=["web"], include_in_schema=False)
NO_STORE = {"Cache-Control": "no-store"}


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: str = Field(min_length=1, max_length=500)


class WebSessionInfo(BaseModel):
    signed_in: bool = True
    tenant: str
    key_name: str
    scopes: list[str]
    csrf_token: str
    csrf_header: str = CSRF_HEADER
    backends: list[str]
    categories: list[str]
    languages: list[str]
    max_bytes: int
    max_batch: int


def _info(identity: WebIdentity, services: Services) -> WebSessionInfo:
    backends = [Backend.LOCAL.value]
    if services.settings.vlm.enabled:
        backends += [Backend.VLM.value, Backend.HYBRID.value]
    return WebSessionInfo(
        tenant=identity.principal.tenant_id,
        key_name=identity.key_name,
        scopes=sorted(identity.principal.scopes),
        csrf_token=identity.csrf_token,
        backends=backends,
        categories=[c.value for c in ContentCategory],
        languages=[lang.value for lang in Language],
        max_bytes=services.settings.limits.max_bytes,
        max_batch=services.settings.max_batch,
    )


@router.post("/session")
async def create_session(request: Request, services: ServicesDep) -> JSONResponse:
    """Sign in with an API key; the key itself is never stored in the browser."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise UnsupportedMediaType('Send {"api_key": "..."} as application/json.')
    try:
        body = SignIn.model_validate(await read_json_object(request))
    except ValidationError as exc:
        raise invalid_from(exc) from None
    hours = services.settings.web.session_hours
    with failures_counted(request, services):
        signed = await run_in_threadpool(sign_in, services.db, body.api_key, timedelta(hours=hours))
    response = JSONResponse(
        _info(signed.identity, services).model_dump(), status_code=201, headers=NO_STORE
    )
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        max_age=int(hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=services.settings.web.secure_cookie or request.url.scheme == "https",
    )
    return response


async def _identity(request: Request, services: Services) -> WebIdentity | None:
    token = request.cookies.get(SESSION_COOKIE)
    return await run_in_threadpool(resolve, services.db, token) if token else None


@router.get("/session")
async def current_session(request: Request, services: ServicesDep) -> JSONResponse:
    """Who is signed in; ``{"signed_in": false}`` (200: the page asks before anyone signs
    in, and that is not an error) when no one is."""
    identity = await _identity(request, services)
    if identity is None or identity.principal.expired:
        return JSONResponse({"signed_in": False}, headers=NO_STORE)
    return JSONResponse(_info(identity, services).model_dump(), headers=NO_STORE)


@router.delete("/session", status_code=204)
async def delete_session(request: Request, services: ServicesDep) -> Response:
    """Sign out: the session is deleted on the server and the cookie cleared."""
    token = request.cookies.get(SESSION_COOKIE)
    identity = await _identity(request, services)
    if identity is not None:
        check_csrf(request, identity)
    if token:
        await run_in_threadpool(sign_out, services.db, token)
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def install_web(app: FastAPI) -> None:
    """Serve the page at ``/``, its files under ``/assets/<hash>/`` and the sign-in routes."""
    prefix = f"/assets/{bundle_hash(STATIC_DIR)}"
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{assets}}", prefix)
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"}

    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)

    app.add_api_route("/", index, methods=["GET", "HEAD"], include_in_schema=False)
    app.include_router(router)
    app.mount(prefix, HashedStaticFiles(directory=STATIC_DIR), name="assets")
