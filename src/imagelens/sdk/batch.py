"""``files.upload_batch``: many files or folders, chunked to the server's batch limit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from imagelens.discovery import discover
from imagelens.sdk._core import Core
from imagelens.sdk.errors import ImageLensAPIError
from imagelens.sdk.resources import API, Files, ImageSource, ProgressCallback, Quota
from imagelens.sdk.types import BatchUploadResults, UploadResult
from imagelens.types.api import BatchAccepted, JobProgress

MAX_FILES = 10_000
MAX_CHUNK = 1_000


@dataclass
class _Tracker:
    """Sums the progress of every chunk's session into one report for the caller."""

    total: int
    on_progress: ProgressCallback | None
    local_failures: int = 0
    sessions: dict[str, JobProgress] = field(default_factory=dict)

    def update(self, session_id: str, progress: JobProgress) -> None:
        self.sessions[session_id] = progress
        if self.on_progress is not None:
            self.on_progress(
                JobProgress(
                    total=self.total,
                    completed=sum(p.completed for p in self.sessions.values()),
                    failed=self.local_failures + sum(p.failed for p in self.sessions.values()),
                )
            )


async def upload_batch(
    core: Core,
    files_api: Files,
    quota_api: Quota,
    sources: ImageSource | Sequence[ImageSource],
    *,
    fields: dict[str, str],
    recursive: bool,
    include_hidden: bool,
    wait: bool,
    concurrency: int,
    chunk_size: int | None,
    on_progress: ProgressCallback | None,
    timeout: float | None,
    on_file_complete: Callable[[UploadResult], None] | None = None,
) -> BatchUploadResults:
    items = [sources] if isinstance(sources, str | Path | bytes) else list(sources)
    blobs = [(f"file-{i}", s) for i, s in enumerate(items) if isinstance(s, bytes)]
    found = discover(
        [Path(s) for s in items if not isinstance(s, bytes)],
        recursive=recursive,
        include_hidden=include_hidden,
    )
    entries: list[tuple[str, Path | bytes]] = [(str(p), p) for p in found.files]
    entries += [(name, data) for name, data in blobs]
    if len(entries) + len(found.missing) > MAX_FILES:
        raise ValueError(f"{len(entries)} files in one call; upload_batch takes {MAX_FILES}.")
    results = BatchUploadResults(
        _named(UploadResult.failed_locally(str(p), FileNotFoundError(f"No such file: {p}")), str(p))
        for p in found.missing
    )
    results.skipped_unsupported = found.skipped_unsupported
    results.skipped_hidden = found.skipped_hidden

    def settled(batch: list[UploadResult]) -> None:
        if on_file_complete is not None:
            for result in batch:
                on_file_complete(result)

    settled(results)
    if not entries:
        return results
    limit = (await quota_api.get(requested=len(entries))).max_batch_size or 200
    size = max(1, min(limit, MAX_CHUNK, chunk_size or MAX_CHUNK))
    chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
    tracker = _Tracker(total=len(entries), on_progress=on_progress)
    gate = asyncio.Semaphore(concurrency)

    async def one(chunk: list[tuple[str, Path | bytes]]) -> list[UploadResult]:
        async with gate:
            done = await _send_chunk(core, files_api, chunk, fields, wait, tracker, timeout)
        settled(done)  # each file once, as soon as its chunk's results are final
        return done

    for chunk_results in await asyncio.gather(*(one(c) for c in chunks)):
        results.extend(chunk_results)
    return results


async def _send_chunk(
    core: Core,
    files_api: Files,
    chunk: list[tuple[str, Path | bytes]],
    fields: dict[str, str],
    wait: bool,
    tracker: _Tracker,
    timeout: float | None,
) -> list[UploadResult]:
    parts: list[tuple[str, tuple[str, bytes]]] = []
    unreadable: dict[int, UploadResult] = {}
    for index, (name, source) in enumerate(chunk):
        try:
            data = source if isinstance(source, bytes) else source.read_bytes()
        except OSError as exc:
            unreadable[index] = UploadResult.failed_locally(name, exc)
            continue
        parts.append(("files", (Path(name).name, data)))
    tracker.local_failures += len(unreadable)
    sent = [i for i in range(len(chunk)) if i not in unreadable]
    try:
        response = await core.request("POST", f"{API}/files/upload/batch", data=fields, files=parts)
        accepted = BatchAccepted.model_validate_json(response.content)
        answered = [UploadResult.from_wire(r) for r in accepted.results]
        if wait:
            session = await files_api.wait_for_session(
                accepted.session_id,
                on_progress=lambda p: tracker.update(accepted.session_id, p),
                timeout=timeout,
            )
            final = {r.image_id: UploadResult.from_wire(r) for r in session.results}
            answered = [final.get(r.image_id, r) if r.image_id else r for r in answered]
    except ImageLensAPIError as exc:  # the whole chunk failed; the other chunks go on
        tracker.local_failures += len(sent)
        answered = [UploadResult.failed_locally(chunk[i][0], exc) for i in sent]
    # Results in the order of the chunk, each with the path it was read from.
    by_index = dict(zip(sent, answered, strict=True))
    by_index.update(unreadable)
    return [_named(by_index[i], chunk[i][0]) for i in range(len(chunk))]


def _named(result: UploadResult, name: str) -> UploadResult:
    """The server's base name as ``filename`` (as single uploads have it); the path the
    file was read from as ``local_path``."""
    return replace(result, filename=Path(name).name, local_path=name)
