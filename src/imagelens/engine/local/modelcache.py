"""Models made on this machine from the packaged ones (exported, quantised), kept in one folder.

A file is made once per machine (``imagelens prepare``, or the first process that needs it)
under a lock, so processes starting together make it once; it is written to a temporary name
beside its place and moved there in one step, so no process reads half a file. The folder is
``IMAGELENS_ENGINE__MODEL_CACHE``, else ``$XDG_CACHE_HOME/imagelens``, else
``~/.cache/imagelens``. File names carry the versions of what they were made from.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# A temporary file older than this belongs to a process that died while making it.
_STALE_SECONDS = 900.0
_TEMPORARY = ".making-"


def folder(cache_dir: Path | None) -> Path | None:
    """``cache_dir``, else the default cache folder; None where there is no home folder."""
    if cache_dir is not None:
        return cache_dir
    if base := os.environ.get("XDG_CACHE_HOME"):
        return Path(base) / "imagelens"
    try:
        return Path.home() / ".cache" / "imagelens"
    except RuntimeError:  # no HOME and no passwd entry
        return None


def cached(cache_dir: Path | None, name: str) -> Path | None:
    """The file ``name`` if it has been made, else None."""
    where = folder(cache_dir)
    path = where / name if where is not None else None
    return path if path is not None and path.is_file() else None


def ensure(
    cache_dir: Path | None, name: str, make: Callable[[Path], None], *, fresh: bool = False
) -> Path:
    """The file ``name``, made first by ``make(path)`` when it is missing or ``fresh`` is asked
    (the cached one was unreadable). Raises OSError where the cache cannot be written."""
    where = folder(cache_dir)
    if where is None:
        raise OSError("there is no home folder: set IMAGELENS_ENGINE__MODEL_CACHE")
    path = where / name
    if not fresh and path.is_file():
        return path
    where.mkdir(parents=True, exist_ok=True)
    with open(where / f".{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _remove_dead(where)
            if fresh or not path.is_file():  # another process may have made it meanwhile
                _make_into(path, make)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _make_into(path: Path, make: Callable[[Path], None]) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=_TEMPORARY, suffix=path.suffix)
    os.close(fd)
    try:
        make(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp's 0600: a cache made by root at image build
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _remove_dead(where: Path) -> None:
    for stale in where.glob(f"{_TEMPORARY}*"):
        try:
            if time.time() - stale.stat().st_mtime > _STALE_SECONDS:
                stale.unlink()
        except FileNotFoundError:
            pass
