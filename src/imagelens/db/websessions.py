"""The web page's sessions: stored by token hash, resolved together with their key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from imagelens.db.tables import ApiKey, WebSession, utcnow


def add_session(
    *, session: Session, token_hash: str, key_id: str, csrf_token: str, expires_at: datetime
) -> None:
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))  # tidy as we go
    session.add(
        WebSession(
            id=token_hash,
            key_id=key_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )


def find_session(*, session: Session, token_hash: str) -> tuple[WebSession, ApiKey] | None:
    """The live session and its key (a revoked key takes its sessions with it)."""
    row = session.execute(
        select(WebSession, ApiKey)
        .join(ApiKey, ApiKey.id == WebSession.key_id)
        .where(WebSession.id == token_hash, WebSession.expires_at > utcnow())
    ).first()
    return None if row is None else (row[0], row[1])


def remove_session(*, session: Session, token_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == token_hash))


def remove_key_sessions(*, session: Session, key_id: str) -> None:
    session.execute(delete(WebSession).where(WebSession.key_id == key_id))
