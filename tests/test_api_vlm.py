"""The API with a VLM back-end: backend choice, custom extraction schemas and their limits,
prompt and lang on both APIs. The VLM answers come from an injected transport (recorded valid
answers); the real server with a random model is in test_vlm_integration.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from imagelens.config import VlmSettings
from imagelens.engine import Engine
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.engine.vlm.client import ChatClient
from tests.live import LiveServer, make_settings, run_server

API = "/api/v2"


class ScriptedVlm:
    """Answers like a capable model would: the category's fields, or a custom schema's."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if "response_format" not in body:  # describe-image: free markdown
            content = "**A cat** lying on a blanket."
        else:
            props = body["response_format"]["json_schema"]["schema"]["properties"]
            extracted_schema = props["extracted"]
            if "$ref" in extracted_schema or "properties" not in extracted_schema:
                extracted: dict[str, Any] = {}
            else:
                extracted = {"animal": "cat", "legs": 4}
            content = json.dumps(
                {
                    "description": "A tabby cat resting.",
                    "tags": ["cat", "tabby"],
                    "extracted": extracted,
                }
            )
        return httpx.Response(200, json={"choices": [{"message": {"content": content}}]})


@pytest.fixture(scope="module")
def vlm_server(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveServer, ScriptedVlm]]:
    scripted = ScriptedVlm()
    config = VlmSettings(base_url="http://vlm.test/v1", model="scripted")
    vlm = VlmBackend(config, ChatClient(config, transport=httpx.MockTransport(scripted)))
    settings = make_settings(tmp_path_factory.mktemp("vlm"), database_url, vlm=config)
    with run_server(settings, engine, vlm=vlm) as live:
        yield live, scripted


def test_hybrid_is_the_default_with_a_vlm(
    vlm_server: tuple[LiveServer, ScriptedVlm], image_dir: Path
) -> None:
    server, scripted = vlm_server
    with server.client() as client:
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        body = client.post(
            f"{API}/images/analyze", files=files, data={"lang": "fr", "prompt": "Is it asleep?"}
        ).json()
        assert body["status"] == "completed" and body["backend"] == "hybrid"
        assert body["description"] == "A tabby cat resting."
        assert body["moderation"] is not None and body["colors"] is not None
        system, user = scripted.requests[-1]["messages"]
        assert "French" in system["content"] and "Is it asleep?" in user["content"][0]["text"]
        local = client.post(f"{API}/images/analyze", files=files, data={"backend": "local"})
        assert local.json()["backend"] == "local"
        assert local.json()["description"] != "A tabby cat resting."


def test_custom_schema_end_to_end(
    vlm_server: tuple[LiveServer, ScriptedVlm], image_dir: Path
) -> None:
    server, _ = vlm_server
    schema = {
        "type": "object",
        "properties": {"animal": {"type": "string"}, "legs": {"type": "integer"}},
        "required": ["animal"],
    }
    with server.client() as client:
        created = client.post(
            f"{API}/custom-extraction-schemas",
            json={"name": "pets", "schema": schema, "prompt_hint": "Name the animal."},
        )
        assert created.status_code == 201, created.text
        schema_id = created.json()["id"]
        assert created.json()["schema"] == schema
        listed = client.get(f"{API}/custom-extraction-schemas").json()["items"]
        assert schema_id in {s["id"] for s in listed}
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        body = client.post(
            f"{API}/images/analyze", files=files, data={"custom_schema_id": schema_id}
        ).json()
        assert body["extracted"] == {"animal": "cat", "legs": 4}
        upload = client.post(
            f"{API}/files/upload",
            files=files,
            data={"custom_schema_id": schema_id, "backend": "vlm"},
        )
        assert upload.status_code == 201 and upload.json()["description_status"] == "completed"
        refused = client.post(
            f"{API}/images/analyze",
            files=files,
            data={"custom_schema_id": schema_id, "backend": "local"},
        )
        assert refused.status_code == 400
        missing = client.post(
            f"{API}/images/analyze", files=files, data={"custom_schema_id": "nope"}
        )
        assert missing.status_code == 404
        assert client.delete(f"{API}/custom-extraction-schemas/{schema_id}").status_code == 204
        assert client.get(f"{API}/custom-extraction-schemas/{schema_id}").status_code == 404


def _deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "object", "properties": {"x": node}}
    return node


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"type": "array", "items": {"type": "string"}}, "root"),
        (_deep(4), "deeper than 3"),
        (
            {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(51)}},
            "51 properties",
        ),
        (
            {
                "type": "object",
                "properties": {
                    f"o{i}": {
                        "type": "object",
                        "properties": {f"p{j}": {"type": "string"} for j in range(20)},
                    }
                    for i in range(10)
                },
            },
            "nodes",
        ),
        (
            {"type": "object", "properties": {"a": {"type": "string", "description": "x" * 33000}}},
            "bytes",
        ),
        ({"type": "object", "properties": {"a": {"type": "date"}}}, "type 'date'"),
        ({"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}}, "oneOf"),
        ({"type": "object", "properties": {"a": {"$ref": "#/x"}}}, "$ref"),
        (
            {"type": "object", "properties": {"a": {"type": "string", "minLength": "x"}}},
            "valid JSON Schema",
        ),
    ],
)
def test_custom_schema_limits_are_400s(
    vlm_server: tuple[LiveServer, ScriptedVlm], schema: dict[str, Any], words: str
) -> None:
    server, _ = vlm_server
    with server.client() as client:
        response = client.post(
            f"{API}/custom-extraction-schemas", json={"name": "x", "schema": schema}
        )
        assert response.status_code == 400, response.text
        assert words in response.json()["error"]["message"]


def test_describe_image_returns_the_models_markdown(
    vlm_server: tuple[LiveServer, ScriptedVlm], image_dir: Path
) -> None:
    server, scripted = vlm_server
    with server.client() as client:
        response = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())},
            data={"prompt": "Describe the fur", "lang": "ja"},
        )
        assert response.json()["data"]["content"] == "**A cat** lying on a blanket."
        system, user = scripted.requests[-1]["messages"]
        assert "Japanese" in system["content"] and user["content"][0]["text"] == "Describe the fur"


def test_backend_needs_a_vlm(server: LiveServer, image_dir: Path) -> None:
    with server.client() as client:
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        response = client.post(f"{API}/images/analyze", files=files, data={"backend": "hybrid"})
        assert response.status_code == 400
        assert "IMAGELENS_VLM__BASE_URL" in response.json()["error"]["message"]
