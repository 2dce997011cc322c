"""Big uploads never sit whole in memory (spooled to disk, decoded from the file), and what
an upload's filename may carry into the library (issue 24 items 7 and 9)."""

from __future__ import annotations

import base64
import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagelens.api.inputs import base64_chunks, decode_base64
from imagelens.config import LimitSettings
from imagelens.engine import Engine
from imagelens.errors import ImageTooLarge, InvalidInput
from imagelens.intake import Decoder
from imagelens.intake.body import Body
from tests.imagegen import encode, photo
from tests.live import LiveServer, make_settings, run_server
from tests.videos import encode_clip

API = "/api/v2"
MB = 1024 * 1024


@pytest.fixture(scope="module")
def small_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Files over 3 MB refused (images, documents and videos alike)."""
    settings = make_settings(
        tmp_path_factory.mktemp("uploads"),
        database_url,
        limits={"max_bytes": 3 * MB, "max_document_bytes": 3 * MB, "max_video_bytes": 3 * MB},
    )
    with run_server(settings, engine) as live:
        yield live


def _padded_clip(megabytes: int) -> bytes:
    """A real MP4 followed by ``megabytes`` of padding (FFmpeg reads the clip and stops)."""
    clip = encode_clip([(photo("chelsea"), 1.0), (photo("astronaut"), 1.0)])
    return clip + b"\0" * (megabytes * MB)


def _peak_python_bytes(work: object) -> int:
    assert callable(work)
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_spooled_video_is_decoded_from_its_file(tmp_path: Path) -> None:
    data = _padded_clip(40)
    body = Body.spool(io.BytesIO(data), tmp_path, max_bytes=len(data))
    assert body.size == len(data) and not body.in_memory
    decoder = Decoder(LimitSettings())
    del data
    probe_peak = _peak_python_bytes(lambda: decoder.probe(body))
    decode_peak = _peak_python_bytes(lambda: decoder.decode(body))
    # Bytes in memory stayed far below the file's 40 MB: FFmpeg read it from disk.
    assert probe_peak < 8 * MB, probe_peak
    assert decode_peak < 16 * MB, decode_peak
    body.close()
    assert not body.path or not body.path.exists()


def test_spooling_stops_at_the_limit_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(ImageTooLarge):
        Body.spool(io.BytesIO(b"x" * (3 * MB)), tmp_path, max_bytes=2 * MB)
    assert list(tmp_path.iterdir()) == []


def test_uploads_leave_no_spooled_file_behind(small_server: LiveServer) -> None:
    spool = small_server.settings.data_dir / "spool"
    with small_server.client() as client:
        ok = client.post(
            f"{API}/files/upload",
            files={"file": ("cat.jpg", encode(photo("chelsea"), "JPEG"))},
            data={"timeout": "30"},
        )
        assert ok.status_code == 201, ok.text
        assert ok.json()["description_status"] == "completed"
        big = client.post(f"{API}/files/upload", files={"file": ("v.mp4", _padded_clip(4))})
        assert big.status_code == 413, big.text
        assert big.json()["error"]["code"] == "image_too_large"
        batch = client.post(
            f"{API}/files/upload/batch",
            files=[
                ("files", ("a.png", encode(photo("coffee").resize((96, 64)), "PNG"))),
                ("files", ("b.mp4", _padded_clip(1))),
            ],
        )
        assert batch.status_code == 202, batch.text
        statuses = [r["status"] for r in batch.json()["results"]]
        assert len(statuses) == 2 and "failed" not in statuses, batch.text
        # A NUL in the second file's name (sent raw: httpx would escape it) is refused after
        # the first file was read: nothing of either stays behind.
        parts = [("ok.png", (90, 64)), ("a\x00b.png", (92, 64))]
        body = b"".join(
            b'--sep\r\nContent-Disposition: form-data; name="files"; filename="'
            + name.encode()
            + b'"\r\nContent-Type: image/png\r\n\r\n'
            + encode(photo("coffee").resize(size), "PNG")
            + b"\r\n"
            for name, size in parts
        )
        refused = client.post(
            f"{API}/files/upload/batch",
            content=body + b"--sep--\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=sep"},
        )
        assert refused.status_code == 400, refused.text
        assert "NUL" in refused.json()["error"]["message"]
    assert sorted(spool.iterdir()) == []


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../../../tmp/pwn.png", "pwn.png"),
        ("C:\\Windows\\evil.png", "evil.png"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),
        ("a\u200fb\u2066.png", "ab.png"),
        ("..", "file"),
    ],
)
def test_upload_filenames_keep_only_a_plain_base_name(
    small_server: LiveServer, sent: str, stored: str
) -> None:
    data = encode(photo("chelsea").resize((80 + len(sent), 60)), "PNG")
    with small_server.client() as client:
        response = client.post(
            f"{API}/images/analyze/async", files={"file": (sent, data, "image/png")}
        )
        assert response.status_code == 202, response.text
        image_id = response.json()["image_id"]
        assert client.get(f"{API}/files/{image_id}").json()["filename"] == stored


@pytest.mark.parametrize("chunk", [5, 7, 64, 1 << 20])
def test_base64_is_decoded_piece_by_piece_like_whole(chunk: int) -> None:
    data = encode(photo("coffee").resize((40, 30)), "PNG")
    text = base64.b64encode(data).decode()
    forms = [
        text,
        "  " + "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n",
        "data:image/png;base64," + base64.urlsafe_b64encode(data).decode().rstrip("="),
    ]
    for form in forms:
        pieces = b"".join(base64_chunks(io.BytesIO(form.encode()), chunk))
        assert pieces == decode_base64(form) == data
    with pytest.raises(InvalidInput):
        b"".join(base64_chunks(io.BytesIO(b"not base64 at all!"), chunk))
