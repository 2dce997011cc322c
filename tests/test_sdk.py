"""The SDK against the real server on a free port: uploads, folders, chunking, progress,
retries, typed errors, and the sync client doing what the async one does."""

from __future__ import annotations

import asyncio
import base64
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from starlette.types import ASGIApp

from imagelens import sdk
from imagelens.engine import Engine
from imagelens.types.api import AnalyzeCompleted, JobCompleted, JobProgress
from tests.live import Flaky, LiveServer, free_port, make_settings, run_server

MAX_BATCH = 8


@pytest.fixture(scope="module")
def live(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("sdk")
    settings = make_settings(data, f"sqlite:///{data / 'db.sqlite'}", max_batch=MAX_BATCH)
    with run_server(settings, engine) as server:
        yield server


@pytest.fixture(scope="module")
def photo_tree(image_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 distinct images in nested folders, plus hidden ones and a text file."""
    root = tmp_path_factory.mktemp("tree")
    base = Image.open(image_dir / "chelsea.jpg")
    for i in range(30):
        folder = root / f"set{i % 3}" / ("deep" if i % 2 else "")
        folder.mkdir(parents=True, exist_ok=True)
        base.rotate(i * 11, expand=True).resize((160, 120)).save(folder / f"cat{i}.jpg")
    (root / ".hidden.jpg").write_bytes((image_dir / "chelsea.jpg").read_bytes())
    (root / ".cache").mkdir()
    shutil.copy(image_dir / "coffee.png", root / ".cache" / "coffee.png")
    (root / "set0" / "notes.txt").write_text("not an image")
    return root


def _client(server: LiveServer, **kwargs: object) -> sdk.AsyncImageLens:
    return sdk.AsyncImageLens(server.key, base_url=server.base_url, **kwargs)  # type: ignore[arg-type]


def test_single_upload_and_reads(live: LiveServer, image_dir: Path) -> None:
    async def scenario() -> None:
        async with _client(live) as client:
            result = await client.files.upload(image_dir / "chelsea.jpg")
            assert isinstance(result, sdk.UploadResult)
            assert result.is_completed and not result.is_failed and not result.is_pending
            assert result.description_status is sdk.DescriptionStatus.COMPLETED
            assert result.tags is not None and "cat" in result.tags
            assert result.to_dict()["description_status"] == "completed"
            assert "description_error" not in result.to_dict()
            assert "description_error" in result.to_dict(exclude_none=False)
            assert result.image_id is not None  # None only for files no image was stored for
            same = await client.files.get(result.image_id)
            assert same.description == result.description
            answer = await client.images.analyze(image_dir / "page.png")
            assert isinstance(answer, AnalyzeCompleted)
            assert answer.visible_text and "INVOICE 2041" in answer.visible_text
            job = await client.images.analyze_async(
                url=None, base64=base64.b64encode((image_dir / "coffee.png").read_bytes()).decode()
            )
            done = await client.jobs.wait(job.job_id, timeout=60, poll_interval=0.2)
            assert isinstance(done, JobCompleted)
            quota = await client.quota.get()
            assert isinstance(quota, sdk.QuotaInfo) and quota.max_batch_size == MAX_BATCH
            markdown = await client.describe_image(image_dir / "chelsea.jpg", "Describe it")
            assert "cat" in markdown.lower()

    asyncio.run(scenario())


def test_folder_upload_is_chunked_and_reports_progress(live: LiveServer, photo_tree: Path) -> None:
    seen: list[JobProgress] = []

    async def scenario() -> sdk.BatchUploadResults:
        async with _client(live) as client:
            return await client.files.upload_batch(photo_tree, on_progress=seen.append)

    results = asyncio.run(scenario())
    assert isinstance(results, sdk.BatchUploadResults)
    assert len(results) == 30  # 30 cats; the hidden two and the .txt left out
    assert results.skipped_hidden == 2 and results.skipped_unsupported == 1
    assert not results.has_failures and results.succeeded_count == 30
    assert results.summary() == "30 succeeded, 0 failed"
    assert all(Path(r.filename).name.startswith("cat") for r in results)
    assert all(r.description for r in results)
    assert seen[-1] == JobProgress(total=30, completed=30, failed=0)
    assert [p.completed for p in seen] == sorted(p.completed for p in seen)


def test_mixed_sources_hidden_and_failures(
    live: LiveServer, photo_tree: Path, image_dir: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    completed: list[sdk.UploadResult] = []

    async def scenario() -> sdk.BatchUploadResults:
        async with _client(live) as client:
            return await client.files.upload_batch(
                [photo_tree / ".cache", image_dir / "astronaut.jpg", bad, tmp_path / "gone.jpg"],
                include_hidden=True,
                recursive=False,
                on_file_complete=completed.append,
            )

    results = asyncio.run(scenario())
    names = [r.filename for r in results]  # base names, as the server stores them
    assert sorted(names) == ["astronaut.jpg", "broken.jpg", "coffee.png", "gone.jpg"]
    assert {r.local_path for r in results} >= {str(bad), str(image_dir / "astronaut.jpg")}
    assert sorted(r.filename for r in completed) == sorted(names)  # once per file, final
    assert results.failed_count == 2 and results.succeeded_count == 2
    assert {r.filename for r in results.failed()} == {"broken.jpg", "gone.jpg"}
    assert all(r.image_id is None for r in results.failed())  # no image was stored
    done = results.succeeded()[0]
    described = sdk.DescriptionResult.from_upload(done)
    assert described.description == done.description and described.operation_id
    with pytest.raises(sdk.ImageLensAPIError, match="2 succeeded, 2 failed"):
        results.raise_on_failures()


def test_retries_429_and_503_then_gives_up(engine: Engine, tmp_path: Path, image_dir: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}")
    flaky: list[Flaky] = []

    def wrap(app: ASGIApp) -> Flaky:
        flaky.append(Flaky(app, "/api/v2/files/upload", [503, 429]))
        return flaky[0]

    with run_server(settings, engine, wrap=wrap) as server:
        with sdk.ImageLens(server.key, base_url=server.base_url, max_retries=2) as client:
            result = client.files.upload(image_dir / "chelsea.jpg")
            assert result.is_completed
            assert flaky[0].seen == 3  # 503, 429, then through
            flaky[0].statuses = [503, 503, 503]
            with pytest.raises(sdk.ServerError) as caught:
                client.files.upload(image_dir / "chelsea.jpg")  # 503 x3: out of retries
            assert caught.value.status_code == 503 and caught.value.code == "flaky"
        flaky[0].statuses = [429]
        with sdk.ImageLens(server.key, base_url=server.base_url, max_retries=0) as client:
            with pytest.raises(sdk.RateLimitError) as limited:
                client.files.upload(image_dir / "chelsea.jpg")
            assert limited.value.retry_after == 0


def test_errors_are_typed_by_status(live: LiveServer, image_dir: Path) -> None:
    async def scenario() -> None:
        async with sdk.AsyncImageLens("il_wrong", base_url=live.base_url) as bad:
            with pytest.raises(sdk.AuthenticationError):
                await bad.quota.get()
        async with _client(live) as client:
            with pytest.raises(sdk.NotFoundError):
                await client.files.get("no-such-image")
            with pytest.raises(sdk.ValidationError) as invalid:
                await client.files.upload(b"plain text", filename="x.jpg")
            assert invalid.value.status_code == 415
            with pytest.raises(ValueError):
                await client.images.analyze(image_dir / "chelsea.jpg", url="http://x/y.jpg")
            reader = await client.keys.create("reader", scopes=["read"])
        async with sdk.AsyncImageLens(reader.key, base_url=live.base_url) as read_only:
            with pytest.raises(sdk.PermissionError):
                await read_only.files.upload(image_dir / "chelsea.jpg")
        async with sdk.AsyncImageLens(
            "il_x", base_url=f"http://127.0.0.1:{free_port()}", max_retries=1
        ) as nowhere:
            with pytest.raises(sdk.ConnectionError):
                await nowhere.quota.get()
        async with _client(live, timeout=0.001, max_retries=0) as hasty:
            with pytest.raises(sdk.TimeoutError):
                await hasty.files.list()

    asyncio.run(scenario())


def test_quota_exceeded_is_typed(engine: Engine, tmp_path: Path, image_dir: Path) -> None:
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", quota={"monthly_analyses": 1}
    )
    with run_server(settings, engine) as server:
        with sdk.ImageLens(server.key, base_url=server.base_url) as client:
            client.files.upload(image_dir / "chelsea.jpg")
            with pytest.raises(sdk.QuotaExceededError) as caught:
                client.files.upload(image_dir / "coffee.png")
            assert caught.value.code == "quota_exceeded"
            assert client.quota.get().can_proceed is False


def test_sync_client_does_what_the_async_one_does(
    live: LiveServer, photo_tree: Path, image_dir: Path, image_url: str
) -> None:
    progress: list[JobProgress] = []
    with sdk.ImageLens(live.key, base_url=live.base_url) as client:
        result = client.files.upload(image_dir / "coffee.png", content_category="product_photo")
        assert result.is_completed and result.tags
        results = client.files.upload_batch(photo_tree / "set1", on_progress=progress.append)
        assert len(results) == 10 and results.succeeded_count == 10
        assert progress[-1].completed == 10
        pending = client.files.upload_batch(
            [image_dir / "astronaut.jpg"], wait=False, skip_duplicates=False
        )
        assert pending.pending_count == 1
        page = client.files.list(limit=5)
        assert len(page.items) == 5 and page.has_more
        assert result.image_id is not None
        text = client.files.text(result.image_id)
        assert text.image_id == result.image_id
        assert "cat" in client.describe_image(f"{image_url}/chelsea.jpg", "What is it?").lower()
        client.files.delete(result.image_id)
        with pytest.raises(sdk.NotFoundError):
            client.files.get(result.image_id)


def test_env_fallback_and_missing_key(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGELENS_API_KEY", live.key)
    monkeypatch.setenv("IMAGELENS_BASE_URL", live.base_url)
    with sdk.ImageLens() as client:
        assert client.quota.get().can_proceed
    monkeypatch.delenv("IMAGELENS_API_KEY")
    with pytest.raises(sdk.ImageLensAPIError, match="IMAGELENS_API_KEY"):
        sdk.ImageLens()


@pytest.mark.parametrize(
    ("message", "kind", "retryable"),
    [
        ("Provider timed out after 30s", sdk.DescriptionErrorType.TIMEOUT, True),
        ("429 Too Many Requests", sdk.DescriptionErrorType.RATE_LIMIT, True),
        ("VLM provider unavailable", sdk.DescriptionErrorType.VLM_ERROR, True),
        ("The PNG file is corrupt or truncated", sdk.DescriptionErrorType.VALIDATION_ERROR, False),
        (
            "The monthly quota of 5 analyses is used up",
            sdk.DescriptionErrorType.RESOURCE_LIMIT,
            False,
        ),
        ("something odd", sdk.DescriptionErrorType.UNKNOWN, False),
    ],
)
def test_classify_error(message: str, kind: sdk.DescriptionErrorType, retryable: bool) -> None:
    assert sdk.DescriptionFailure.classify_error(message) == (kind, retryable)
    failure = sdk.DescriptionFailure.from_error_message("id", message, filename="a.jpg")
    assert failure.error_type is kind and failure.is_retryable is retryable


def test_text_regions_read_like_the_reference_sdks_dicts(live: LiveServer) -> None:
    from tests.imagegen import encode, text_page

    with sdk.ImageLens(live.key, base_url=live.base_url) as client:
        result = client.files.upload(encode(text_page().image), filename="page.png")
    regions = result.text_regions or []
    assert regions and regions[0]["text"] == regions[0].text == "Invoice number 48213"
    assert regions[0]["bbox"]["x"] == regions[0].bbox.x and regions[0]["block"] == 0
    with pytest.raises(KeyError):
        regions[0]["nope"]
