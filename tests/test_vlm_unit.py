"""The VLM back-end with an injected transport: schemas, repair, merge, errors, retries,
custom schemas. Recorded valid answers stand in for a capable model here; the real server
(with a random model) is in test_vlm_integration.py."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from PIL import Image

from imagelens.config import VlmSettings
from imagelens.engine import AnalysisOptions, Engine
from imagelens.engine.analyst import Analyst
from imagelens.engine.kinds.categories import CATEGORY_FIELDS
from imagelens.engine.vlm.backend import VlmBackend
from imagelens.engine.vlm.client import ChatClient
from imagelens.engine.vlm.schemas import field_type
from imagelens.errors import (
    VlmError,
    VlmRateLimited,
    VlmRequestRejected,
    VlmResourceLimit,
    VlmTimeout,
)
from imagelens.intake import decode_image
from imagelens.types import Backend, ContentCategory, Language
from tests.imagegen import encode, photo, text_page
from tests.videos import encode_clip

Handler = Callable[[httpx.Request], httpx.Response]


def chat(content: str, prompt_tokens: int = 100) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 20},
        },
    )


class Recorder:
    """A transport handler that answers from a list and keeps the requests."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def backend(handler: Handler, sleeps: list[float] | None = None, **settings: Any) -> VlmBackend:
    config = VlmSettings(base_url="http://vlm.test/v1", model="m", **settings)
    client = ChatClient(
        config,
        transport=httpx.MockTransport(handler),
        sleep=(sleeps.append if sleeps is not None else lambda _s: None),
    )
    return VlmBackend(config, client)


def sample_value(name: str) -> object:
    kind = field_type(name)
    if kind == int | None:
        return 2
    if kind == bool | None:
        return True
    if kind == dict[str, str] | None:
        return {"Total": "418.50 EUR"}
    if kind == list[dict[str, str]] | None:
        return [{"name": "Latte", "price": "4.50"}]
    if kind == str | None:
        return f"{name} value"
    return [f"{name} 1", f"{name} 2"]


def recorded_answer(category: ContentCategory) -> str:
    fields = {name: sample_value(name) for name in CATEGORY_FIELDS[category]}
    answer = {"description": "A picture.", "tags": ["One", "two", "one"], "extracted": fields}
    return "```json\n" + json.dumps(answer) + "\n```"


@pytest.fixture(scope="module")
def cat_image() -> Any:
    return decode_image(encode(photo("chelsea"), "JPEG"))


@pytest.mark.parametrize("category", [c for c in ContentCategory if c is not ContentCategory.AUTO])
def test_every_category_schema_round_trips(category: ContentCategory, cat_image: Any) -> None:
    recorder = Recorder(chat(recorded_answer(category)))
    answer = backend(recorder).analyze(cat_image, category=category, lang=Language.EN)
    assert answer.description == "A picture."
    assert answer.tags == ["one", "two"]
    assert answer.extracted is not None
    assert set(answer.extracted) == set(CATEGORY_FIELDS[category])
    assert all(answer.extracted[n] == sample_value(n) for n in CATEGORY_FIELDS[category])
    sent = recorder.requests[0]
    schema = sent["response_format"]["json_schema"]["schema"]
    assert set(schema["required"]) >= {"description"}
    assert "extracted" in schema["properties"]
    assert sent["model"] == "m" and sent["max_tokens"] == 800


