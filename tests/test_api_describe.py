"""The describe-image endpoint, driven by its reference's curl, Python and Node.js examples."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.live import WITH_API_ROLE, LiveServer

pytestmark = WITH_API_ROLE

ENDPOINT = "/api/openapi-v2/describe-image"


def _curl(server: LiveServer, image_form: str, key: str | None = None) -> tuple[int, Any]:
    out = subprocess.run(
        [
            "curl",
            "-sS",
            "--location",
            f"{server.base_url}{ENDPOINT}",
            "--header",
            f"Authorization: Bearer {key or server.key}",
            "--form",
            image_form,
            "--form",
            'prompt="Briefly describe the content of the image"',
            "--form",
            'lang="en"',
            "-w",
            "\n%{http_code}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    body, _, status = out.stdout.rpartition("\n")
    return int(status), json.loads(body)


def _ok(body: dict[str, Any]) -> str:
    assert body["code"] == 200 and body["succeed"] is True and body["msg"] == "Success", body
    content: str = body["data"]["content"]
    return content


def test_curl_with_url_file_and_base64(server: LiveServer, image_dir: Path, image_url: str) -> None:
    status, body = _curl(server, f'image="{image_url}/chelsea.jpg"')
    assert status == 200 and "cat" in _ok(body).lower()
    status, body = _curl(server, f'image=@"{image_dir / "chelsea.jpg"}"')
    assert status == 200 and "cat" in _ok(body).lower()
    encoded = base64.b64encode((image_dir / "page.png").read_bytes()).decode()
    status, body = _curl(server, f'image="data:image/png;base64,{encoded}"')
    assert status == 200 and "INVOICE 2041" in _ok(body)
    status, body = _curl(server, f'image="{encoded}"')
    assert status == 200 and "INVOICE 2041" in _ok(body)


def test_python_example_sends_every_field_as_a_file(
    server: LiveServer, image_dir: Path, tmp_path: Path
) -> None:
    # The reference's Python example, with only the key, the endpoint and the image filled in.
    encoded = base64.b64encode((image_dir / "chelsea.jpg").read_bytes()).decode()
    script = tmp_path / "example.py"
    script.write_text(
        textwrap.dedent(f"""
        import asyncio
        import json
        import requests
        import base64

        async def call_describe_image_api():
            api_key = {server.key!r}  # Replace with your actual API key

            form_data = {{
                'image': {encoded!r},
                'prompt': 'Briefly describe the content of the image',
                'lang': 'en'
            }}

            api_endpoint = {server.base_url + ENDPOINT!r}
            try:
                headers = {{
                    'Authorization': f'Bearer {{api_key}}',
                }}

                response = requests.post(api_endpoint, files=form_data, headers=headers)
                response.raise_for_status()

                data = response.json()
                return {{'content': data.get('data', {{}}).get('content'), 'error': None}}

            except requests.exceptions.RequestException as e:
                print(f'Error describing image: {{e}}')
                return {{'content': None, 'error': str(e)}}

        print(json.dumps(asyncio.run(call_describe_image_api())))
        """)
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["error"] is None
    assert "cat" in result["content"].lower()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_node_example(server: LiveServer, image_url: str, tmp_path: Path) -> None:
    script = tmp_path / "example.mjs"
    script.write_text(
        textwrap.dedent(f"""
        async function callDescribeImageApi() {{
          const apiKey = {json.dumps(server.key)};

          const formData = new FormData();
          formData.append('image', {json.dumps(image_url + "/chelsea.jpg")});
          formData.append('prompt', 'Briefly describe the content of the image');
          formData.append('lang', 'en');

          const apiEndpoint = {json.dumps(server.base_url + ENDPOINT)};
          try {{
            const response = await fetch(apiEndpoint, {{
              method: 'POST',
              headers: {{
                'Authorization': `Bearer ${{apiKey}}`,
              }},
              body: formData,
            }});

            if (!response.ok) {{
              const errorData = await response.json();
              throw new Error(
                `HTTP error ${{response.status}}: ${{errorData.msg || 'Unknown error'}}`);
            }}

            const data = await response.json();
            return {{ content: data.data.content, error: null }};

          }} catch (error) {{
            console.error('Error describing image:', error);
            return {{ content: null, error: error.message }};
          }}
        }}
        console.log(JSON.stringify(await callDescribeImageApi()));
        """)
    )
    out = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, check=True, timeout=120
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["error"] is None and "cat" in result["content"].lower()


def test_errors_use_the_endpoints_codes(server: LiveServer, image_dir: Path) -> None:
    status, body = _curl(server, f'image=@"{image_dir / "chelsea.jpg"}"', key="il_wrong")
    assert (status, body["code"], body["msg"]) == (401, 30001, "INVALID_API_KEY")
    assert body["succeed"] is False and body["data"] is None
    with server.client() as client:
        files = {"image": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        for data in ({"lang": "en"}, {"prompt": "describe", "lang": "klingon"}):
            response = client.post(ENDPOINT, files=files, data=data)
            assert response.status_code == 400
            assert response.json()["code"] == 10004
        response = client.post(ENDPOINT, data={"prompt": "describe"})
        assert response.json()["code"] == 10004
        bad = {"image": ("x.txt", b"no image here")}
        response = client.post(ENDPOINT, files=bad, data={"prompt": "describe"})
        assert response.json()["code"] == 10004
        response = client.post(ENDPOINT, files=files, data={"prompt": "Beschreibe", "lang": "de"})
        assert "Katze" in response.json()["data"]["content"]


def test_describe_runs_as_a_job_that_leaves_nothing_behind(
    server: LiveServer, image_dir: Path
) -> None:
    """The upload waits in the store only until a worker answers; the job is the call's own."""
    files = {"image": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
    with server.client() as client:
        before = client.get("/api/v2/files").json()["items"]
        response = client.post(ENDPOINT, files=files, data={"prompt": "describe"})
        assert response.json()["succeed"] is True
        assert client.get("/api/v2/files").json()["items"] == before  # nothing stored
    uploads = server.settings.data_dir / "objects" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
