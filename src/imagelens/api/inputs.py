"""The three ways an image arrives (multipart file, JSON url, JSON base64) and the options."""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from imagelens.errors import InvalidInput
from imagelens.intake.body import Body
from imagelens.intake.fetch import UrlFetcher
from imagelens.types import (
    Backend,
    ContentCategory,
    Language,
    RequestedOptions,
    parse_ocr_languages,
)


class AnalyzeParams(BaseModel):
    """Options shared by analyze, analyze/async and the uploads."""

    model_config = ConfigDict(extra="ignore")

    content_category: ContentCategory = ContentCategory.GENERAL
    skip_duplicates: bool = False
    timeout: float = Field(default=30, ge=5, le=120)
    lang: Language = Language.EN
    prompt: str | None = Field(default=None, max_length=4000)
    backend: Backend | None = None
    custom_schema_id: str | None = Field(default=None, max_length=64)
    # Languages of the text (ISO 639-1, "ru,en"); none: the OCR detects the scripts.
    ocr_languages: tuple[str, ...] = ()
    # Where the original is kept: the server's store, or the tenant's own bucket.
    storage_target: Literal["default", "custom"] = "default"

    def job_options(self) -> RequestedOptions:
        """Options as the client gave them; the ingestor resolves backend and schema."""
        return RequestedOptions(
            category=self.content_category,
            lang=self.lang,
            prompt=self.prompt,
            backend=self.backend,
            custom_schema_id=self.custom_schema_id,
            ocr_languages=self.ocr_languages,
        )

    @field_validator("ocr_languages", mode="before")
    @classmethod
    def _known_languages(cls, value: object) -> tuple[str, ...]:
        return _ocr_languages(value)


class DescribeImageForm(BaseModel):
    """The text fields of describe-image (the image comes as a file, URL or base64 part)."""

    prompt: str = Field(min_length=1, max_length=4000)
    lang: Language = Language.EN
    ocr_languages: tuple[str, ...] = ()

    @field_validator("ocr_languages", mode="before")
    @classmethod
    def _known_languages(cls, value: object) -> tuple[str, ...]:
        return _ocr_languages(value)


def _ocr_languages(value: object) -> tuple[str, ...]:
    if value is None or isinstance(value, str | list | tuple):
        return parse_ocr_languages(value)  # its ValueError names the allowed codes
    raise ValueError("ocr_languages must be a string like 'ru,en' or a list of codes")


class JsonImage(AnalyzeParams):
    url: str | None = None
    base64: str | None = None


@dataclass(frozen=True)
class ImageInput:
    """An image as received: a multipart file arrives spooled to disk (close it when done)."""

    data: Body
    filename: str


@dataclass(frozen=True)
class Spool:
    """Where multipart files are copied to, and the most bytes one may have."""

    directory: Path | None
    max_bytes: int


def parse_params(raw: dict[str, Any]) -> AnalyzeParams:
    try:
        params = AnalyzeParams.model_validate(raw)
    except ValidationError as exc:
        raise invalid_from(exc) from None
    return params


def invalid_from(exc: ValidationError) -> InvalidInput:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )
    errors = json.loads(exc.json(include_input=False, include_url=False))
    return InvalidInput(f"Invalid request: {problems}.", details={"errors": errors})


def decode_base64(text: str) -> bytes:
    """Raw base64 or a ``data:image/...;base64,`` URI; whitespace and URL-safe letters allowed."""
    text = text.strip()
    if text.startswith("data:"):
        header, sep, text = text.partition(",")
        if not sep or ";base64" not in header:
            raise InvalidInput("A data URI must look like data:image/png;base64,<data>.")
    cleaned = "".join(text.split()).replace("-", "+").replace("_", "/")
    try:
        data = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("The base64 field is not valid base64.") from None
    if not data:
        raise InvalidInput("The base64 field is empty.")
    return data


