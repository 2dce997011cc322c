"""The request-signature format, shared by the server (service.signing) and the SDK.

A signed request carries three headers:

    X-Imagelens-Key-Id:    the key's id
    X-Imagelens-Timestamp: Unix seconds when it was signed
    X-Imagelens-Signature: hex HMAC-SHA256, keyed with the key's secret, over
        "IL-HMAC-SHA256\\n{timestamp}\\n{METHOD}\\n{path}\\n{query}\\n{sha256 hex of the body}"

``path`` and ``query`` are as sent on the wire (percent-encoded; query without the ``?``,
empty when there is none). A secret reads ``ils_<key id>_<random>``, so it names its key.
Written by hand: HMAC request signing is a few lines over ``hmac``, and the libraries that
do it (AWS SigV4 and kin) sign other formats.
"""

from __future__ import annotations

import hashlib
import hmac

SCHEME = "IL-HMAC-SHA256"
SECRET_PREFIX = "ils_"
KEY_ID_HEADER = "X-Imagelens-Key-Id"
TIMESTAMP_HEADER = "X-Imagelens-Timestamp"
SIGNATURE_HEADER = "X-Imagelens-Signature"
_KEY_ID_LENGTH = 36  # a UUID


def canonical(timestamp: str, method: str, path: str, query: str, body: bytes) -> bytes:
    """What gets signed."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join([SCHEME, timestamp, method.upper(), path, query, digest]).encode()


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def key_id_of(secret: str) -> str:
    """The key a secret belongs to; ValueError when it is not a signing secret."""
    key_id = secret[len(SECRET_PREFIX) : len(SECRET_PREFIX) + _KEY_ID_LENGTH]
    if not secret.startswith(SECRET_PREFIX) or len(key_id) != _KEY_ID_LENGTH:
        raise ValueError("A signing secret starts with 'ils_' and the key's id.")
    return key_id


def signed_headers(
    secret: str, timestamp: int, method: str, raw_target: str, body: bytes
) -> dict[str, str]:
    """The three headers for a request to ``raw_target`` (path and query as sent)."""
    path, _, query = raw_target.partition("?")
    return {
        KEY_ID_HEADER: key_id_of(secret),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, canonical(str(timestamp), method, path, query, body)),
    }
