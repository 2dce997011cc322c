"""Objects as files under one directory, written atomically."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from imagelens.errors import NotFound

_KEY = re.compile(r"[a-z]+/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z]+)?")


class LocalStore:
    """Each key is a relative path under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):  # keys are made by imagelens.storage.base, never by users
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path.exists():  # content-addressed: the same key always holds the same bytes
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: a crash leaves a stray temp file, never half
        # an object under its real name.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"The stored object {key} is missing.") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
