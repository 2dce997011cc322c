"""The one place errors become HTTP responses.

Every :class:`ImageLensError` (looked up along its class hierarchy) becomes the v2 error body
``{"error": {code, message, retryable, details}}``; under the describe-image prefix it becomes
that API's ``{code, data, succeed, msg}`` with its numeric codes instead.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from imagelens.errors import (
    HarmfulContent,
    ImageLensError,
    InvalidInput,
    InvalidSignature,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
)

log = logging.getLogger(__name__)

DESCRIBE_PREFIX = "/api/openapi-v2/"

# describe-image codes, checked in order (the first class the error is an instance of wins).
_DESCRIBE_CODES: list[tuple[type[ImageLensError], int, str]] = [
    (InvalidSignature, 30002, "INVALID_SIGNATURE"),
    (Unauthorized, 30001, "INVALID_API_KEY"),
    (QuotaExceeded, 10003, "INSUFFICIENT_CREDITS"),
    (HarmfulContent, 10005, "HARMFUL_CONTENT"),
    (RateLimited, 429, "RATE_LIMITED"),
]


def _describe_body(exc: ImageLensError) -> dict[str, object]:
    for kind, code, name in _DESCRIBE_CODES:
        if isinstance(exc, kind):
            return {"code": code, "data": None, "succeed": False, "msg": name}
    if exc.http_status < 500:
        return {"code": 10004, "data": None, "succeed": False, "msg": "INVALID_PARAM"}
    return {"code": 500, "data": None, "succeed": False, "msg": "SERVER_ERROR"}


def error_response(request: Request, exc: ImageLensError) -> JSONResponse:
    headers = dict(getattr(request.state, "rate_headers", None) or {})
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(max(1, round(retry_after)))
    if request.url.path.startswith(DESCRIBE_PREFIX):
        body = _describe_body(exc)
        body["detail"] = exc.message
    else:
        body = {
            "error": {
                "code": exc.code,
                "message": exc.message,
                "retryable": exc.retryable,
                "details": exc.details,
            }
        }
    return JSONResponse(body, status_code=exc.http_status, headers=headers)


async def _on_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ImageLensError)
    if exc.http_status >= 500:
        log.warning("request failed", extra={"code": exc.code, "error": exc.message})
    return error_response(request, exc)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    error = InvalidInput(f"Invalid request: {problems}.")
    return error_response(request, error)


def _allowed_methods(request: Request) -> str:
    """Every method served at this path, read off the OpenAPI document's path templates
    (Starlette's own 405 names only the first route it matched, and not routers' routes)."""
    paths: dict[str, dict[str, object]] = request.app.openapi()["paths"]
    path = request.url.path
    # A literal path (/files/upload) wins over a template that also matches (/files/{id}).
    operations = paths.get(path) or {}
    if not operations:
        for template, ops in paths.items():
            if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path):
                operations = {**operations, **ops}
    methods = {method.upper() for method in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    # 400: FastAPI could not parse a typed JSON body (e.g. nested too deeply).
    code = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "http_error"
    )
    body = {"error": {"code": code, "message": str(exc.detail), "retryable": False, "details": {}}}
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _on_crash(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(request, ImageLensError("Internal server error.", retryable=True))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ImageLensError, _on_error)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(Exception, _on_crash)