def test_the_image_prompt_and_language_reach_the_model(cat_image: Any) -> None:
    recorder = Recorder(chat(recorded_answer(ContentCategory.GENERAL)))
    backend(recorder, max_image_side=200, detail="low").analyze(
        cat_image, category=ContentCategory.GENERAL, lang=Language.DE, prompt="Count the cats."
    )
    system, user = recorder.requests[0]["messages"]
    assert "German" in system["content"]
    text, image = user["content"]
    assert "Count the cats." in text["text"]
    assert image["image_url"]["detail"] == "low"
    url = image["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert max(sent.size) == 200 and sent.size[0] > sent.size[1]  # 451x300 scaled, upright


def test_invalid_output_is_repaired_once(cat_image: Any) -> None:
    recorder = Recorder(
        chat("Sure! Here it is: {not json"), chat(recorded_answer(ContentCategory.GENERAL))
    )
    answer = backend(recorder).analyze(
        cat_image, category=ContentCategory.GENERAL, lang=Language.EN
    )
    assert answer.calls == 2
    repair = recorder.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sure! Here it is: {not json"}
    assert "not valid" in repair[-1]["content"]


def test_invalid_twice_is_a_classified_error(cat_image: Any) -> None:
    recorder = Recorder(chat('{"tags": "not a list"}'))
    with pytest.raises(VlmError) as caught:
        backend(recorder).analyze(cat_image, category=ContentCategory.GENERAL, lang=Language.EN)
    assert caught.value.code == "vlm_error" and caught.value.retryable
    assert len(recorder.requests) == 2


@pytest.mark.parametrize(
    ("response", "kind", "code", "retryable"),
    [
        (
            httpx.Response(429, headers={"Retry-After": "3"}, text="slow down"),
            VlmRateLimited,
            "rate_limit",
            True,
        ),
        (httpx.Response(500, text="boom"), VlmError, "vlm_error", True),
        (httpx.Response(503, text="loading"), VlmError, "vlm_error", True),
        (httpx.Response(400, text="bad request"), VlmRequestRejected, "validation", False),
        (
            httpx.Response(402, text="insufficient credits"),
            VlmResourceLimit,
            "resource_limit",
            False,
        ),
        (httpx.Response(504, text="gateway timeout"), VlmTimeout, "timeout", True),
        (httpx.ReadTimeout("slow"), VlmTimeout, "timeout", True),
        (httpx.ConnectError("refused"), VlmError, "vlm_error", True),
    ],
)
def test_error_classification(
    response: httpx.Response | Exception,
    kind: type[VlmError],
    code: str,
    retryable: bool,
    cat_image: Any,
) -> None:
    with pytest.raises(kind) as caught:
        backend(Recorder(response), max_retries=0).analyze(
            cat_image, category=ContentCategory.GENERAL, lang=Language.EN
        )
    assert caught.value.code == code and caught.value.retryable is retryable
    if isinstance(caught.value, VlmRateLimited):
        assert caught.value.retry_after == 3


def test_retries_back_off_and_honour_retry_after(cat_image: Any) -> None:
    sleeps: list[float] = []
    recorder = Recorder(
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "2"}),
        chat(recorded_answer(ContentCategory.GENERAL)),
    )
    answer = backend(recorder, sleeps, max_retries=2).analyze(
        cat_image, category=ContentCategory.GENERAL, lang=Language.EN
    )
    assert answer.description and len(recorder.requests) == 3
    assert 0.375 <= sleeps[0] <= 0.5 and sleeps[1] == 2
    sleeps.clear()
    with pytest.raises(VlmError):
        backend(Recorder(httpx.Response(500)), sleeps, max_retries=3).analyze(
            cat_image, category=ContentCategory.GENERAL, lang=Language.EN
        )
    assert len(sleeps) == 3 and sleeps[0] < sleeps[1] < sleeps[2] <= 8
    bad = Recorder(httpx.Response(400))
    with pytest.raises(VlmRequestRejected):
        backend(bad, max_retries=3).analyze(
            cat_image, category=ContentCategory.GENERAL, lang=Language.EN
        )
    assert len(bad.requests) == 1  # a 4xx for our request is not retried


