"""The request-signature format, shared by the server (service.signing) and the SDK.

A signed request carries four headers:

    X-Imagelens-Key-Id:    the key's id
    X-Imagelens-Timestamp: Unix seconds when it was signed (ASCII digits only)
    X-Imagelens-Nonce:     16-64 random characters of [A-Za-z0-9_-], new for every request
    X-Imagelens-Signature: hex HMAC-SHA256, keyed with the key's secret, over the lines
        IL-HMAC-SHA256, {timestamp}, {nonce}, {METHOD}, {path}, {query} and
        {sha256 hex of the body}, joined with "\\n" (no newline at the end)

``path`` and ``query`` are as sent on the wire (percent-encoded; query without the ``?``,
empty when there is none). The server accepts a (key, nonce) pair once, so two identical
requests in the same second are two requests, and a captured one cannot be sent again. A
secret reads ``ils_<key id>_<random>``, so it names its key. Written by hand: HMAC request
signing is a few lines over ``hmac``, and the libraries that do it (AWS SigV4 and kin) sign
other formats.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

SCHEME = "IL-HMAC-SHA256"
SECRET_PREFIX = "ils_"
KEY_ID_HEADER = "X-Imagelens-Key-Id"
TIMESTAMP_HEADER = "X-Imagelens-Timestamp"
NONCE_HEADER = "X-Imagelens-Nonce"
SIGNATURE_HEADER = "X-Imagelens-Signature"
_KEY_ID_LENGTH = 36  # a UUID

# What the server accepts; anything else is refused before a key is looked up. A timestamp
# is plain digits (``float()`` would take "nan", "inf", "1e9" or " 17_000 "), at most 12.
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,12}")
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
SIGNATURE_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
KEY_ID_PATTERN = re.compile(r"[0-9a-fA-F-]{36}")


def canonical(timestamp: str, nonce: str, method: str, path: str, query: str, body: bytes) -> bytes:
    """What gets signed."""
    digest = hashlib.sha256(body).hexdigest()
    return canonical_for_digest(timestamp, nonce, method, path, query, digest)


def canonical_for_digest(
    timestamp: str, nonce: str, method: str, path: str, query: str, body_sha256: str
) -> bytes:
    """:func:`canonical` from the body's sha256 (hex), for a body hashed as it streamed in."""
    return "\n".join([SCHEME, timestamp, nonce, method.upper(), path, query, body_sha256]).encode()


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def new_nonce() -> str:
    """A fresh random nonce (22 URL-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def key_id_of(secret: str) -> str:
    """The key a secret belongs to; ValueError when it is not a signing secret."""
    key_id = secret[len(SECRET_PREFIX) : len(SECRET_PREFIX) + _KEY_ID_LENGTH]
    if not secret.startswith(SECRET_PREFIX) or len(key_id) != _KEY_ID_LENGTH:
        raise ValueError("A signing secret starts with 'ils_' and the key's id.")
    return key_id


def signed_headers(
    secret: str,
    timestamp: int,
    method: str,
    raw_target: str,
    body: bytes,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers for a request to ``raw_target`` (path and query as sent); a new
    random nonce unless one is given."""
    path, _, query = raw_target.partition("?")
    nonce = new_nonce() if nonce is None else nonce
    message = canonical(str(timestamp), nonce, method, path, query, body)
    return {
        KEY_ID_HEADER: key_id_of(secret),
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(secret, message),
    }
