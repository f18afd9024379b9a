"""``metabase``: dashboards provisioned (``metabase_provision``), Metabase's application
database backed up and restored, and the warehouse backup.

The warehouse backup lives here (``metabase backup-warehouse``) because it shares the
machinery and because the historical "Metabase config" CronJob really dumped the
warehouse: its explicit name keeps the two from being confused again.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dcat_quality.backup import (
    BackupResult,
    S3Destination,
    backup_warehouse,
    metabase_location,
)
from dcat_quality.backup import backup as run_backup
from dcat_quality.backup import restore as run_restore
from dcat_quality.cli import metabase_provision
from dcat_quality.cli._common import console, err_console, reported_errors, settings_from
from dcat_quality.config import Settings
from dcat_quality.warehouse import resolve_database
from dcat_quality.warehouse.target import DatabaseTarget

app = typer.Typer(
    help="Metabase: provision the dashboards, back up and restore its application "
    "database (and back up the warehouse).",
    no_args_is_help=True,
)
app.command()(metabase_provision.provision)

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Direct mode: Metabase's database URL (env: METABASE_DATABASE_URL or "
        "MB_DB_CONNECTION_URI; prefer the env, a password here shows in the process list).",
        show_default=False,
    ),
]
KubePodOption = Annotated[
    str | None,
    typer.Option(
        "--kube-pod",
        help="Kube mode: run pg_dump/pg_restore in this pod via kubectl exec (env: "
        "KUBE_POD_NAME; SSPCloud: metabase-db-0). The password goes through stdin.",
        show_default=False,
    ),
]
NamespaceOption = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        help="Namespace of the pod (env: DCAT_QUALITY_KUBE_NAMESPACE).",
        show_default=False,
    ),
]
ContainerOption = Annotated[
    str | None,
    typer.Option(
        "--container",
        "-c",
        help="Container of the pod (env: DCAT_QUALITY_KUBE_CONTAINER).",
        show_default=False,
    ),
]
DbNameOption = Annotated[
    str | None,
    typer.Option(
        "--db-name",
        help="Kube mode: database inside the pod (env: MB_DB_DBNAME, else POSTGRES_DB).",
        show_default=False,
    ),
]
DbUserOption = Annotated[
    str | None,
    typer.Option(
        "--db-user",
        help="Kube mode: database user (env: MB_DB_USER, else POSTGRES_USER; default "
        "postgres). The password is only read from MB_DB_PASS or POSTGRES_PASSWORD.",
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Dump file to write (replaced atomically), with .sha256 and .json beside it. "
        "Default without --s3: ./<kind>-YYYYmmddTHHMMSSZ.dump.",
        show_default=False,
    ),
]
S3Option = Annotated[
    bool,
    typer.Option(
        "--s3/--no-s3",
        help="Also upload to s3://$DCAT_QUALITY_BACKUP_BUCKET/<prefix>/ under a dated key "
        "(bucket default: BUCKET_NAME).",
    ),
]
S3PrefixOption = Annotated[
    str | None,
    typer.Option(
        "--s3-prefix",
        help="Key prefix in the backup bucket; implies --s3 (env: DCAT_QUALITY_BACKUP_PREFIX, "
        "or DCAT_QUALITY_WAREHOUSE_BACKUP_PREFIX for the warehouse).",
        show_default=False,
    ),
]
KeepOption = Annotated[
    int | None,
    typer.Option(
        "--keep",
        min=1,
        help="Keep the N newest dated backups in S3, delete older ones of ours (env: "
        "DCAT_QUALITY_BACKUP_KEEP; default: keep all).",
        show_default=False,
    ),
]
EncryptToOption = Annotated[
    list[str] | None,
    typer.Option(
        "--encrypt-to",
        help="Encrypt the backup with age to this public key (age1…; repeatable): writes "
        "<dump>.age, never the clear dump (env: DCAT_QUALITY_BACKUP_AGE_RECIPIENTS, "
        'comma-separated; needs pip install "dcat-quality[encryption]").',
        show_default=False,
    ),
]


def _recipients(settings: Settings, encrypt_to: list[str] | None) -> list[str]:
    if encrypt_to:
        return list(encrypt_to)
    return [settings.backup_age_recipients] if settings.backup_age_recipients else []


PgBinOption = Annotated[
    Path | None,
    typer.Option(
        "--pg-bin",
        help="Folder of the pg_dump/pg_restore to use (env: DCAT_QUALITY_PG_BIN).",
        show_default=False,
    ),
]


def _s3(
    settings: Settings, enabled: bool, prefix: str | None, default: str
) -> S3Destination | None:
    if not enabled and prefix is None:
        return None
    return S3Destination.from_settings(settings, prefix=prefix if prefix is not None else default)


def _default_output(kind: str) -> Path:
    return Path(f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump")


def _show_backup(result: BackupResult) -> None:
    table = Table(show_header=False, box=None)
    if result.path is not None:
        table.add_row("file", str(result.path))
    if result.s3_url:
        table.add_row("s3", result.s3_url)
    table.add_row("database", f"{result.database} ({result.mode} mode)")
    table.add_row("size", f"{result.size:,} bytes")
    table.add_row(
        "sha256", result.sha256 + (" (of the encrypted file)" if result.encryption else "")
    )
    if result.encryption:
        table.add_row("encryption", result.encryption)
    table.add_row("PostgreSQL", f"server {result.server_version}, pg_dump {result.pg_dump_version}")
    if result.metabase_schema is not None:
        table.add_row(
            "Metabase",
            f"schema v{result.metabase_schema} ({result.metabase_version}), last changeset "
            f"{result.metabase_changeset}",
        )
    rows = ", ".join(f"{name} {count}" for name, count in result.rows.items())
    table.add_row("tables", f"{result.tables}" + (f" ({rows})" if rows else ""))
    for url in result.pruned:
        table.add_row("pruned", url)
    console.print(f"[bold]Backup verified[/] ({result.archive_entries} archive entries)")
    console.print(table)


@app.command()
def backup(
    database_url: DatabaseUrlOption = None,
    kube_pod: KubePodOption = None,
    namespace: NamespaceOption = None,
    container: ContainerOption = None,
    db_name: DbNameOption = None,
    db_user: DbUserOption = None,
    output: OutputOption = None,
    s3: S3Option = False,
    s3_prefix: S3PrefixOption = None,
    keep: KeepOption = None,
    pg_bin: PgBinOption = None,
    encrypt_to: EncryptToOption = None,
    only_in_shard: Annotated[
        int | None,
        typer.Option(
            "--only-in-shard",
            min=0,
            help="In a sharded Job (Indexed Job, one pod per shard), back up only in the pod "
            "whose JOB_COMPLETION_INDEX is this; the other pods skip (exit 0).",
        ),
    ] = None,
) -> None:
    """Dump Metabase's application database (pg_dump -Fc), verified, to a file and/or S3."""
    index = os.environ.get("JOB_COMPLETION_INDEX")
    if only_in_shard is not None and index is not None and index != str(only_in_shard):
        console.print(f"backup skipped: it runs in shard {only_in_shard}, this is shard {index}")
        return
    with reported_errors():
        settings = settings_from()
        location = metabase_location(
            settings,
            database_url=database_url,
            kube_pod=kube_pod,
            namespace=namespace,
            container=container,
            db_name=db_name,
            db_user=db_user,
        )
        destination = _s3(settings, s3, s3_prefix, settings.backup_prefix)
        if output is None and destination is None:
            output = _default_output("metabase")
        result = run_backup(
            database_url=location if isinstance(location, DatabaseTarget) else None,
            kube=None if isinstance(location, DatabaseTarget) else location,
            output=output,
            s3=destination,
            keep=(keep or settings.backup_keep) if destination is not None else None,
            pg_bin=pg_bin or settings.pg_bin,
            encrypt_to=_recipients(settings, encrypt_to),
        )
        _show_backup(result)


