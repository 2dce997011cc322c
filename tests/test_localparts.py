"""The parts of a local direct upload and the sha256 taken as they arrive: whatever order the
parts come in, and however often one is sent again, the hash is the file's."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import pytest

from imagelens.errors import InvalidInput
from imagelens.storage.localparts import LocalParts

PART = 64 * 1024


def _send(parts: LocalParts, upload_id: str, number: int, data: bytes) -> str:
    writer = parts.open_part(upload_id, number, (number - 1) * PART, PART)
    try:
        writer.write_all([data[:1000], data[1000:]])
        return writer.commit()
    finally:
        writer.close()
        writer.settle()


def _chunks(data: bytes) -> list[bytes]:
    return [data[i : i + PART] for i in range(0, len(data), PART)]


@pytest.mark.parametrize("order", [[1, 2, 3, 4], [3, 1, 4, 2], [4, 3, 2, 1]])
def test_the_running_hash_is_the_files_in_any_order(tmp_path: Path, order: list[int]) -> None:
    data = os.urandom(3 * PART + 123)
    parts, upload = LocalParts(tmp_path), str(uuid.uuid4())
    chunks = _chunks(data)
    for n in order:
        _send(parts, upload, n, chunks[n - 1])
    assert parts.sha256(upload) == hashlib.sha256(data).hexdigest()
    assert parts.data(upload).read_bytes() == data


def test_a_part_sent_again_after_it_was_hashed_is_hashed_again(tmp_path: Path) -> None:
    data = os.urandom(2 * PART)
    parts, upload = LocalParts(tmp_path), str(uuid.uuid4())
    first, second = _chunks(data)
    _send(parts, upload, 1, first)
    _send(parts, upload, 2, second)  # both hashed by now
    other = os.urandom(PART)
    etag = _send(parts, upload, 1, other)  # a new try, new bytes
    assert parts.parts(upload)[1][0] == etag
    assert parts.sha256(upload) == hashlib.sha256(other + second).hexdigest()


def test_another_process_hashes_the_whole_file(tmp_path: Path) -> None:
    data = os.urandom(2 * PART)
    sender, upload = LocalParts(tmp_path), str(uuid.uuid4())
    for n, chunk in enumerate(_chunks(data), 1):
        _send(sender, upload, n, chunk)
    assert LocalParts(tmp_path).sha256(upload) == hashlib.sha256(data).hexdigest()


def test_a_part_still_being_sent_is_refused_at_completion(tmp_path: Path) -> None:
    parts, upload = LocalParts(tmp_path), str(uuid.uuid4())
    _send(parts, upload, 1, os.urandom(PART))
    writer = parts.open_part(upload, 1, 0, PART)  # a second try, its bytes still coming
    writer.write(os.urandom(100))
    try:
        with pytest.raises(InvalidInput, match="was still being sent"):
            parts.sha256(upload)
    finally:
        writer.close()


def test_an_etag_is_new_for_each_try(tmp_path: Path) -> None:
    parts, upload = LocalParts(tmp_path), str(uuid.uuid4())
    data = os.urandom(PART)
    assert _send(parts, upload, 1, data) != _send(parts, upload, 1, data)
    parts.discard(upload)
    assert not (tmp_path / upload).exists()


def test_a_late_settle_and_uploads_gone_elsewhere_leave_nothing_behind(tmp_path: Path) -> None:
    parts, first, second = LocalParts(tmp_path), str(uuid.uuid4()), str(uuid.uuid4())
    writer = parts.open_part(first, 1, 0, PART)
    writer.write_all([os.urandom(PART)])
    writer.commit()
    writer.close()
    parts.discard(first)  # completed before the part's settle ran
    writer.settle()  # finds nothing to hash: no error, no entry brought back
    assert not (tmp_path / first).exists()
    _send(parts, second, 1, os.urandom(PART))
    other = LocalParts(tmp_path)  # another process completes `second`
    other.discard(second)
    third = str(uuid.uuid4())
    _send(parts, third, 1, os.urandom(PART))
    assert set(parts._digests) == {third}  # `second`'s running hash was dropped
