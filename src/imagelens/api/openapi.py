"""The OpenAPI document, made true to what the server does.

FastAPI describes what it parses itself. The image endpoints read their bodies by hand (three
input forms on one URL), errors come from one handler with our own bodies, and 400 is answered
where FastAPI would have said 422; this module adds what FastAPI cannot know: the request
bodies, every error status with its body, the bearer scheme, and the Prometheus text type.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from imagelens.api.inputs import AnalyzeParams, DescribeImageForm, JsonImage
from imagelens.intake import ImageFormat

_REF = "#/components/schemas/{model}"

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "retryable", "details"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid_image"]},
                "message": {"type": "string"},
                "retryable": {"type": "boolean"},
                "details": {"type": "object"},
            },
        }
    },
}
_DESCRIBE_ERROR = {
    "type": "object",
    "required": ["code", "data", "succeed", "msg"],
    "properties": {
        "code": {"type": "integer", "examples": [10004]},
        "data": {"type": "null"},
        "succeed": {"const": False},
        "msg": {"type": "string", "examples": ["INVALID_PARAM"]},
        "detail": {"type": "string"},
    },
}
_DESCRIBE_OK = {
    "type": "object",
    "required": ["code", "data", "succeed", "msg"],
    "properties": {
        "code": {"const": 200},
        "data": {
            "type": "object",
            "required": ["content"],
            "properties": {"content": {"type": "string", "description": "markdown"}},
        },
        "succeed": {"const": True},
        "msg": {"type": "string"},
    },
}

_WHY = {
    400: "Invalid input: a malformed body or parameter, a corrupt image, a refused URL",
    401: "Missing, unknown, revoked or expired API key",
    402: "The tenant's monthly analysis quota is used up",
    403: "The API key lacks the scope this operation needs",
    404: "No such resource in the caller's tenant",
    409: "Face recognition is off for this account (an admin turns it on)",
    413: "The body, the file or its declared pixels are over the limits",
    415: "The file is not a type imagelens reads (an image, a PDF or a video)",
    429: "Over the key's requests per minute (see Retry-After)",
    500: "The analysis failed unexpectedly",
    502: "The vision LLM failed or wrote invalid output",
    503: "Busy decoding other large images, or a model could not load (see Retry-After)",
    501: "The server lacks a setting this feature needs (see the message)",
    504: "The analysis timed out",
    507: "The disk or the database is full (retryable)",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}

# operation id -> error statuses beyond the ones every authenticated operation may answer
_TAKES_IMAGES = {413, 415, 402, 503, 507}
_PEOPLE = {409, 501}  # recognition off for the tenant, or for the server
_EXTRA: dict[str, set[int]] = {
    "images-analyze": _TAKES_IMAGES,
    "images-analyze_async": _TAKES_IMAGES,
    "files-upload": _TAKES_IMAGES,
    "files-upload_batch": _TAKES_IMAGES,
    # Direct uploads: a size over the limit at creation; the file's checks at completion.
    "files-create_upload": {413, 503, 507},
    "files-complete_upload": _TAKES_IMAGES,
    "files-put_upload_part": {413, 507},
    "files-describe": {402, 413, 507},
    "files-thumbnail": {503},
    "describe-image": _TAKES_IMAGES | {500, 502, 504},
    "search-image": {413, 415, 500, 503, 504, 507},
    "settings-custom_s3-put": {501},
    "settings-faces-put": {501},
    "faces-search": {409, 413, 415, 500, 501, 503, 504, 507},
    "faces-compare": {413, 415, 500, 501, 503, 504, 507},
    "files-list": _PEOPLE,  # ?person= asks the people directory
    "people-list": _PEOPLE,
    "people-get": _PEOPLE,
    "people-update": _PEOPLE,
    "people-merge": _PEOPLE,
    "people-delete": _PEOPLE,
    "people-files": _PEOPLE,
    "people-cover": _PEOPLE | {503},
    "keys-create": {501},  # a signing secret without IMAGELENS_SECRET_KEY
    "webhooks-create": {501},  # a webhook secret without IMAGELENS_SECRET_KEY
}
_PUBLIC = {"ops-healthz", "ops-readyz"}
# a signed, expiring URL instead of a key (401: expired or tampered with)
_URL_IS_CREDENTIAL = {"files-put_upload_part"}
# operations without an id in the path that may still answer 404 (a tenant, image or bucket)
_READS_ONE = {
    "keys-list",
    "files-describe",
    "files-list",  # ?person= of no person of the tenant
    "settings-custom_s3-get",
    "settings-custom_s3-delete",
}


def _multipart(model: type[BaseModel], files: dict[str, Any], required: list[str]) -> Any:
    schema = model.model_json_schema(ref_template=_REF)
    properties = {**schema.get("properties", {}), **files}
    return {
        "schema": {"type": "object", "properties": properties, "required": required},
        "encoding": {name: {"contentType": "application/octet-stream"} for name in files},
    }


def _request_bodies() -> dict[str, Any]:
    binary = {"type": "string", "format": "binary"}
    image_forms = {
        "multipart/form-data": _multipart(AnalyzeParams, {"file": binary}, ["file"]),
        "application/json": {"schema": JsonImage.model_json_schema(ref_template=_REF)},
    }
    batch = _multipart(AnalyzeParams, {"files": {"type": "array", "items": binary}}, ["files"])
    image_field = {**binary, "description": "The image file, or an http(s) URL, or base64"}
    describe = _multipart(DescribeImageForm, {"image": image_field}, ["image", "prompt"])
    again = {"schema": AnalyzeParams.model_json_schema(ref_template=_REF)}
    return {
        "images-analyze": {"required": True, "content": image_forms},
        "images-analyze_async": {"required": True, "content": image_forms},
        "files-upload": {"required": True, "content": image_forms},
        "files-upload_batch": {"required": True, "content": {"multipart/form-data": batch}},
        "describe-image": {"required": True, "content": {"multipart/form-data": describe}},
        "search-image": {"required": True, "content": image_forms},
        "faces-search": {"required": True, "content": image_forms},
        "faces-compare": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"source": binary, "target": binary},
                        "required": ["source", "target"],
                    },
                    "encoding": {
                        name: {"contentType": "application/octet-stream"}
                        for name in ("source", "target")
                    },
                }
            },
        },
        "files-describe": {"required": False, "content": {"application/json": again}},
    }


def _hoist_defs(node: Any, components: dict[str, Any]) -> None:
    """Move pydantic's nested ``$defs`` into ``components/schemas`` (where the refs point)."""
    if isinstance(node, dict):
        components.update(node.pop("$defs", {}))
        for value in node.values():
            _hoist_defs(value, components)
    elif isinstance(node, list):
        for value in node:
            _hoist_defs(value, components)


