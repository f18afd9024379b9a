"""``doctor``: check every configured service and say how to fix what fails."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Literal

import typer
from rich.table import Table

from dcat_quality.cli._common import ExitCode, console, reported_errors
from dcat_quality.doctor import DEFAULT_TIMEOUT, Status, run_doctor

_MARKS = {Status.PASSED: "[green]✔[/]", Status.FAILED: "[red]✘[/]", Status.SKIPPED: "–"}


def doctor(
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each service.", min=0.5)
    ] = DEFAULT_TIMEOUT,
    output_format: Annotated[
        Literal["table", "json"], typer.Option("--format", help="table or json.")
    ] = "table",
) -> None:
    """Check the configuration, Vault, S3, PostgreSQL, pg_dump, Metabase and Superset; exit 1
    when a configured check fails (each ✘ comes with its fix)."""
    with reported_errors():
        report = run_doctor(timeout=timeout)
    if output_format == "json":
        console.print_json(
            json.dumps({"ok": report.ok, "checks": [asdict(c) for c in report.checks]})
        )
    else:
        table = Table("", "check", "result", "fix")
        for check in report.checks:
            table.add_row(_MARKS[check.status], check.name, check.detail, check.fix)
        console.print(table)
        failed = len(report.failed)
        console.print(
            "all configured checks passed" if report.ok else f"[red]{failed} check(s) failed[/]"
        )
    if not report.ok:
        raise typer.Exit(int(ExitCode.FAILED))
