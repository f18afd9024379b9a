"""``explain``: why one dataset of the latest run scores what it scores."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer
from rich.table import Table

from dcat_quality.cli._common import console, reported_errors, settings_from
from dcat_quality.cli.chain import SourceOption, _open_warehouse, _source
from dcat_quality.explain import explain_dataset
from dcat_quality.quality.explain import Explanation, as_json

_STATUS = {True: "[green]passed[/]", False: "[red]failed[/]", None: "[dim]not measured[/]"}


def explain(
    dataset_id: Annotated[str, typer.Argument(help="The dataset's id, as the views show it.")],
    output_format: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text (default) or json.")
    ] = "text",
    source: SourceOption = None,
) -> None:
    """Every MQA check of one dataset of the latest run: passed, failed or not measured,
    its points, the values it looked at (and which distribution was best, and why), and
    how to fix it.

    The page the dataset came from is read again from the source (folders and S3 only:
    a DCAT endpoint or a CSW catalogue is not harvested again) to show the values; without
    it, the run's stored outcome is shown.
    """
    with reported_errors():
        settings = settings_from()
        location = source or settings.effective_source
        rereadable = location is None or not location.startswith(("http", "csw+"))
        warehouse, _target = _open_warehouse(settings)
        with warehouse:
            explanation = explain_dataset(
                warehouse, dataset_id, _source(settings, source) if rereadable else None
            )
    if output_format == "json":
        console.print_json(json.dumps(as_json(explanation), ensure_ascii=False))
    else:
        _print(explanation)


def _print(e: Explanation) -> None:
    console.print(f"[bold]{e.title or e.dataset_id}[/]  ({e.dataset_id})")
    console.print(
        f"run {e.run_id}: [bold]{e.total}[/] / {e.max_points} points, {e.rating} "
        f"({e.variant}); DCAT-AP {e.dcat_ap_version} shapes; known licences: {e.licence_list}"
    )
    console.print(f"best distribution: {e.best_distribution_id or '—'} — {e.best_reason}")
    if e.distributions:
        table = Table("position", "distribution", "total", "best", title="Distributions")
        for d in sorted(e.distributions, key=lambda d: d.position):
            table.add_row(str(d.position), d.distribution_id, str(d.total), "✓" if d.best else "")
        console.print(table)
    checks = Table("check", "status", "points", "on", "looked at", "how to fix", title="Checks")
    for c in e.checks:
        looked = "; ".join(f"{k}: {v}" for k, v in c.looked_at.items())
        checks.add_row(
            c.label,
            _STATUS[c.passed],
            f"{c.points_won}/{c.points}",
            "dataset" if c.on == "dataset" else "best distribution",
            looked,
            c.fix if c.passed is False else "",
        )
    console.print(checks)
    if e.violations:
        console.print(f"[bold]DCAT-AP {e.dcat_ap_version}[/] results:")
        for v in e.violations:
            console.print(f"  {v.severity}: {v.message}")
    for note in e.notes:
        console.print(f"[yellow]note[/]: {note}")
