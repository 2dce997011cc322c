"""Typed dependencies: the services, and the caller's key checked for scope and rate.

A caller proves who it is with ``Authorization: Bearer <key>``, with a request signed by the
key's secret (service.signing), or, from the web page, with the session cookie it got by
signing in; a cookie-borne request that changes state must also carry the session's CSRF
token in ``X-CSRF-Token``. A wrong key or a bad signature counts against the client's address
(service.throttle): past the limit, the address is answered 429 for the rest of the minute.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from imagelens.api.signedbody import hash_and_keep, release
from imagelens.core import Services
from imagelens.errors import Forbidden, InvalidSignature, RateLimited, Unauthorized
from imagelens.service.auth import Principal
from imagelens.service.keys import find_principal, hash_key
from imagelens.service.signing import SignedRequest
from imagelens.service.throttle import address_key
from imagelens.service.websessions import WebIdentity, resolve
from imagelens.signature import KEY_ID_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER

SESSION_COOKIE = "imagelens_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _lookup(services: Services, key: str) -> Principal | None:
    key_hash = hash_key(key)
    principal = services.keys.get(key_hash)
    if principal is None:
        principal = find_principal(services.db, key)
        if principal is None:
            return None
        services.keys.put(key_hash, principal)
    return None if principal.expired else principal


def _from_bearer(header: str, services: Services) -> Principal:
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    principal = _lookup(services, key.strip())  # in memory: a cache hit needs no thread
    if principal is None:
        raise Unauthorized("The API key is unknown, revoked or expired.")
    return principal


def check_csrf(request: Request, identity: WebIdentity) -> None:
    """403 unless the request carries its session's CSRF token (compared in constant time)."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not secrets.compare_digest(sent.encode(), identity.csrf_token.encode()):
        raise Forbidden(
            f"A signed-in page must send its CSRF token in {CSRF_HEADER}; reload the page."
        )


async def _from_session(request: Request, token: str, services: Services) -> Principal:
    identity = await run_in_threadpool(resolve, services.db, token)
    if identity is None or identity.principal.expired:
        raise Unauthorized("Your session has ended (signed out, expired or its key revoked).")
    if request.method not in SAFE_METHODS:
        check_csrf(request, identity)
    return identity.principal


@contextmanager
def failures_counted(request: Request, services: Services) -> Iterator[None]:
    """Refuse (429) an address over its failed-authentication limit; count an Unauthorized
    raised inside the block against it."""
    address = address_key(request.client.host if request.client else None)
    wait = services.throttle.retry_after(address)
    if wait is not None:
        limit = services.throttle.per_minute
        raise RateLimited(
            f"Over {limit} failed authentications in a minute from this address; retry in "
            f"{wait} s.",
            retry_after=wait,
            limit=limit,
        )
    try:
        yield
    except Unauthorized:
        services.throttle.failed(address)
        raise


async def _from_signature(request: Request, signature: str, services: Services) -> Principal:
    key_id = request.headers.get(KEY_ID_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    nonce = request.headers.get(NONCE_HEADER, "")
    if not key_id or not timestamp or not nonce:
        raise InvalidSignature(
            f"A signed request needs {KEY_ID_HEADER}, {TIMESTAMP_HEADER}, {NONCE_HEADER} and "
            f"{SIGNATURE_HEADER}."
        )
    signed = SignedRequest(
        key_id=key_id,
        timestamp=timestamp,
        nonce=nonce,
        signature=signature,
        method=request.method,
        # As sent (percent-encoded), which is what the client signed.
        path=request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
        query=request.scope.get("query_string", b"").decode("latin-1"),
        body_sha256="",
    )
    services.signing.precheck(signed)  # junk headers are refused before the body is read
    digest = await hash_and_keep(request, services.settings.spool_dir)
    return await run_in_threadpool(
        services.signing.verify, dataclasses.replace(signed, body_sha256=digest)
    )


async def authenticate(
    request: Request,
    services: ServicesDep,
    _release: Annotated[None, Depends(release)],
) -> Principal:
    """The key in ``Authorization: Bearer``, a signed request or the web page's session;
    rate-limited per key. A failed key or signature counts against the client's address (a
    request with no credential, or a stale session cookie, guesses nothing and does not)."""
    header = request.headers.get("authorization")
    token = request.cookies.get(SESSION_COOKIE)
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is None and header is None and token:
        principal = await _from_session(request, token, services)
    elif signature is None and header is None:
        raise Unauthorized("Send an API key as `Authorization: Bearer <key>`.")
    elif signature is None and services.redis is not None:
        # The address's failures, the key cache and the rate counter live in Redis: their
        # round trips go to a thread in one hop, not onto the event loop, where each one
        # stalled every other request (profiled: benchmarks/profile_acceptance.py).
        return await run_in_threadpool(_bearer_checked, request, header or "", services)
    else:
        with failures_counted(request, services):
            if signature is not None:
                principal = await _from_signature(request, signature, services)
            else:
                principal = _from_bearer(header or "", services)
    _rate_limited(request, services, principal)
    return principal


def _bearer_checked(request: Request, header: str, services: Services) -> Principal:
    """A bearer key checked and counted (blocking: Redis or the database)."""
    with failures_counted(request, services):
        principal = _from_bearer(header, services)
    _rate_limited(request, services, principal)
    return principal


def _rate_limited(request: Request, services: Services, principal: Principal) -> None:
    """Count the request against its key's per-minute limit; 429 past it."""
    decision = services.limiter.hit(principal.key_id)
    if decision is not None:
        request.state.rate_headers = decision.headers()
        if not decision.allowed:
            raise RateLimited(
                f"Over {decision.limit} requests per minute for this key; retry in "
                f"{decision.reset_seconds} s.",
                retry_after=decision.reset_seconds,
                limit=decision.limit,
            )


def require(scope: str) -> object:
    """A dependency that lets the request through if the key holds ``scope`` (itself or
    through a broader one: admin holds read and write, operator holds admin)."""

    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.allows(scope):
            raise Forbidden(f"This API key lacks the {scope!r} scope.")
        return principal

    return Depends(check)


Reader = Annotated[Principal, require("read")]
Writer = Annotated[Principal, require("write")]
Admin = Annotated[Principal, require("admin")]
Operator = Annotated[Principal, require("operator")]