def test_hybrid_merge_rules(engine: Engine) -> None:
    page = decode_image(encode(text_page(("INVOICE 2041", "Date: 2026-03-01")).image))
    answer = {
        "description": "An invoice.",
        "tags": ["invoice"],
        "visible_text": "the model's paraphrase",
        "extracted": {"document_type": "invoice", "title": None},
    }
    analyst = Analyst(engine, backend(Recorder(chat(json.dumps(answer)))))
    result = analyst.analyze(
        page, AnalysisOptions(category=ContentCategory.DOCUMENT, backend=Backend.HYBRID)
    )
    assert result.backend == "hybrid"
    assert result.description == "An invoice." and result.tags == ["invoice"]
    assert result.visible_text and "INVOICE 2041" in result.visible_text  # local OCR wins
    assert result.text_regions and result.moderation is not None and result.colors
    assert result.extracted is not None
    assert result.extracted["document_type"] == "invoice"
    assert result.extracted["title"] == "INVOICE 2041"  # a null the local engine filled
    assert result.extracted["dates"] == ["2026-03-01"]
    assert result.confidence_score is None and "vlm" in result.timings_ms
    vlm_only = analyst.analyze(
        page, AnalysisOptions(category=ContentCategory.DOCUMENT, backend=Backend.VLM)
    )
    assert vlm_only.backend == "vlm" and vlm_only.visible_text == "the model's paraphrase"
    assert vlm_only.text_regions == [] and vlm_only.moderation is None


def test_fallback_to_local_says_so(engine: Engine, cat_image: Any) -> None:
    failing = backend(Recorder(httpx.Response(500)), max_retries=0, fallback_to_local=True)
    result = Analyst(engine, failing).analyze(cat_image, AnalysisOptions(backend=Backend.HYBRID))
    assert result.backend == "local" and "cat" in result.tags
    assert result.vlm_fallback is not None and result.vlm_fallback.startswith("vlm_error")


def test_custom_schema_answers_are_validated(cat_image: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"animal": {"type": "string"}, "legs": {"type": "integer"}},
        "required": ["animal", "legs"],
    }
    wrong = {"description": "A cat.", "tags": [], "extracted": {"animal": "cat", "legs": "four"}}
    right = {"description": "A cat.", "tags": [], "extracted": {"animal": "cat", "legs": 4}}
    recorder = Recorder(chat(json.dumps(wrong)), chat(json.dumps(right)))
    answer = backend(recorder).analyze(
        cat_image,
        category=ContentCategory.GENERAL,
        lang=Language.EN,
        custom_schema=schema,
        hint="Name the animal.",
    )
    assert answer.extracted == {"animal": "cat", "legs": 4}
    assert "legs" in recorder.requests[1]["messages"][-1]["content"]
    sent_schema = recorder.requests[0]["response_format"]["json_schema"]["schema"]
    assert sent_schema["properties"]["extracted"] == schema
    assert "Name the animal." in recorder.requests[0]["messages"][1]["content"][0]["text"]


def test_prompt_mode_sends_no_response_format(cat_image: Any) -> None:
    recorder = Recorder(chat(recorded_answer(ContentCategory.GENERAL)))
    backend(recorder, structured_output="prompt").analyze(
        cat_image, category=ContentCategory.GENERAL, lang=Language.EN
    )
    assert "response_format" not in recorder.requests[0]
    assert "JSON Schema" in recorder.requests[0]["messages"][0]["content"]


def test_a_video_goes_to_the_model_as_one_multi_image_request() -> None:
    scenes = [(photo(n), 1.0) for n in ("chelsea", "coffee", "rocket", "astronaut")]
    clip = decode_image(encode_clip(scenes))
    recorder = Recorder(chat(recorded_answer(ContentCategory.GENERAL)))
    backend(recorder, max_images_per_request=3).analyze(
        clip, category=ContentCategory.GENERAL, lang=Language.EN
    )
    _system, user = recorder.requests[0]["messages"]
    text, *images = user["content"]
    assert len(recorder.requests) == 1 and len(images) == 3  # of 4: first, last and between
    assert "key frames of one video" in text["text"] and "0:00, 0:02, 0:03" in text["text"]
    assert all(i["image_url"]["url"].startswith("data:image/jpeg;base64,") for i in images)
    single = Recorder(chat("# A clip"))
    backend(single, max_images_per_request=1).describe_markdown(clip, "What happens?", Language.EN)
    _system, user = single.requests[0]["messages"]
    assert [part["type"] for part in user["content"]] == ["text", "image_url"]