def base64_chunks(stream: BinaryIO, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    """:func:`decode_base64` of a file as it is read, piece by piece (a base64 image sent
    as a file part may be hundreds of MB: it is decoded into a spool, never held whole)."""
    carry, first = b"", True
    # The first read is big enough to hold a data: URI's header whole.
    while piece := stream.read(max(chunk, 4096) if first else chunk):
        if first:
            piece, first = piece.lstrip(), False
            if piece.startswith(b"data:"):
                header, sep, piece = piece.partition(b",")
                if not sep or b";base64" not in header:
                    raise InvalidInput("A data URI must look like data:image/png;base64,<data>.")
        cleaned = carry + piece.translate(None, b" \t\r\n\f\v").translate(_URL_SAFE)
        whole = len(cleaned) - len(cleaned) % 4
        carry = cleaned[whole:]
        if whole:
            yield _b64(cleaned[:whole])
    if carry:
        yield _b64(carry + b"=" * (-len(carry) % 4))


_URL_SAFE = bytes.maketrans(b"-_", b"+/")


def _b64(data: bytes) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("The base64 field is not valid base64.") from None


def _url_filename(url: str) -> str:
    return clean_filename(url.split("?", 1)[0].split("#", 1)[0].rstrip("/"), "image")


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request's JSON body as an object: the one JSON parser of the hand-read bodies, so
    malformed, non-object and pathologically nested JSON all answer 400, never 500."""
    raw = await request.body()
    try:
        value = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError, or bytes that are not UTF-8
        raise InvalidInput(f"The body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise InvalidInput("The JSON body is nested too deeply.") from None
    if not isinstance(value, dict):
        raise InvalidInput("The JSON body must be an object.")
    return value


def looks_like_url(text: str) -> bool:
    """Whether ``text`` starts with a URL scheme (``HTTP://``, ``file://``...): such a value is
    a URL to fetch or refuse, never base64."""
    return _SCHEME.match(text) is not None


_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")


async def spool_part(part: UploadFile, spool: Spool) -> Body:
    """Copy a multipart file (Starlette has spooled it to a temp file) into a file of our
    own, hashing it on the way, in a thread: never read whole, never on the event loop."""

    def copy() -> Body:
        part.file.seek(0)
        return Body.spool(part.file, spool.directory, spool.max_bytes)

    return await run_in_threadpool(copy)


async def read_form_file(form: FormData, name: str, spool: Spool) -> ImageInput | None:
    part = form.get(name)
    if isinstance(part, UploadFile):
        filename = clean_filename(part.filename, name)  # refused before anything is spooled
        return ImageInput(await spool_part(part, spool), filename)
    return None


def clean_filename(raw: str | None, default: str) -> str:
    """The name to store for an upload: its last path component (``/`` or ``\\``), without
    control or bidirectional-override characters (U+202E makes ``gnp.exe`` read as
    ``exe.png``), at most 255 characters."""
    if raw and "\x00" in raw:  # refused like every NUL we are sent (the database cannot store it)
        raise InvalidInput("The filename contains a NUL character (\\x00); remove it.")
    base = re.split(r"[/\\]", raw or "")[-1]
    cleaned = "".join(c for c in base if unicodedata.category(c) not in _INVISIBLE).strip()
    return cleaned[:255] if cleaned not in ("", ".", "..") else default


# Control (Cc), format (Cf: bidi overrides and isolates, zero-width), separators of lines.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


async def read_image_request(
    request: Request, fetcher: UrlFetcher, spool: Spool
) -> tuple[ImageInput, AnalyzeParams]:
    """The image and options of an analyze/upload request, multipart or JSON."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        # The context manager closes the parts' spooled temp files when we are done.
        async with request.form() as form:
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            params = parse_params(fields)
            upload = await read_form_file(form, "file", spool)
        if upload is not None:
            return upload, params
        if fields.get("url") or fields.get("base64"):
            return await _from_fields(fields, fetcher), params
        raise InvalidInput("Send the image as a multipart `file` part, or JSON `url`/`base64`.")
    if content_type.startswith("application/json"):
        try:
            body = JsonImage.model_validate(await read_json_object(request))
        except ValidationError as exc:
            raise invalid_from(exc) from None
        params = parse_params(body.model_dump(exclude={"url", "base64"}))
        return await _from_fields(body.model_dump(include={"url", "base64"}), fetcher), params
    raise InvalidInput(
        "Send multipart/form-data with a `file` part, or application/json with `url` or "
        f"`base64`; got Content-Type {content_type or 'none'!r}."
    )


async def _from_fields(fields: dict[str, Any], fetcher: UrlFetcher) -> ImageInput:
    url, b64 = fields.get("url"), fields.get("base64")
    if url and b64:
        raise InvalidInput("Send either `url` or `base64`, not both.")
    if url:
        return ImageInput(Body.of(await fetcher.fetch(url)), _url_filename(url))
    if b64:
        return ImageInput(Body.of(decode_base64(b64)), "upload")
    raise InvalidInput("The JSON body needs `url` or `base64` with the image.")
