"""``imagelens people`` and ``imagelens faces``: the persons face recognition found on a server
(list, name, merge, delete) and who is in a picture (search) or whether two pictures show the
same person (compare), through the SDK like the other server commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from imagelens.cli.remote import ApiKey, Server, api_errors, connect
from imagelens.types import BBox

people_app = typer.Typer(
    help="People that face recognition found on a server.", no_args_is_help=True
)
# The `faces` group: commands on faces in pictures through a server (here), and the local
# `imagelens faces backfill` (cli/facebackfill.py, run against the database), which cli/app.py
# registers in this same group.
faces_app = typer.Typer(
    help="Faces in pictures: search the library, compare two.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="JSON instead of text.")]
Picture = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]

# What to tell a user whose server or tenant has recognition off (501 / 409).
_HOW_TO_ENABLE = {
    "not_configured": "the server has face recognition off: start it with "
    "IMAGELENS_FACES__RECOGNITION=true",
    "face_recognition_disabled": "this tenant has face recognition off: an admin turns it on "
    'with PUT /api/v2/settings/faces {"recognition": true}',
}


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _box(bbox: BBox | None) -> str:
    if bbox is None:
        return ""
    return f"x={bbox.x:.2f} y={bbox.y:.2f} w={bbox.width:.2f} h={bbox.height:.2f}"


@people_app.command("list")
def people_list(
    limit: Annotated[int, typer.Option(min=1, max=200, help="People per page.")] = 50,
    every: Annotated[bool, typer.Option("--all", help="Every page, not just the first.")] = False,
    as_json: Json = False,
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """The people found in the library, most faces first."""
    with connect(server, api_key) as client, api_errors(_HOW_TO_ENABLE):
        page = client.people.list(limit=limit)
        people = list(page) if every else page.items
    if as_json:
        items = [p.model_dump(mode="json") for p in people]
        _print_json({"items": items, "next_cursor": None if every else page.next_cursor})
        return
    table = Table(title=f"{len(people)} people", title_justify="left")
    for column in ("person id", "name", "faces", "cover image"):
        table.add_column(column, no_wrap=column != "name")
    for person in people:
        name = person.name if person.name is not None else "(not named)"
        # Text, not a str: a name is the user's and "[bold]" in it stays text, not markup.
        cover = person.cover_image_id or ""
        table.add_row(person.person_id, Text(name), str(person.face_count), cover)
    Console(soft_wrap=False).print(table)
    if page.has_more and not every:
        typer.echo(f"more: --all, or the API with cursor={page.next_cursor}")


@people_app.command("name")
def people_name(
    person_id: str,
    name: Annotated[str, typer.Argument(help='The name; "" forgets it.')],
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Name a person (analyses say the name from then on)."""
    with connect(server, api_key) as client, api_errors(_HOW_TO_ENABLE):
        person = client.people.rename(person_id, name or None)
    typer.echo(f"{person.person_id}: {person.name or '(not named)'} ({person.face_count} faces)")


@people_app.command("merge")
def people_merge(
    person_id: Annotated[str, typer.Argument(help="The person to keep.")],
    others: Annotated[list[str], typer.Argument(help="The people folded into it.")],
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Merge people who are one person: their faces join the first one."""
    with connect(server, api_key) as client, api_errors(_HOW_TO_ENABLE):
        person = client.people.merge(person_id, others)
    typer.echo(
        f"{person.person_id}: {person.name or '(not named)'} ({person.face_count} faces), "
        f"{len(others)} merged into it"
    )


@people_app.command("delete")
def people_delete(
    person_id: str,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Forget a person and delete their face vectors (the images stay)."""
    if not yes:
        typer.confirm(f"Forget {person_id} and delete their face vectors?", abort=True)
    with connect(server, api_key) as client, api_errors(_HOW_TO_ENABLE):
        client.people.delete(person_id)
    typer.echo(f"{person_id}: deleted")


@faces_app.command("compare")
def faces_compare(
    source: Picture,
    target: Picture,
    as_json: Json = False,
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Are these the same person? Each face in SOURCE with its closest face in TARGET."""
    with connect(server, api_key) as client, api_errors(_HOW_TO_ENABLE):
        result = client.faces.compare(source, target)
    if as_json:
        _print_json(result.model_dump(mode="json"))
        return
    counts = f"{result.source_faces} in {source.name}, {result.target_faces} in {target.name}"
    typer.echo(f"faces: {counts}")
    if not result.matches:
        typer.echo("same person: no (no face to compare in one of them)")
    for match in result.matches:
        verdict = "yes" if match.same_person else "no"
        typer.echo(
            f"same person: {verdict} (distance {match.distance:.3f}; "
            f"{source.name} {_box(match.source_bbox)} / {target.name} {_box(match.target_bbox)})"
        )


@faces_app.command("search")
def faces_search(
    picture: Picture,
    limit: Annotated[int, typer.Option(min=1, max=20, help="Matches per face.")] = 5,
    as_json: Json = False,
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Who in the library is in this picture (the picture is not stored)."""
    with connect(server, api_key) as client, api_errors(_HOW_TO_ENABLE):
        result = client.faces.search(picture, limit=limit)
    if as_json:
        _print_json(result.model_dump(mode="json"))
        return
    table = Table(title=f"{len(result.faces)} faces in {picture.name}", title_justify="left")
    for column in ("face", "person id", "name", "distance", "seen in image"):
        table.add_column(column, no_wrap=True)
    for face in result.faces:
        if not face.matches:
            table.add_row(_box(face.bbox), "", "(nobody known)", "", "")
        for i, match in enumerate(face.matches):
            table.add_row(
                _box(face.bbox) if i == 0 else "",
                match.person_id,
                Text(match.name or "(not named)"),
                f"{match.distance:.3f}",
                match.image_id,
            )
    Console(soft_wrap=False).print(table)
