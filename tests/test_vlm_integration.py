"""Against a real OpenAI-compatible server: `transformers serve` with a tiny random LLaVA.
Its answers are gibberish, so these tests show that images really reach the model and that
bad output, timeouts and a restarted server end in classified errors, never a crash or hang."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from imagelens.config import VlmSettings
from imagelens.engine import Engine
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.engine.vlm.client import ChatClient
from imagelens.engine.vlm.prompts import image_part
from imagelens.errors import VlmError, VlmTimeout
from imagelens.intake import decode_image
from imagelens.types import ContentCategory, Language
from tests.live import LiveServer, free_port, make_settings, run_server
from tests.tinyvlm import serve

API = "/api/v2"


def settings_for(url: str, **overrides: object) -> VlmSettings:
    values: dict[str, object] = {"base_url": url, "max_tokens": 24, "max_retries": 0}
    values.update(overrides)
    return VlmSettings.model_validate(values)


def test_images_reach_the_model(tiny_vlm: str, image_dir: Path) -> None:
    settings = settings_for(tiny_vlm)
    client = ChatClient(settings)
    image = decode_image((image_dir / "chelsea.jpg").read_bytes())
    text = {"type": "text", "text": "Describe the image."}
    without = client.complete([{"role": "user", "content": [text]}])
    with_image = client.complete(
        [{"role": "user", "content": [text, image_part(image.image, settings)]}]
    )
    client.close()
    assert without.prompt_tokens and with_image.prompt_tokens
    # 32x32 px in 8 px patches: 16 image tokens plus one, in place of one <image> token.
    assert with_image.prompt_tokens - without.prompt_tokens == 16
    assert with_image.completion_tokens == 24


def test_gibberish_is_repaired_then_classified(tiny_vlm: str, image_dir: Path) -> None:
    backend = VlmBackend(settings_for(tiny_vlm))
    image = decode_image((image_dir / "chelsea.jpg").read_bytes())
    started = time.monotonic()
    with pytest.raises(VlmError) as caught:
        backend.analyze(image, category=ContentCategory.DOCUMENT, lang=Language.EN)
    backend.close()
    assert caught.value.code == "vlm_error" and caught.value.retryable
    assert caught.value.details["calls"] == 2  # the answer and one repair
    assert time.monotonic() - started < 60
    free = VlmBackend(settings_for(tiny_vlm))
    assert free.describe_markdown(image, "Describe", Language.EN).strip()  # whatever it says
    free.close()


@pytest.fixture(scope="module")
def api_with_tiny_vlm(
    tiny_vlm: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("api-vlm")
    settings = make_settings(
        data, f"sqlite:///{data / 'db.sqlite'}", vlm=settings_for(tiny_vlm).model_dump()
    )
    with run_server(settings, engine) as live:
        yield live


def test_the_api_reports_the_failure_and_keeps_serving(
    api_with_tiny_vlm: LiveServer, image_dir: Path
) -> None:
    with api_with_tiny_vlm.client() as client:
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        body = client.post(f"{API}/images/analyze", files=files).json()
        assert body["status"] == "failed"
        assert body["error"]["type"] == "vlm_error" and body["error"]["retryable"] is True
        upload = client.post(f"{API}/files/upload", files=files).json()
        assert upload["description_status"] == "failed"
        assert upload["description_error_type"] == "vlm_error"
        assert upload["description_is_retryable"] is True
        local = client.post(f"{API}/images/analyze", files=files, data={"backend": "local"})
        assert local.json()["status"] == "completed"
        described = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": files["file"]},
            data={"prompt": "Describe the image", "lang": "en"},
        ).json()
        assert described["code"] == 200 and described["data"]["content"]


def test_fallback_to_local(tiny_vlm: str, engine: Engine, tmp_path: Path, image_dir: Path) -> None:
    vlm = settings_for(tiny_vlm, fallback_to_local=True).model_dump()
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite'}", vlm=vlm)
    with run_server(settings, engine) as live, live.client() as client:
        files = {"file": ("c.jpg", (image_dir / "chelsea.jpg").read_bytes())}
        body = client.post(f"{API}/images/analyze", files=files).json()
        assert body["status"] == "completed" and body["backend"] == "local"
        assert "cat" in body["tags"]
        assert body["vlm_fallback"].startswith("vlm_error")


def test_timeouts_are_classified(tiny_vlm: str, image_dir: Path) -> None:
    backend = VlmBackend(settings_for(tiny_vlm, timeout=0.05, max_tokens=1500))
    image = decode_image((image_dir / "chelsea.jpg").read_bytes())
    started = time.monotonic()
    with pytest.raises(VlmTimeout) as caught:
        backend.analyze(image, category=ContentCategory.GENERAL, lang=Language.EN)
    backend.close()
    assert caught.value.code == "timeout" and caught.value.retryable
    assert time.monotonic() - started < 5


def test_a_restarted_server_is_handled(
    tiny_vlm_model: Path, tmp_path: Path, image_dir: Path
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    backend = VlmBackend(settings_for(url, max_retries=1))
    image = decode_image((image_dir / "chelsea.jpg").read_bytes())
    with serve(tiny_vlm_model, port, tmp_path / "cache"):
        assert backend.describe_markdown(image, "Describe", Language.EN)
    with pytest.raises(VlmError) as caught:  # the server is gone
        backend.describe_markdown(image, "Describe", Language.EN)
    assert caught.value.code == "vlm_error" and caught.value.retryable
    assert "Could not reach" in caught.value.message
    with serve(tiny_vlm_model, port, tmp_path / "cache"):  # back again: the same client works
        assert backend.describe_markdown(image, "Describe", Language.EN)
    backend.close()
