"""Signing a browser in: an API key traded for a session token and a CSRF token (blocking).

The token goes to the browser in an HttpOnly cookie and only its sha256 is stored, so the
database holds nothing that signs anyone in. A session ends at its expiry, at sign-out, or
when its key is revoked or expires.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from imagelens.db import Database
from imagelens.db.keys import find_key
from imagelens.db.tables import utcnow
from imagelens.db.websessions import add_session, find_session, remove_session
from imagelens.errors import Unauthorized
from imagelens.service.auth import Principal, principal_of


@dataclass(frozen=True, slots=True)
class WebIdentity:
    """Who a session cookie signs in, and the CSRF token its page must send back."""

    principal: Principal
    key_name: str
    csrf_token: str


@dataclass(frozen=True, slots=True)
class WebSignIn:
    token: str  # the cookie's value: shown to nobody else
    identity: WebIdentity


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(db: Database, key: str, ttl: timedelta) -> WebSignIn:
    """A new session for ``key``; Unauthorized when the key is unknown, revoked or expired."""
    with db.session() as session:
        row = find_key(session=session, key=key.strip()) if key.strip() else None
        if row is None or principal_of(row).expired:
            raise Unauthorized("That API key is unknown, revoked or expired.")
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        expires_at = utcnow() + ttl
        if row.expires_at is not None:
            expires_at = min(expires_at, row.expires_at)
        add_session(
            session=session,
            token_hash=_hash(token),
            key_id=row.id,
            csrf_token=csrf,
            expires_at=expires_at,
        )
        return WebSignIn(token, WebIdentity(principal_of(row), row.name, csrf))


def resolve(db: Database, token: str) -> WebIdentity | None:
    """The identity behind a session cookie, or None when it is unknown or over."""
    with db.session() as session:
        found = find_session(session=session, token_hash=_hash(token))
        if found is None:
            return None
        web, key = found
        return WebIdentity(principal_of(key), key.name, web.csrf_token)


def sign_out(db: Database, token: str) -> None:
    with db.session() as session:
        remove_session(session=session, token_hash=_hash(token))
