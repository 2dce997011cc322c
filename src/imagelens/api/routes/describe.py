"""POST /api/openapi-v2/describe-image: prompt + lang in, markdown out, numeric error codes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from imagelens.api.deps import ServicesDep, Writer
from imagelens.api.inputs import (
    DescribeImageForm,
    base64_chunks,
    decode_base64,
    looks_like_url,
    spool_part,
)
from imagelens.api.submit import spool
from imagelens.errors import InvalidInput, UnsupportedMediaType
from imagelens.intake import sniff_format
from imagelens.intake.body import Body
from imagelens.service.describe import answer
from imagelens.service.waiting import wait_for_job
from imagelens.types import DescribeOptions, Language, parse_ocr_languages

router = APIRouter(prefix="/api/openapi-v2", tags=["describe-image"])


# A prompt is at most 4000 characters (of up to 4 UTF-8 bytes): read no more of a text part.
_TEXT_PART_BYTES = 4 * 4000 + 4


async def _text(value: UploadFile | str | None) -> str | None:
    # Clients such as `requests.post(files={...})` send every field as a file part.
    if isinstance(value, UploadFile):
        await value.seek(0)
        text = (await value.read(_TEXT_PART_BYTES)).decode("utf-8", errors="replace")
        return text if len(text) <= 4000 else text[:4001]  # too long: the form check says so
    return value


async def _image(value: UploadFile | str | None, services: ServicesDep) -> Body:
    if value is None:
        raise InvalidInput("The `image` field is required: a file, an http(s) URL or base64.")
    if isinstance(value, UploadFile):
        await value.seek(0)
        head = await value.read(4096)
        if not head:
            raise InvalidInput(f"The `image` file {value.filename or ''!r} is empty (0 bytes).")
        try:
            sniff_format(head)
            return await spool_part(value, spool(services))  # a real file part
        except (InvalidInput, UnsupportedMediaType):
            pass
        # A URL or base64 sent as a file part (clients that send every field as a file).
        text = head.decode("utf-8", errors="replace").strip()
        if not looks_like_url(text):
            return await _spool_base64(value, services)
        if len(head) == 4096 and await value.read(1):
            raise InvalidInput("The `image` URL is over 4096 characters.")
        value = text
    value = value.strip()
    if not value:
        raise InvalidInput("The `image` field is empty: send a file, an http(s) URL or base64.")
    if looks_like_url(value):  # any scheme, any case: the fetcher takes http(s) only
        return Body.of(await services.fetcher.fetch(value))
    return Body.of(decode_base64(value))


async def _spool_base64(part: UploadFile, services: ServicesDep) -> Body:
    target = spool(services)

    def decode() -> Body:
        part.file.seek(0)
        return Body.spool_chunks(base64_chunks(part.file), target.directory, target.max_bytes)

    body = await run_in_threadpool(decode)
    if body.size == 0:
        body.close()
        raise InvalidInput("The base64 field is empty.")
    return body


@router.post("/describe-image", operation_id="describe-image")
async def describe_image(request: Request, principal: Writer, services: ServicesDep) -> Any:
    """Describe one image in `lang`, answering `prompt` as far as the back-end can."""
    async with request.form() as form:
        prompt = (await _text(form.get("prompt")) or "").strip()
        if not prompt:
            raise InvalidInput("The `prompt` field is required.")
        lang_text = (await _text(form.get("lang")) or "en").strip().lower()
        try:
            ocr_languages = parse_ocr_languages(await _text(form.get("ocr_languages")))
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        try:
            fields = DescribeImageForm(
                prompt=prompt, lang=Language(lang_text), ocr_languages=ocr_languages
            )
        except ValueError:
            raise InvalidInput(
                f"lang={lang_text!r} is not one of {', '.join(x.value for x in Language)}; "
                "prompt: 1-4000 characters."
            ) from None
        prompt, lang = fields.prompt, fields.lang
        image = await _image(form.get("image"), services)
    options = DescribeOptions(prompt=prompt, lang=lang, ocr_languages=fields.ocr_languages)
    with image:  # a spooled file goes once the upload is stored
        job_id = await run_in_threadpool(
            services.describer.submit, principal.tenant_id, image, options
        )
    timeout = services.settings.jobs.describe_timeout
    job, _ = await wait_for_job(services.library, services.events, job_id, timeout)
    content = answer(job, timeout)
    return {"code": 200, "data": {"content": content}, "succeed": True, "msg": "Success"}
