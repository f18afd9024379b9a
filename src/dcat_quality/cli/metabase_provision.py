"""``metabase provision``: apply the dashboard spec to Metabase (registered on ``metabase``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from dcat_quality.cli._common import console, err_console, reported_errors, settings_from
from dcat_quality.dashboard.spec import load_spec
from dcat_quality.errors import ConfigError
from dcat_quality.metabase.client import MetabaseClient
from dcat_quality.metabase.provision import ProvisionResult, read_descriptions
from dcat_quality.metabase.provision import provision as run_provision
from dcat_quality.warehouse import resolve_database


def provision(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; change nothing in Metabase.")
    ] = False,
    spec: Annotated[
        Path | None,
        typer.Option(
            "--spec",
            help="Dashboard spec (YAML). Default: the one shipped with dcat-quality.",
            show_default=False,
        ),
    ] = None,
    descriptions: Annotated[
        bool,
        typer.Option(
            "--descriptions/--no-descriptions",
            help="Push the warehouse's table and column COMMENTs to Metabase (reads them "
            "from the warehouse).",
        ),
    ] = True,
    sync_timeout: Annotated[
        float,
        typer.Option(min=1, help="Seconds to wait for Metabase's schema sync to show the views."),
    ] = 300.0,
) -> None:
    """Create or update the collection, questions and dashboard in Metabase, idempotently.

    Needs METABASE_URL and METABASE_API_KEY (or METABASE_USERNAME + METABASE_PASSWORD);
    the warehouse is found in Metabase by METABASE_DATABASE_NAME.
    """
    with reported_errors():
        settings = settings_from()
        if not settings.metabase_url:
            raise ConfigError("set METABASE_URL to the Metabase to provision")
        dashboard = load_spec(spec)
        comments = None
        if descriptions:
            comments = read_descriptions(resolve_database(settings), settings.schema_name)
        api_key = settings.metabase_api_key
        password = settings.metabase_password
        with MetabaseClient(
            settings.metabase_url,
            api_key=api_key.get_secret_value() if api_key else None,
            username=settings.metabase_username,
            password=password.get_secret_value() if password else None,
        ) as client:
            result = run_provision(
                client,
                dashboard,
                database_name=settings.metabase_database_name,
                schema=settings.schema_name,
                descriptions=comments,
                dry_run=dry_run,
                sync_timeout=sync_timeout,
            )
        _report(result, settings.metabase_url)


def _report(result: ProvisionResult, url: str) -> None:
    title = "Plan (dry run: nothing changed)" if result.dry_run else "Applied"
    console.print(f"[bold]{title}[/] — Metabase {result.metabase_version}")
    fields = Counter(a.name.split(".")[0] for a in result.changes if a.kind == "field")
    for action in result.changes:
        if action.kind != "field":
            console.print(f"  {action}")
    if fields:
        verb = "would update" if result.dry_run else "updated"
        console.print(
            f"  {verb} {sum(fields.values())} column descriptions in {len(fields)} tables"
        )
    unchanged = len(result.actions) - len(result.changes)
    console.print(f"{len(result.changes)} change(s), {unchanged} object(s) already up to date")
    if result.dashboard_id is not None:
        console.print(f"Dashboard: {url.rstrip('/')}/dashboard/{result.dashboard_id}")
    elif result.dry_run:
        err_console.print("[dim]the dashboard does not exist yet: run without --dry-run[/]")
