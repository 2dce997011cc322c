"""Writes the configuration page from ``imagelens.config.Settings``, so it cannot drift.

Each setting's description is its ``Field(description=...)`` or else the comment written
beside it in config.py (the lines just above it, or at the end of its line); a group's
introduction is its class docstring.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from imagelens.config import Settings

PREFIX = "IMAGELENS_"


@dataclass(frozen=True)
class Row:
    """One environment variable of the settings table."""

    env: str
    type: str
    default: str
    description: str


@cache
def _comments(cls: type) -> dict[str, str]:
    """The comment beside each field of a class: the lines above it, then its end-of-line one."""
    source = textwrap.dedent(inspect.getsource(cls))
    lines = source.splitlines()
    found: dict[str, str] = {}
    for node in ast.parse(source).body[0].body:  # type: ignore[attr-defined]
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].strip().startswith("#"):
            above.insert(0, lines[row].strip().lstrip("#").strip())
            row -= 1
        end = lines[(node.end_lineno or node.lineno) - 1]
        inline = end.split("  # ", 1)[1].strip() if "  # " in end else ""
        found[node.target.id] = " ".join([*above, inline]).strip()
    return found


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in args if a is not type(None)]
        return " \\| ".join(dict.fromkeys(names))
    if origin is list:
        return f"JSON list of {_type_name(args[0])}" if args else "JSON list"
    if annotation is SecretStr:
        return "secret"
    if isinstance(annotation, type):
        return {"Path": "path", "IPv4Network": "network", "IPv6Network": "network"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation)


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        doc = inspect.getdoc(field.default_factory)
        return doc.rstrip(".") if doc else "computed at start"
    value = field.default
    if value is None or value is PydanticUndefined:
        return "none"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        return f"`{value}`"
    return f"`{value}`"


def _bounds(field: FieldInfo) -> str:
    marks = [
        (annotated_types.Gt, ">", "gt"),
        (annotated_types.Ge, ">=", "ge"),
        (annotated_types.Lt, "<", "lt"),
        (annotated_types.Le, "<=", "le"),
        (annotated_types.MinLen, "length >=", "min_length"),
    ]
    parts: list[str] = []
    for item in field.metadata:
        for kind, sign, attr in marks:
            if isinstance(item, kind):
                parts.append(f"{sign} {getattr(item, attr)}")
        if getattr(item, "pattern", None):
            parts.append(f"matches `{item.pattern}`")
    return "; ".join(parts)


def _group(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def rows(model: type[BaseModel] = Settings, prefix: str = PREFIX) -> Iterator[Row]:
    """Every leaf setting of ``model``, nested groups walked depth first, in source order."""
    for name, field in model.model_fields.items():
        group = _group(field.annotation)
        if group is not None:
            yield from rows(group, f"{prefix}{name.upper()}__")
        else:
            yield _row(model, prefix, name, field)


def _row(model: type[BaseModel], prefix: str, name: str, field: FieldInfo) -> Row:
    bounds = _bounds(field)
    return Row(
        env=prefix + name.upper(),
        type=_type_name(field.annotation) + (f" ({bounds})" if bounds else ""),
        default=_default(field),
        description=field.description or _comments(model).get(name, ""),
    )


def _prose(text: str) -> str:
    """Docstring markup (reStructuredText's double backticks) as Markdown."""
    return text.replace("``", "`")


def _cell(text: str) -> str:
    return _prose(text).replace("|", "\\|").replace("\n", " ")


def _table(model: type[BaseModel], prefix: str) -> list[str]:
    out = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if _group(field.annotation) is not None:
            continue
        row = _row(model, prefix, name, field)
        out.append(
            f"| `{row.env}` | {row.type} | {row.default} | {_cell(row.description) or '&nbsp;'} |"
        )
    return out


def settings_markdown() -> str:
    """The whole configuration page, as Markdown."""
    doc = inspect.getdoc(Settings) or ""
    out = [
        "# Configuration",
        "",
        "<!-- Generated from imagelens.config.Settings by docs/gen/settings_page.py; "
        "edit the comments in src/imagelens/config.py, not this page. -->",
        "",
        doc,
        "",
        "Every setting is an environment variable with the prefix `IMAGELENS_`; nested groups "
        "use `__` (`IMAGELENS_LIMITS__MAX_PIXELS=50000000`). Lists are JSON "
        "(`IMAGELENS_URL_FETCH__ALLOW_NETWORKS='[\"10.1.2.0/24\"]'`). A wrong value stops "
        "`imagelens serve` and `imagelens worker` at start with a message naming the setting. "
        "This page is generated from the settings class at every docs build.",
        "",
        "## General",
        "",
        *_table(Settings, PREFIX),
    ]
    for name, field in Settings.model_fields.items():
        group = _group(field.annotation)
        if group is None:
            continue
        prefix = f"{PREFIX}{name.upper()}__"
        out += ["", f"## `{prefix}*`", "", _prose(inspect.getdoc(group) or ""), ""]
        out += _table(group, prefix)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(settings_markdown(), end="")
