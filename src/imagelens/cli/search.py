"""``imagelens search "query"``: a server's images ranked for a query, as a table or JSON."""

from __future__ import annotations

import html
import json
import re
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from imagelens.cli.remote import ApiKey, Server, api_errors, connect
from imagelens.sdk import SearchHit

_MARK = re.compile(r"(<mark>.*?</mark>)", re.DOTALL)


class Mode(StrEnum):
    HYBRID = "hybrid"
    SEMANTIC = "semantic"
    TEXT = "text"


def highlight(snippet: str) -> Text:
    """A snippet with its ``<mark>`` words in bold: plain text, so markup in it stays text."""
    text = Text()
    for part in _MARK.split(snippet):
        if part.startswith("<mark>") and part.endswith("</mark>"):
            text.append(html.unescape(part[6:-7]), style="bold yellow")
        else:
            text.append(html.unescape(part))
    return text


def _table(query: str, hits: list[SearchHit]) -> Table:
    table = Table(title=f"{len(hits)} images for {query!r}", title_justify="left")
    table.add_column("image id", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("filename")
    table.add_column("where it matched", ratio=1)
    for hit in hits:
        shown = hit.highlights[0] if hit.highlights else (hit.description or "")[:120]
        table.add_row(hit.image_id or "", f"{hit.score:.4f}", hit.filename, highlight(shown))
    return table


def search(
    query: Annotated[str, typer.Argument(help="Words or a sentence, in any of the 12 languages.")],
    mode: Annotated[
        Mode, typer.Option(help="hybrid (words and meaning), semantic or text.")
    ] = Mode.HYBRID,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many images.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Search a server's images by words and meaning, best first."""
    with connect(server, api_key) as client:
        with api_errors():
            page = client.files.search(query, mode=mode.value, limit=limit)
    hits = page.items
    if as_json:
        body = {
            "query": query,
            "mode": mode.value,
            "items": [h.to_dict() for h in hits],
            "next_cursor": page.next_cursor,
        }
        typer.echo(json.dumps(body, indent=2, ensure_ascii=False, default=str))
        return
    Console(soft_wrap=False).print(_table(query, hits))
