"""``db``: the warehouse connection and the embedded PostgreSQL."""

from __future__ import annotations

import typer
from rich.table import Table

from dcat_quality.cli._common import console, reported_errors, settings_from
from dcat_quality.warehouse import Warehouse, resolve_database
from dcat_quality.warehouse.embedded import psql_uri, stop_embedded

app = typer.Typer(
    help="The warehouse database: where it is, recent runs, the embedded server.",
    no_args_is_help=True,
)


@app.command()
def url() -> None:
    """Print how to connect to the warehouse (password redacted; psql URI when embedded)."""
    with reported_errors():
        settings = settings_from()
        target = resolve_database(settings)
        if target.embedded:
            console.print(f"psql {psql_uri(target)}")
        else:
            console.print(target.display)


@app.command()
def runs(limit: int = typer.Option(10, min=1, help="How many runs to show.")) -> None:
    """List the most recent runs with their status and counts."""
    with reported_errors():
        settings = settings_from()
        with Warehouse.open(
            resolve_database(settings), schema=settings.schema_name, keep_runs=settings.keep_runs
        ) as warehouse:
            rows = warehouse.latest_runs(limit)
        table = Table(
            "run",
            "status",
            "started",
            "read",
            "loaded",
            "rejected",
            "pages rej.",
            "source",
            "error",
        )
        for row in rows:
            table.add_row(
                str(row.run_id),
                row.status,
                f"{row.started_at:%Y-%m-%d %H:%M:%S}",
                str(row.datasets_read or 0),
                str(row.datasets_loaded or 0),
                str(row.datasets_rejected or 0),
                str(row.pages_rejected or 0),
                row.source,
                (row.error or "")[:60],
            )
        console.print(table)


@app.command()
def stop() -> None:
    """Stop the embedded PostgreSQL server (its data stays in the data folder)."""
    with reported_errors():
        settings = settings_from()
        stopped = stop_embedded(settings.home)
        console.print(
            "embedded PostgreSQL stopped" if stopped else "embedded PostgreSQL was not running"
        )
