from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagelens.engine import Engine
from tests.imagegen import encode, photo, text_page
from tests.live import LiveServer, make_settings, run_server

IMAGELENS = [sys.executable, "-m", "imagelens.cli"]


@pytest.fixture(scope="module")
def live_cli_server(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("cli-server")
    with run_server(make_settings(data, f"sqlite:///{data / 'db.sqlite'}"), engine) as live:
        yield live


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "imagelens.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    (root / "nested" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "cat.jpg").write_bytes(encode(photo("chelsea"), "JPEG"))
    (root / "nested" / "coffee.png").write_bytes(encode(photo("coffee")))
    (root / "nested" / "deeper" / "page.webp").write_bytes(encode(text_page().image, "WEBP"))
    (root / ".hidden" / "rocket.png").write_bytes(encode(photo("rocket")))
    (root / ".dotfile.png").write_bytes(encode(photo("rocket")))
    (root / "notes.txt").write_text("not an image")
    return root


def test_directory_recursive_jsonl(tree: Path) -> None:
    proc = run_cli("analyze", str(tree), "--recursive", "--category", "auto")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    by_name = {Path(r["file"]).name: r for r in records}
    assert set(by_name) == {"cat.jpg", "coffee.png", "page.webp"}
    cat = by_name["cat.jpg"]
    assert cat["status"] == "completed" and cat["backend"] == "local"
    assert {
        "description",
        "tags",
        "visible_text",
        "text_regions",
        "metadata",
        "category",
        "extracted",
        "moderation",
        "colors",
    } <= set(cat)
    assert by_name["page.webp"]["category"] == "document"
    assert "Invoice number 48213" in by_name["page.webp"]["visible_text"]
    assert "1 unsupported" in proc.stderr and "2 hidden" in proc.stderr
    assert "3/3" in proc.stderr  # the progress bar reached the end


def test_without_recursive_only_top_level(tree: Path) -> None:
    proc = run_cli("analyze", str(tree))
    names = [Path(json.loads(line)["file"]).name for line in proc.stdout.splitlines()]
    assert names == ["cat.jpg"]


def test_failures_are_records_and_exit_1(tree: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(encode(photo("chelsea"), "JPEG")[:500])
    fake = tmp_path / "fake.jpg"
    fake.write_text("hello")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    proc = run_cli(
        "analyze",
        str(bad),
        str(fake),
        str(empty),
        str(tree / "cat.jpg"),
        str(tmp_path / "missing.png"),
        "--lang",
        "de",
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    records = {Path(r["file"]).name: r for r in map(json.loads, proc.stdout.splitlines())}
    assert records["broken.jpg"]["error"]["type"] == "invalid_image"
    assert records["fake.jpg"]["error"]["type"] == "unsupported_media_type"
    assert records["empty.png"]["error"]["type"] == "invalid_image"
    assert records["missing.png"]["error"]["type"] == "not_found"
    assert records["cat.jpg"]["status"] == "completed"
    assert "Katze" in records["cat.jpg"]["description"]


def test_csv_and_json_formats(tree: Path) -> None:
    proc = run_cli("analyze", str(tree / "cat.jpg"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows[0]["status"] == "completed" and "cat" in rows[0]["tags"]
    proc = run_cli("analyze", str(tree / "cat.jpg"), "--format", "json")
    assert json.loads(proc.stdout)[0]["metadata"]["format"] == "JPEG"


def test_remote_cli_goes_through_the_server(
    live_cli_server: LiveServer, image_dir: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "photos"
    (tree / "nested").mkdir(parents=True)
    shutil.copy(image_dir / "chelsea.jpg", tree / "nested" / "cat.jpg")
    shutil.copy(image_dir / "page.png", tree / "page.png")
    (tree / "notes.txt").write_text("not an image")
    env = os.environ | {"IMAGELENS_API_KEY": live_cli_server.key}
    server = ["--server", live_cli_server.base_url]
    out = subprocess.run(
        [*IMAGELENS, "analyze", str(tree), "-r", "--format", "json", *server],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    records = {Path(r["file"]).name: r for r in json.loads(out.stdout)}
    assert set(records) == {"cat.jpg", "page.png"}
    assert "cat" in records["cat.jpg"]["tags"]
    assert "INVOICE 2041" in records["page.png"]["visible_text"]
    assert "skipped 1 unsupported" in out.stderr

    listed = subprocess.run(
        [*IMAGELENS, "files", "list", "--limit", "1", *server],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    page = json.loads(listed.stdout)
    assert len(page["items"]) == 1 and page["next_cursor"]

    created = subprocess.run(
        [*IMAGELENS, "keys", "create", "robot", "--scope", "read", "--tenant", "lab", *server],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    key = json.loads(created.stdout)
    assert key["key"].startswith("il_") and key["tenant"] == "lab"

    missing = subprocess.run(
        [*IMAGELENS, "jobs", "get", "nope", *server],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert missing.returncode == 1 and "not_found" in missing.stderr
    assert "Traceback" not in missing.stderr
