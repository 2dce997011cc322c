"""POST /api/openapi-v2/describe-image: prompt + lang in, markdown out, numeric error codes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from imagelens.api.deps import ServicesDep, Writer
from imagelens.api.inputs import DescribeImageForm, decode_base64, looks_like_url
from imagelens.errors import InvalidInput, UnsupportedMediaType
from imagelens.intake import sniff_format
from imagelens.service.describe import answer
from imagelens.service.waiting import wait_for_job
from imagelens.types import DescribeOptions, Language

router = APIRouter(prefix="/api/openapi-v2", tags=["describe-image"])


async def _text(value: UploadFile | str | None) -> str | None:
    # Clients such as `requests.post(files={...})` send every field as a file part.
    if isinstance(value, UploadFile):
        return (await value.read()).decode("utf-8", errors="replace")
    return value


async def _image_bytes(value: UploadFile | str | None, services: ServicesDep) -> bytes:
    if value is None:
        raise InvalidInput("The `image` field is required: a file, an http(s) URL or base64.")
    if isinstance(value, UploadFile):
        data = await value.read()
        if not data:
            raise InvalidInput(f"The `image` file {value.filename or ''!r} is empty (0 bytes).")
        try:
            sniff_format(data)
            return data  # a real file part
        except (InvalidInput, UnsupportedMediaType):
            value = data.decode("utf-8", errors="replace")  # a URL or base64 sent as a part
    value = value.strip()
    if not value:
        raise InvalidInput("The `image` field is empty: send a file, an http(s) URL or base64.")
    if looks_like_url(value):  # any scheme, any case: the fetcher takes http(s) only
        return await services.fetcher.fetch(value)
    return decode_base64(value)


@router.post("/describe-image", operation_id="describe-image")
async def describe_image(request: Request, principal: Writer, services: ServicesDep) -> Any:
    """Describe one image in `lang`, answering `prompt` as far as the back-end can."""
    async with request.form() as form:
        prompt = (await _text(form.get("prompt")) or "").strip()
        if not prompt:
            raise InvalidInput("The `prompt` field is required.")
        lang_text = (await _text(form.get("lang")) or "en").strip().lower()
        try:
            fields = DescribeImageForm(prompt=prompt, lang=Language(lang_text))
        except ValueError:
            raise InvalidInput(
                f"lang={lang_text!r} is not one of {', '.join(x.value for x in Language)}; "
                "prompt: 1-4000 characters."
            ) from None
        prompt, lang = fields.prompt, fields.lang
        data = await _image_bytes(form.get("image"), services)
    options = DescribeOptions(prompt=prompt, lang=lang)
    job_id = await run_in_threadpool(services.describer.submit, principal.tenant_id, data, options)
    timeout = services.settings.jobs.describe_timeout
    job, _ = await wait_for_job(services.library, services.events, job_id, timeout)
    content = answer(job, timeout)
    return {"code": 200, "data": {"content": content}, "succeed": True, "msg": "Success"}
