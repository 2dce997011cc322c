"""Custom extraction schemas: a user's JSON Schema for `extracted`, within firm limits.

The limits keep prompts short and structured-output grammars small: an object root, depth
<= 3, <= 50 properties per object, <= 200 nodes, <= 32 KB, the types string, integer, number,
boolean, array, object, and `anyOf` as the only combinator. jsonschema validates answers.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from imagelens.errors import InvalidInput

MAX_BYTES = 32 * 1024
MAX_DEPTH = 3
MAX_PROPERTIES = 50
MAX_NODES = 200
TYPES = frozenset({"string", "integer", "number", "boolean", "array", "object", "null"})
# Keywords a node may carry besides type/properties/items/anyOf.
_ALLOWED = frozenset(
    {
        "type",
        "properties",
        "items",
        "anyOf",
        "required",
        "description",
        "title",
        "enum",
        "additionalProperties",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "format",
        "pattern",
        "default",
    }
)


def check_schema(schema: object) -> dict[str, Any]:
    """Return ``schema`` if it keeps every limit; raise InvalidInput naming the one it breaks."""
    if not isinstance(schema, dict):
        raise InvalidInput("The schema must be a JSON object.")
    size = len(json.dumps(schema))
    if size > MAX_BYTES:
        raise InvalidInput(f"The schema is {size} bytes; the limit is {MAX_BYTES}.")
    if schema.get("type") != "object":
        raise InvalidInput('The schema root must be {"type": "object", ...}.')
    nodes = _walk(schema, depth=1, path="$")
    if nodes > MAX_NODES:
        raise InvalidInput(f"The schema has {nodes} nodes; the limit is {MAX_NODES}.")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidInput(f"Not a valid JSON Schema: {exc.message}") from None
    return schema


def _walk(node: object, *, depth: int, path: str) -> int:
    if not isinstance(node, dict):
        raise InvalidInput(f"{path} must be a schema object.")
    unknown = set(node) - _ALLOWED
    if unknown:
        raise InvalidInput(
            f"{path} uses {', '.join(sorted(unknown))}; only type, properties, items, anyOf "
            "and simple constraints are allowed (no $ref, allOf, oneOf, not)."
        )
    kinds = node.get("type")
    for kind in kinds if isinstance(kinds, list) else [kinds] if kinds else []:
        if kind not in TYPES:
            raise InvalidInput(f"{path} has type {kind!r}; allowed: {', '.join(sorted(TYPES))}.")
    count = 1
    props = node.get("properties")
    if props is not None:
        if not isinstance(props, dict):
            raise InvalidInput(f"{path}.properties must be an object.")
        if len(props) > MAX_PROPERTIES:
            raise InvalidInput(
                f"{path} has {len(props)} properties; the limit is {MAX_PROPERTIES} per object."
            )
        if props and depth >= MAX_DEPTH + 1:
            raise InvalidInput(f"{path} nests objects deeper than {MAX_DEPTH} levels.")
        for name, child in props.items():
            count += _walk(child, depth=depth + 1, path=f"{path}.{name}")
    if "items" in node:
        count += _walk(node["items"], depth=depth + 1, path=f"{path}[]")
    for i, option in enumerate(node.get("anyOf", [])):
        count += _walk(option, depth=depth, path=f"{path}.anyOf[{i}]")
    return count


def validate_against(schema: dict[str, Any], value: object) -> str | None:
    """None if ``value`` fits ``schema``, else a message saying where it does not."""
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(value)
    )
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "extracted"
    return f"{where}: {error.message}"
