"""The ``ocr_languages`` hint over real HTTP: checked by every endpoint that takes it, and
carried through the job (and, in the api-role deployment, Celery) down to the OCR."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.live import WITH_API_ROLE, LiveServer
from tests.scripts import LINES, cer, png, render

pytestmark = WITH_API_ROLE

API = "/api/v2"
_NOTO = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"


def _analyze(client: httpx.Client, image: bytes, **data: str) -> dict[str, Any]:
    response = client.post(
        f"{API}/images/analyze", files={"file": ("line.png", image, "image/png")}, data=data
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "completed", body
    return body


def _refused(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["retryable"] is False
    message = str(error["message"])
    # The message names the bad code and the codes that are allowed.
    assert "xx" in message and "allowed" in message
    assert all(code in message for code in ("en", "ru", "ar", "ko", "ja"))
    return message


@pytest.mark.parametrize("value", ["xx", "ru,xx"])
def test_unknown_code_is_refused_with_the_allowed_ones(server: LiveServer, value: str) -> None:
    image = png(render([("Hello", _NOTO)]))
    with server.client() as client:
        form = {"file": ("line.png", image, "image/png")}
        for path in ("/images/analyze", "/images/analyze/async", "/files/upload"):
            _refused(client.post(f"{API}{path}", files=form, data={"ocr_languages": value}))
        _refused(
            client.post(
                f"{API}/images/analyze",
                json={"base64": "aGVsbG8=", "ocr_languages": value.split(",")},
            )
        )
        # describe-image answers in the shape of the API it mirrors: a code, no message.
        response = client.post(
            "/api/openapi-v2/describe-image",
            files={"image": ("line.png", image, "image/png")},
            data={"prompt": "What does it say?", "ocr_languages": value},
        )
        assert response.status_code == 400
        assert response.json()["code"] == 10004
        assert client.get("/healthz").status_code == 200


def test_russian_line_read_with_and_without_the_hint(server: LiveServer) -> None:
    text, font = LINES["ru"]
    image = png(render([(text, font)]))
    with server.client() as client:
        detected = _analyze(client, image)["visible_text"] or ""
        hinted = _analyze(client, image, ocr_languages="ru")["visible_text"] or ""
    for got in (detected, hinted):
        assert "Привет" in got and "Итого" in got, got
        assert cer(got, text) <= 0.10, got


def test_hint_reaches_the_ocr(server: LiveServer) -> None:
    # Cyrillic capitals that look Latin: detection leaves PP-OCR's sure "KOMETA"; told the
    # text is Russian, the OCR reads it in Cyrillic. Only a hint that travelled the whole
    # way (form -> job options -> queue -> engine) can make that difference.
    image = png(render([("КОМЕТА ТАКСИ", _NOTO)]))
    with server.client() as client:
        hinted = _analyze(client, image, ocr_languages="ru,en")["visible_text"] or ""
        response = client.post(
            f"{API}/files/upload",
            files={"file": ("sign.png", image, "image/png")},
            data={"ocr_languages": "ru"},
        )
    assert "КОМЕТА" in hinted, hinted
    assert response.status_code == 201, response.text
    assert "КОМЕТА" in (response.json()["visible_text"] or "")
