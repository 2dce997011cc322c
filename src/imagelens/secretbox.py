"""Secrets kept at rest (a tenant's bucket credentials), encrypted with the server's key.

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key derived with HKDF from
``IMAGELENS_SECRET_KEY``, so any string of enough entropy works as the setting. Changing the
setting makes stored secrets unreadable: their owners configure them again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from imagelens.errors import StorageUnavailable

_INFO = b"imagelens secretbox v1"


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
            secret_key.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise StorageUnavailable(
                "A stored secret cannot be decrypted: IMAGELENS_SECRET_KEY changed since it "
                "was saved. Configure the custom bucket again."
            ) from None
