"""``superset``: provision the dashboard spec into Superset, back up and restore its
metadata database (the backup options are the ``metabase`` group's)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

import typer
from rich.table import Table

from dcat_quality.backup import KubeTarget, superset_location
from dcat_quality.backup import restore as run_restore
from dcat_quality.cli._common import console, err_console, reported_errors, settings_from
from dcat_quality.cli.metabase import (
    ContainerOption,
    EncryptToOption,
    KeepOption,
    NamespaceOption,
    OutputOption,
    PgBinOption,
    S3Option,
    _default_output,
    _recipients,
    _s3,
    _show_backup,
)
from dcat_quality.config import Settings
from dcat_quality.dashboard.spec import load_spec
from dcat_quality.errors import ConfigError
from dcat_quality.superset.backup import backup_superset
from dcat_quality.superset.client import SupersetClient
from dcat_quality.superset.provision import ProvisionResult, dashboard_slug, sqlalchemy_url
from dcat_quality.superset.provision import provision as run_provision
from dcat_quality.warehouse import DatabaseTarget, resolve_database

app = typer.Typer(
    help="Apache Superset: provision the dashboard, back up and restore its metadata database.",
    no_args_is_help=True,
)

MetadataUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Direct mode: Superset's metadata database URL (env: "
        "SUPERSET_METADATA_DATABASE_URL; prefer the env, a password here shows in the "
        "process list).",
        show_default=False,
    ),
]
KubePodOption = Annotated[
    str | None,
    typer.Option(
        "--kube-pod",
        help="Kube mode: run pg_dump/pg_restore in this pod via kubectl exec (env: "
        "SUPERSET_KUBE_POD; e.g. superset-postgresql-0). The password goes through stdin.",
        show_default=False,
    ),
]
DbNameOption = Annotated[
    str | None,
    typer.Option(
        "--db-name",
        help="Kube mode: database inside the pod (env: SUPERSET_DB_NAME; default superset).",
        show_default=False,
    ),
]
DbUserOption = Annotated[
    str | None,
    typer.Option(
        "--db-user",
        help="Kube mode: database user (env: SUPERSET_DB_USER; default superset). The "
        "password is only read from SUPERSET_DB_PASS.",
        show_default=False,
    ),
]


def _client(settings: Settings, *, secrets: tuple[str, ...] = ()) -> SupersetClient:
    """A client; ``secrets`` (a database password sent to Superset) are scrubbed too."""
    if not settings.superset_url:
        raise ConfigError("set SUPERSET_URL to the Superset to provision")
    password = settings.superset_password
    return SupersetClient(
        settings.superset_url,
        username=settings.superset_username,
        password=password.get_secret_value() if password else None,
        secrets=secrets,
    )


def _password_of(url: str) -> tuple[str, ...]:
    """The password in a database URL, as the client must never echo it."""
    password = urlsplit(url).password
    return (unquote(password),) if password else ()


@app.command()
def provision(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing in Superset.")
    ] = False,
    spec: Annotated[
        Path | None,
        typer.Option(help="Dashboard spec (default: the one shipped with the package)."),
    ] = None,
) -> None:
    """Create or update the datasets, charts and dashboard in Superset, idempotently.

    Needs SUPERSET_URL, SUPERSET_USERNAME and SUPERSET_PASSWORD; the warehouse connection
    is SUPERSET_DATABASE_NAME, created from SUPERSET_WAREHOUSE_URL (default: the
    warehouse URL) when Superset has none of that name.
    """
    with reported_errors():
        settings = settings_from()
        dashboard = load_spec(spec)
        configured = settings.superset_warehouse_url
        if configured is not None and configured.get_secret_value():
            warehouse_url = sqlalchemy_url(configured.get_secret_value())
        else:
            warehouse_url = sqlalchemy_url(resolve_database(settings).conninfo)
        with _client(settings, secrets=_password_of(warehouse_url)) as client:
            result = run_provision(
                client,
                dashboard,
                database_name=settings.superset_database_name,
                schema=settings.schema_name,
                warehouse_url=warehouse_url,
                dry_run=dry_run,
            )
        _report(result, settings.superset_url or "")


def _report(result: ProvisionResult, url: str) -> None:
    title = "Plan (dry run: nothing changed)" if result.dry_run else "Applied"
    console.print(f"[bold]{title}[/] — Superset")
    for action in result.changes:
        console.print(f"  {action}")
    unchanged = len(result.actions) - len(result.changes)
    console.print(f"{len(result.changes)} change(s), {unchanged} object(s) already up to date")
    if result.dashboard_id is not None:
        console.print(f"Dashboard: {url.rstrip('/')}/superset/dashboard/{result.dashboard_id}/")
    elif result.dry_run:
        err_console.print("[dim]the dashboard does not exist yet: run without --dry-run[/]")


@app.command()
def backup(
    database_url: MetadataUrlOption = None,
    kube_pod: KubePodOption = None,
    namespace: NamespaceOption = None,
    container: ContainerOption = None,
    db_name: DbNameOption = None,
    db_user: DbUserOption = None,
    output: OutputOption = None,
    s3: S3Option = False,
    s3_prefix: Annotated[
        str | None,
        typer.Option(
            "--s3-prefix",
            help="Key prefix in the backup bucket; implies --s3 (env: "
            "DCAT_QUALITY_SUPERSET_BACKUP_PREFIX).",
            show_default=False,
        ),
    ] = None,
    keep: KeepOption = None,
    pg_bin: PgBinOption = None,
    encrypt_to: EncryptToOption = None,
    bundle: Annotated[
        bool,
        typer.Option(
            "--bundle/--no-bundle",
            help="Also keep the dashboard's export bundle beside the dump (needs "
            "SUPERSET_URL and its credentials).",
        ),
    ] = True,
) -> None:
    """Dump Superset's metadata database (pg_dump -Fc), verified, plus the dashboard bundle."""
    with reported_errors():
        settings = settings_from()
        location = superset_location(
            settings,
            database_url=database_url,
            kube_pod=kube_pod,
            namespace=namespace,
            container=container,
            db_name=db_name,
            db_user=db_user,
        )
        destination = _s3(settings, s3, s3_prefix, settings.superset_backup_prefix)
        if output is None and destination is None:
            output = _default_output("superset")
        client = _client(settings) if bundle and settings.superset_url else None
        try:
            result = backup_superset(
                database_url=location if isinstance(location, DatabaseTarget) else None,
                kube=location if isinstance(location, KubeTarget) else None,
                output=output,
                s3=destination,
                keep=(keep or settings.backup_keep) if destination is not None else None,
                client=client,
                dashboard_slug=dashboard_slug(load_spec()),
                pg_bin=pg_bin or settings.pg_bin,
                encrypt_to=_recipients(settings, encrypt_to),
            )
        finally:
            if client is not None:
                client.close()
        _show_backup(result.dump)
        if result.bundle or result.bundle_s3_url:
            console.print(f"dashboard bundle: {result.bundle_s3_url or result.bundle}")
        elif bundle:
            err_console.print("[dim]no dashboard bundle (set SUPERSET_URL to keep one)[/]")


