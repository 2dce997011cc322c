"""``imagelens webhooks``: a server's webhooks (admin key) through the SDK: list, create,
delete, and a test message."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from imagelens.cli.remote import ApiKey, Server, api_errors, connect
from imagelens.types.webhooks import EVENTS

webhooks_app = typer.Typer(
    help="Webhooks: URLs told when jobs, batches and images change.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="JSON instead of text.")]


@webhooks_app.command("list")
def webhooks_list(as_json: Json = False, server: Server = None, api_key: ApiKey = None) -> None:
    """The account's webhooks."""
    with connect(server, api_key) as client:
        with api_errors():
            hooks = client.webhooks.list().webhooks
    if as_json:
        typer.echo(json.dumps([h.model_dump(mode="json") for h in hooks], indent=2))
        return
    table = Table(title=f"{len(hooks)} webhooks", title_justify="left")
    for column in ("webhook id", "url", "events", "state"):
        table.add_column(column, no_wrap=column == "webhook id")
    for hook in hooks:
        state = "enabled" if hook.enabled else f"disabled: {hook.disabled_reason or 'by hand'}"
        table.add_row(hook.webhook_id, Text(hook.url), ", ".join(hook.events), Text(state))
    Console(soft_wrap=False).print(table)


@webhooks_app.command("create")
def webhooks_create(
    url: str,
    event: Annotated[
        list[str] | None,
        typer.Option("--event", "-e", help=f"Repeat for several; default all: {EVENTS}."),
    ] = None,
    description: Annotated[str | None, typer.Option(help="A note for people.")] = None,
    as_json: Json = False,
    server: Server = None,
    api_key: ApiKey = None,
) -> None:
    """Create a webhook; prints its secret (shown only now)."""
    events = event or list(EVENTS)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise typer.BadParameter(f"unknown events {unknown}; known: {', '.join(EVENTS)}")
    with connect(server, api_key) as client:
        with api_errors():
            hook = client.webhooks.create(url=url, events=events, description=description)
    if as_json:
        typer.echo(json.dumps(hook.model_dump(mode="json"), indent=2))
        return
    typer.echo(f"{hook.webhook_id}: {hook.url} ({', '.join(hook.events)})")
    typer.echo(f"secret: {hook.secret}  (shown only now: verify deliveries with it)")


@webhooks_app.command("delete")
def webhooks_delete(webhook_id: str, server: Server = None, api_key: ApiKey = None) -> None:
    """Delete a webhook and its deliveries."""
    with connect(server, api_key) as client:
        with api_errors():
            client.webhooks.delete(webhook_id)
    typer.echo(f"deleted {webhook_id}")


@webhooks_app.command("test")
def webhooks_test(webhook_id: str, server: Server = None, api_key: ApiKey = None) -> None:
    """Queue a webhook.test message; see it with the API's deliveries."""
    with connect(server, api_key) as client:
        with api_errors():
            delivery = client.webhooks.test(webhook_id)
    typer.echo(f"queued {delivery.delivery_id} (webhook-id {delivery.message_id})")