def _error_response(status: int, describe: bool) -> dict[str, Any]:
    ref = "DescribeImageError" if describe else "Error"
    response: dict[str, Any] = {
        "description": _WHY[status],
        "content": {"application/json": {"schema": {"$ref": _REF.format(model=ref)}}},
    }
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def _document(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    models.update(Error=_ERROR, DescribeImageError=_DESCRIBE_ERROR, DescribeImageOk=_DESCRIBE_OK)
    for unused in ("HTTPValidationError", "ValidationError"):
        models.pop(unused, None)
    components["securitySchemes"] = {"bearerAuth": {"type": "http", "scheme": "bearer"}}
    schema["security"] = [{"bearerAuth": []}]
    bodies = _request_bodies()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            op_id = operation.get("operationId", "")
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if op_id in bodies:
                operation["requestBody"] = bodies[op_id]
            if op_id in _PUBLIC:
                operation["security"] = []
                continue
            if op_id in _URL_IS_CREDENTIAL:
                operation["security"] = []
            statuses = {400, 401, 403, 429} | _EXTRA.get(op_id, set())
            if "{" in path or op_id in _READS_ONE:
                statuses.add(404)
            if method in ("post", "delete"):
                statuses |= {413, 507}
            describe = op_id == "describe-image"
            for status in sorted(statuses):
                responses.setdefault(str(status), _error_response(status, describe))
            if describe:
                responses["200"] = {
                    "description": "The markdown answer",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": _REF.format(model="DescribeImageOk")}
                        }
                    },
                }
    metrics = schema["paths"]["/metrics"]["get"]["responses"]["200"]
    metrics["content"] = {"text/plain": {"schema": {"type": "string"}}}
    binary = {"schema": {"type": "string", "format": "binary"}}
    originals = {fmt.content_type: binary for fmt in ImageFormat}
    for suffix, content in (("content", originals), ("thumbnail", {"image/webp": binary})):
        ok = schema["paths"][f"/api/v2/files/{{image_id}}/{suffix}"]["get"]["responses"]["200"]
        ok["content"] = content
    cover = schema["paths"]["/api/v2/people/{person_id}/cover"]["get"]["responses"]["200"]
    cover["content"] = {"image/webp": binary}
    _hoist_defs(schema, models)


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at ``/openapi.json`` (built once, on first request)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            _document(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]
