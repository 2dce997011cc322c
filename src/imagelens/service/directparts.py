"""A direct upload's row, its local part URLs (signed, expiring) and its bytes gathered at
completion: the client's part list checked, S3's parts joined and read back, or the parts
this server kept checked against what arrived. The upload's life (create, complete, abort,
sweep) is in service/direct.py."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imagelens.db.tables import DirectUpload
from imagelens.errors import InvalidInput
from imagelens.intake.body import Body
from imagelens.signature import sign
from imagelens.storage.base import DirectStore, ObjectStore
from imagelens.storage.localparts import LocalParts


@dataclass(frozen=True)
class UploadRow:
    """A ``direct_uploads`` row, read out of its session."""

    id: str
    tenant_id: str
    filename: str
    size: int
    sha256: str | None
    options: dict[str, Any]
    storage_target: str | None
    method: str
    via: str
    part_size: int
    part_count: int
    store_key: str
    multipart_id: str | None

    @classmethod
    def of(cls, row: DirectUpload) -> UploadRow:
        return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls)})


def gather(
    row: UploadRow,
    parts: list[tuple[int, str]] | None,
    store: ObjectStore,
    local: LocalParts,
    *,
    spool: Path,
    limit: int,
) -> Body:
    """The upload's bytes as a Body (spooled; removed when closed), the parts checked."""
    wanted = _check_list(row, parts)
    if row.via == "s3":
        assert isinstance(store, DirectStore)
        if row.multipart_id is not None:
            assert wanted is not None
            store.complete_multipart(row.store_key, row.multipart_id, wanted)
        stored = store.size(row.store_key)
        if stored != row.size:  # refused before a byte is read back
            raise InvalidInput(
                f"The upload has {stored} bytes; {row.size} were announced.",
                details={"size_bytes": stored, "announced": row.size},
            )
        reader = store.open(row.store_key, max_bytes=row.size)
        try:
            return Body.spool_chunks(reader.chunks, spool, limit)
        finally:
            reader.close()
    arrived = local.parts(row.id)
    missing = [n for n in range(1, row.part_count + 1) if n not in arrived]
    if missing:
        raise InvalidInput(
            f"Part(s) {', '.join(map(str, missing[:10]))} never arrived; send them first.",
            details={"missing_parts": missing[:100]},
        )
    for number, etag in wanted or []:
        if arrived[number][0] != etag.strip('"').lower():
            raise InvalidInput(f"Part {number}'s ETag does not match what arrived.")
    total = sum(size for _, size in arrived.values())
    short = [n for n, (_, size) in arrived.items() if size != _part_bytes(row, n)]
    if total != row.size or short:
        raise InvalidInput(
            f"The upload has {total} bytes; {row.size} were announced.",
            details={"size_bytes": total, "announced": row.size},
        )
    # Hashed as the parts arrived (the rest now); the store links it in or copies it.
    return Body.of_file(local.data(row.id), sha256=local.sha256(row.id))


def _check_list(
    row: UploadRow, parts: list[tuple[int, str]] | None
) -> list[tuple[int, str]] | None:
    """The client's part list for a multipart upload: every part, in order."""
    if row.method != "multipart":
        return None
    if not parts:
        raise InvalidInput("A multipart upload is completed with `parts`: [{part_number, etag}].")
    numbers = [n for n, _ in parts]
    if numbers != list(range(1, row.part_count + 1)):
        raise InvalidInput(
            f"Send all {row.part_count} parts, numbered 1 to {row.part_count}, in order.",
            details={"part_count": row.part_count},
        )
    return parts


def _part_bytes(row: UploadRow, part_number: int) -> int:
    """How long part ``part_number`` must be: ``part_size``, the last one the rest."""
    return min(row.part_size, row.size - (part_number - 1) * row.part_size)


def part_message(upload_id: str, part_number: int, expires: str) -> bytes:
    """What a local part URL's signature signs."""
    return f"direct-upload\n{upload_id}\n{part_number}\n{expires}".encode()


def part_path(upload_id: str, part_number: int, expires_at: datetime, token: str) -> str:
    """The signed path of a local part URL (the route makes it absolute)."""
    expires = str(int(expires_at.astimezone(UTC).timestamp()))
    signature = sign(token, part_message(upload_id, part_number, expires))
    return (
        f"/api/v2/files/uploads/{upload_id}/parts/{part_number}"
        f"?expires={expires}&signature={signature}"
    )
