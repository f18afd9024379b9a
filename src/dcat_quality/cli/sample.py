"""``sample``: write a realistic generated dump."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from dcat_quality.cli._common import console, reported_errors
from dcat_quality.sample import write_sample


def sample(
    datasets: Annotated[
        int, typer.Option("--datasets", "-n", min=1, help="Number of datasets to generate.")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the pages into.")],
    fmt: Annotated[
        Literal["jsonld", "ttl", "rdfxml"],
        typer.Option("--format", "-f", help="Serialisation of the pages."),
    ] = "jsonld",
    page_size: Annotated[
        int, typer.Option("--page-size", min=1, help="Datasets per page (CKAN serves 100).")
    ] = 100,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same bytes.")] = 42,
    gzip: Annotated[bool, typer.Option("--gzip", help="Write .gz pages.")] = False,
    bad_pages: Annotated[
        bool,
        typer.Option(
            "--bad-pages/--no-bad-pages",
            help="Add a few broken pages (about 1 in 50), as real dumps have.",
        ),
    ] = True,
) -> None:
    """Write a generated dump shaped like the Ecosphères CKAN pages (deterministic).

    Hydra paging, blank nodes, French labels, missing fields at real-world rates, and a
    few bad pages, for demos, tests and benchmarks.
    """
    with reported_errors():
        summary = write_sample(
            output,
            datasets=datasets,
            fmt=fmt,
            seed=seed,
            page_size=page_size,
            bad_pages=bad_pages,
            gzip=gzip,
        )
        console.print(
            f"{summary.datasets} datasets in {summary.good_pages} pages"
            + (f" (+{len(summary.bad_pages)} bad pages)" if summary.bad_pages else "")
            + f" written to [bold]{summary.output}[/]"
        )
