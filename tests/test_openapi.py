"""The OpenAPI document against the real server: a bounded schemathesis run, every check."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from imagelens.engine import Engine
from tests.live import LiveServer, make_settings, run_server

CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.fixture(scope="module")
def fuzzed_server(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """SQLite, private URLs refused (generated URLs must not reach this machine)."""
    db = tmp_path_factory.mktemp("fuzz-db") / "imagelens.db"
    settings = make_settings(
        tmp_path_factory.mktemp("fuzz"),
        f"sqlite:///{db}",
        allow_private_urls=False,
        faces={"recognition": True},  # the people and faces operations answer, not 501
    )
    with run_server(settings, engine) as live:
        yield live


def test_the_document_declares_bodies_errors_and_auth(fuzzed_server: LiveServer) -> None:
    schema = httpx.get(f"{fuzzed_server.base_url}/openapi.json").json()
    analyze = schema["paths"]["/api/v2/images/analyze"]["post"]
    assert set(analyze["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert {"400", "401", "402", "403", "413", "415", "429", "503", "507"} <= set(
        analyze["responses"]
    )
    assert "422" not in str(schema)
    describe = schema["paths"]["/api/openapi-v2/describe-image"]["post"]
    assert describe["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DescribeImageError"
    }
    metrics = schema["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(metrics) == ["text/plain"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    with fuzzed_server.client() as client:
        response = client.put("/api/v2/files/x")
        assert response.status_code == 405
        assert response.headers["Allow"] == "DELETE, GET, HEAD"


def test_schemathesis_finds_no_server_error_and_no_nonconformance(
    fuzzed_server: LiveServer, tmp_path: Path
) -> None:
    with fuzzed_server.client() as client:
        operator = client.post(
            "/api/v2/api-keys", json={"name": "fuzzer", "scopes": ["operator"]}
        ).json()["key"]
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "--config-file",
            str(CONFIG),
            "run",
            f"{fuzzed_server.base_url}/openapi.json",
            "--checks",
            "all",
            "--mode",
            "all",
            "--max-examples",
            "15",
            "--seed",
            "20261121",
            "--workers",
            "2",
            "--header",
            f"Authorization: Bearer {operator}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,  # its example database and reports stay out of the work tree
    )
    (tmp_path / "schemathesis.out").write_text(done.stdout)  # the whole report, kept
    summary = _errors_and_failures(done.stdout) + done.stdout[-2000:]
    assert done.returncode == 0, summary
    generated = re.search(r"(\d+) generated", done.stdout)
    assert generated is not None and int(generated.group(1)) >= 500, summary
    print(f"schemathesis: {generated.group(1)} cases, 0 failures")


def _errors_and_failures(report: str) -> str:
    """The report's ERRORS and FAILURES sections, each cut to a few kilobytes: the cause of a
    failed run, which the summary at the end of the report does not name."""
    parts = re.split(r"^=+ (ERRORS|FAILURES|WARNINGS|SUMMARY) =+$", report, flags=re.M)
    return "".join(
        f"== {title} ==\n{body[:3000]}\n"
        for title, body in zip(parts[1::2], parts[2::2], strict=True)
        if title in {"ERRORS", "FAILURES"}
    )
