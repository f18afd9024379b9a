"""``indicators`` (the registry) and ``export dqv`` (the measurements as W3C DQV)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from dcat_quality.cli._common import console, reported_errors, settings_from
from dcat_quality.errors import ConfigError
from dcat_quality.quality.builtin import default_registry
from dcat_quality.quality.dqv import measurement_triples, run_node, run_triples, write_dqv
from dcat_quality.warehouse import Warehouse, resolve_database

export_app = typer.Typer(help="Export the published measurements.", no_args_is_help=True)


def indicators(
    family: Annotated[
        str | None, typer.Option(help="Only this family: mqa, ecospheres or hvd.")
    ] = None,
    output_format: Annotated[
        Literal["table", "json"], typer.Option("--format", help="table or json.")
    ] = "table",
) -> None:
    """List the quality indicators: id, dimension, points, label and how to fix a failure."""
    with reported_errors():
        items = [i for i in default_registry() if family is None or i.family == family]
        if not items:
            raise ConfigError(f"no indicator in the family {family!r}: use mqa, ecospheres or hvd")
        if output_format == "json":
            console.print_json(
                json.dumps(
                    [
                        {
                            "id": i.id,
                            "family": i.family,
                            "dimension": i.dimension,
                            "points": i.points,
                            "level": i.level,
                            "label_fr": i.label_fr,
                            "label_en": i.label_en,
                            "rationale": i.rationale,
                            "fix_hint_fr": i.fix_hint_fr,
                            "dcat_property": i.dcat_property,
                            "metric_iri": i.metric_iri,
                        }
                        for i in items
                    ],
                    ensure_ascii=False,
                )
            )
            return
        table = Table("id", "dimension", "points", "libellé", "comment corriger", show_lines=True)
        for i in items:
            table.add_row(i.id, i.dimension, str(i.points), i.label_fr, i.fix_hint_fr)
        console.print(table)
        console.print(
            f"{len(items)} indicators; MQA total "
            f"{sum(i.points for i in items if i.family == 'mqa')} points"
        )


@export_app.command("dqv")
def export_dqv(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    output_format: Annotated[
        Literal["turtle", "jsonld"] | None,
        typer.Option("--format", help="turtle or jsonld (default: from the file name)."),
    ] = None,
) -> None:
    """Write the published run's measurements as W3C DQV (Turtle or JSON-LD)."""
    with reported_errors():
        fmt = output_format or ("jsonld" if output.suffix in (".jsonld", ".json") else "turtle")
        settings = settings_from()
        with Warehouse.open(
            resolve_database(settings), schema=settings.schema_name, keep_runs=settings.keep_runs
        ) as warehouse:
            run = warehouse.published_run()
            if run is None:
                raise ConfigError("no published run yet: run `dcat-quality run` first")
            when = run.finished_at or run.started_at
            facts = warehouse.scoring_facts(run.run_id)
            triples = itertools.chain(
                run_triples(run.run_id, facts),
                measurement_triples(
                    warehouse.iter_check_results(),
                    warehouse.iter_scores(),
                    when,
                    run_node(run.run_id),
                ),
            )
            write_dqv(triples, output, fmt)
        console.print(f"DQV measurements of run {run.run_id} written to [bold]{output}[/]")
