"""Objects as files under one directory, written atomically."""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from imagelens.errors import InsufficientStorage, NotFound, StorageUnavailable
from imagelens.storage.base import CHUNK, ObjectReader, bounded

# Content-addressed keys, or an upload kept for one job (``uploads/<job uuid>``).
_KEY = re.compile(r"[a-z]+/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z]+)?|uploads/[0-9a-f-]{36}")


class LocalStore:
    """Each key is a relative path under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key):  # keys are made by imagelens.storage.base, never by users
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def object_key(self, key: str) -> str:
        return key

    def check(self) -> None:
        with _disk_errors("objects"):
            self.root.mkdir(parents=True, exist_ok=True)

    def put(self, key: str, data: bytes) -> None:
        self._write(key, lambda handle: handle.write(data))

    def put_file(self, key: str, path: Path) -> None:
        # A file on the same disk (a spooled upload, a direct upload's parts) is linked in
        # rather than copied: the caller's file is ours and only ever removed afterwards.
        if self._link(key, path):
            return

        def copy(handle: BinaryIO) -> None:
            with path.open("rb") as source:
                shutil.copyfileobj(source, handle, 1024 * 1024)

        self._write(key, copy)

    def _link(self, key: str, path: Path) -> bool:
        target = self._path(key)
        with _disk_errors(key):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
            try:
                os.link(path, tmp)
            except OSError:  # another file system, or links not allowed: copied instead
                return False
            try:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)  # as durable as a copied object before it gets its name
                finally:
                    os.close(fd)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        return True

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> None:
        path = self._path(key)
        # Always written, also when the object exists (content-addressed, so the bytes are
        # the same): skipping the write made a known upload answer in half the time, which
        # told one tenant what another had stored.
        with _disk_errors(key):
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: a crash leaves a stray temp file, never
            # half an object under its real name.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    fill(handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def get(self, key: str, *, max_bytes: int) -> bytes:
        return self.open(key, max_bytes=max_bytes).read()

    def open(self, key: str, *, max_bytes: int) -> ObjectReader:
        try:
            handle = self._path(key).open("rb")
        except FileNotFoundError:
            raise NotFound(f"The stored object {key} is missing.") from None
        size = os.fstat(handle.fileno()).st_size

        def too_big() -> Exception:
            return StorageUnavailable(
                f"The stored object {key} is {size} bytes, over the {max_bytes} expected.",
                retryable=False,
            )

        if size > max_bytes:
            handle.close()
            raise too_big()
        # Bounded as it is read too: the file may grow after the size was taken.
        chunks = bounded(iter(lambda: handle.read(CHUNK), b""), max_bytes, too_big)
        return ObjectReader(size, chunks, handle.close)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


@contextmanager
def _disk_errors(key: str) -> Iterator[None]:
    """A full disk or quota becomes InsufficientStorage (507, retryable)."""
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise InsufficientStorage(
                f"The object store is out of space (writing {key.split('/')[0]}); "
                "retry once space is freed."
            ) from exc
        raise
