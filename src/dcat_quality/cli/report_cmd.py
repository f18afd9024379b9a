"""``report``: the published run as one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from dcat_quality.cli._common import console, reported_errors, settings_from
from dcat_quality.cli.chain import _open_warehouse
from dcat_quality.report import build_report, write_report


def report(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="HTML file to write (replaced atomically).")
    ] = Path("report.html"),
    lang: Annotated[
        Literal["fr", "en"], typer.Option("--lang", help="Language of the report: fr or en.")
    ] = "fr",
) -> None:
    """Write the quality report of the published run: one HTML file that opens offline.

    Overall score and ratings, score by dimension, trend over runs, publishers ranked,
    what to fix first, the historical Ecosphères indicators and a section per publisher.
    """
    with reported_errors():
        settings = settings_from()
        warehouse, _target = _open_warehouse(settings)
        with warehouse:
            content = build_report(warehouse)
        path = write_report(content, output, lang)
    console.print(
        f"Report of run {content.run.run_id} ({content.run.score_variant}) written to "
        f"[bold]{path.resolve()}[/]"
    )