@app.command()
def restore(
    input: Annotated[
        Path,
        typer.Option("--input", "-i", help="Dump to restore (its .sha256 must be beside it)."),
    ],
    database_url: MetadataUrlOption = None,
    kube_pod: KubePodOption = None,
    namespace: NamespaceOption = None,
    container: ContainerOption = None,
    db_name: DbNameOption = None,
    db_user: DbUserOption = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Restore without asking (stop Superset first).")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Restore despite a newer PostgreSQL or open sessions."),
    ] = False,
    pg_bin: PgBinOption = None,
    identity: Annotated[
        Path | None,
        typer.Option(
            "--identity",
            help="age identity file to decrypt a .age dump (env: "
            "DCAT_QUALITY_BACKUP_AGE_IDENTITY_FILE).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Restore Superset's metadata DB (stop Superset first): checks, safety backup, restore."""
    with reported_errors():
        settings = settings_from()
        location = superset_location(
            settings,
            database_url=database_url,
            kube_pod=kube_pod,
            namespace=namespace,
            container=container,
            db_name=db_name,
            db_user=db_user,
        )
        if not yes and sys.stdin.isatty():
            err_console.print(
                f"[bold yellow]This replaces the content of {location.display} with {input}[/] "
                "(users, charts, dashboards, database connections). Superset must be stopped."
            )
            yes = typer.confirm("Restore now?", default=False, err=True)
        result = run_restore(
            input,
            database_url=location if isinstance(location, DatabaseTarget) else None,
            kube=location if isinstance(location, KubeTarget) else None,
            yes=yes,
            force=force,
            pg_bin=pg_bin or settings.pg_bin,
            identity_file=identity or settings.backup_age_identity_file,
        )
        for warning in result.warnings:
            err_console.print(f"[yellow]warning:[/] {warning}")
        table = Table(show_header=False, box=None)
        table.add_row("restored", f"{result.input} into {result.database} ({result.mode} mode)")
        table.add_row("safety backup", str(result.safety_backup.path))
        rows = ", ".join(f"{name} {count}" for name, count in result.rows.items())
        table.add_row("tables", f"{result.tables}" + (f" ({rows})" if rows else ""))
        table.add_row("duration", f"{result.seconds:.1f} s")
        console.print("[bold]Restore done[/] — start Superset again")
        console.print(table)