@app.command()
def restore(
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            "-i",
            help="Dump to restore (its .sha256 must be beside it); a .age dump is decrypted "
            "with --identity after its checksum is verified.",
            exists=False,
        ),
    ],
    database_url: DatabaseUrlOption = None,
    kube_pod: KubePodOption = None,
    namespace: NamespaceOption = None,
    container: ContainerOption = None,
    db_name: DbNameOption = None,
    db_user: DbUserOption = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Confirm: the restore replaces Metabase's content."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Restore despite a newer PostgreSQL or Metabase in the dump, or open sessions.",
        ),
    ] = False,
    allow_unverified: Annotated[
        bool,
        typer.Option("--allow-unverified", help="Restore a dump that has no .sha256 beside it."),
    ] = False,
    pg_bin: PgBinOption = None,
    identity: Annotated[
        Path | None,
        typer.Option(
            "--identity",
            help="age identity file (private key, e.g. from age-keygen) to decrypt a .age "
            "dump (env: DCAT_QUALITY_BACKUP_AGE_IDENTITY_FILE).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Restore Metabase's app DB (stop Metabase first): checks, safety backup, pg_restore."""
    with reported_errors():
        settings = settings_from()
        location = metabase_location(
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
                f"[bold yellow]This replaces the content of {location.display} with "
                f"{input}[/] (users, questions, dashboards, settings). Metabase must be "
                "stopped."
            )
            yes = typer.confirm("Restore now?", default=False, err=True)
        result = run_restore(
            input,
            database_url=location if isinstance(location, DatabaseTarget) else None,
            kube=None if isinstance(location, DatabaseTarget) else location,
            yes=yes,
            force=force,
            allow_unverified=allow_unverified,
            pg_bin=pg_bin or settings.pg_bin,
            identity_file=identity or settings.backup_age_identity_file,
        )
        for warning in result.warnings:
            err_console.print(f"[yellow]warning:[/] {warning}")
        table = Table(show_header=False, box=None)
        table.add_row("restored", f"{result.input} into {result.database} ({result.mode} mode)")
        table.add_row(
            "checksum", "verified" if result.checksum_verified else "not verified (no .sha256)"
        )
        table.add_row("safety backup", str(result.safety_backup.path))
        table.add_row(
            "PostgreSQL",
            f"dump {result.dump_server_version}, target {result.target_server_version}",
        )
        if result.metabase_schema is not None or result.dump_metabase_schema is not None:
            table.add_row(
                "Metabase schema",
                f"dump v{result.dump_metabase_schema}, target before "
                f"v{result.target_metabase_schema_before}, now v{result.metabase_schema}",
            )
        rows = ", ".join(f"{name} {count}" for name, count in result.rows.items())
        table.add_row("tables", f"{result.tables}" + (f" ({rows})" if rows else ""))
        table.add_row("duration", f"{result.seconds:.1f} s")
        console.print("[bold]Restore done[/] — start Metabase again; it migrates forward if needed")
        console.print(table)


@app.command("backup-warehouse")
def backup_warehouse_command(
    output: OutputOption = None,
    s3: S3Option = False,
    s3_prefix: S3PrefixOption = None,
    keep: KeepOption = None,
    pg_bin: PgBinOption = None,
    encrypt_to: EncryptToOption = None,
) -> None:
    """Dump the warehouse (DATABASE_URL, POSTGRES_*, PG*, or the embedded server)."""
    with reported_errors():
        settings = settings_from()
        destination = _s3(settings, s3, s3_prefix, settings.warehouse_backup_prefix)
        if output is None and destination is None:
            output = _default_output("warehouse")
        result = backup_warehouse(
            database_url=resolve_database(settings),
            output=output,
            s3=destination,
            keep=(keep or settings.backup_keep) if destination is not None else None,
            pg_bin=pg_bin or settings.pg_bin,
            encrypt_to=_recipients(settings, encrypt_to),
        )
        _show_backup(result)
