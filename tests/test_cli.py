from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.imagegen import encode, photo, text_page


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
