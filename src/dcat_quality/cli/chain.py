"""``run`` (the whole chain) and the manual mode ``extract`` / ``transform`` / ``load``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from dcat_quality._version import __version__
from dcat_quality.cli._common import (
    ExitCode,
    console,
    err_console,
    reported_errors,
    settings_from,
    sigterm_as_interrupt,
)
from dcat_quality.config import Settings
from dcat_quality.dcat.records import ParsedPage
from dcat_quality.errors import ConfigError
from dcat_quality.link_stage import refresh_link_cache
from dcat_quality.pipeline import PageFailure, PageOutcome, RunResult, parse_pages, run_chain
from dcat_quality.quality import ecospheres
from dcat_quality.quality.links import LinkResult
from dcat_quality.quality.profile import ScoringProfile
from dcat_quality.sources import PageRef, Source, open_sources, require_pages
from dcat_quality.tabular import (
    INDICATOR_COLUMNS,
    RECORD_COLUMNS,
    indicator_row,
    read_table,
    record_row,
    row_record,
    write_table,
)
from dcat_quality.warehouse import (
    DatabaseTarget,
    RunCounts,
    Shard,
    Warehouse,
    resolve_database,
)
from dcat_quality.warehouse.embedded import psql_uri

SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        "-s",
        help="Folder, file, s3://bucket/prefix, https:// DCAT endpoint (Hydra-paged) or "
        "csw+https:// CSW catalogue to read (env: DCAT_QUALITY_SOURCE; "
        "default: s3://$BUCKET_NAME/DUMP_INTEGRATION_JSON/ when BUCKET_NAME is set, "
        "else the demo sample shipped with the package).",
        show_default=False,
    ),
]
SourcesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        "-s",
        metavar="LOCATION",
        help="Folder, file, s3://bucket/prefix, https:// DCAT endpoint (Hydra-paged) or "
        "csw+https:// CSW catalogue to read; repeat it to score several in one run, e.g. a "
        "catalogue at its source and where it is harvested (env: DCAT_QUALITY_SOURCE, one "
        "location; default: s3://$BUCKET_NAME/DUMP_INTEGRATION_JSON/ when BUCKET_NAME is "
        "set, else the demo sample shipped with the package).",
        show_default=False,
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        "-w",
        min=1,
        help="Parser processes (env: DCAT_QUALITY_WORKERS; default: the CPUs this process "
        "may use, a container's CPU quota included).",
        show_default=False,
    ),
]


def demo_source() -> Path:
    """The small generated dump shipped with the package, for the no-configuration demo."""
    return Path(str(files("dcat_quality").joinpath("demo_data")))


def _source(settings: Settings, source: str | None) -> Source:
    return _sources(settings, [source] if source else None)


def _sources(settings: Settings, sources: list[str] | None) -> Source:
    locations = list(sources or [])
    if not locations and settings.effective_source:
        locations = [settings.effective_source]
    if not locations:
        location = str(demo_source())
        err_console.print(f"[dim]no source configured: reading the demo sample {location}[/]")
        locations = [location]
    return open_sources(locations, settings)


def _open_warehouse(settings: Settings) -> tuple[Warehouse, DatabaseTarget]:
    target = resolve_database(settings)
    if target.embedded:
        err_console.print(
            f"[dim]no database configured: using the embedded PostgreSQL in "
            f"{settings.home / 'postgres'}[/]"
        )
    warehouse = Warehouse.open(target, schema=settings.schema_name, keep_runs=settings.keep_runs)
    return warehouse, target


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages · {task.fields[datasets]} datasets · {task.fields[rejected]} rejected"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def _summary(result: RunResult, target: DatabaseTarget, schema: str) -> Table:
    c = result.counts
    table = Table(
        title=f"Run {result.run_id} — {result.status}", show_header=False, title_justify="left"
    )
    table.add_column("what", style="bold")
    table.add_column("value")
    rate = c.datasets_read / result.duration_s if result.duration_s > 0 else 0.0
    table.add_row("source", result.source)
    table.add_row(
        "pages",
        f"{c.pages_read} read, {c.pages_rejected} rejected"
        + (f", {result.empty_pages} without any dataset" if result.empty_pages else ""),
    )
    table.add_row(
        "datasets",
        f"{c.datasets_read} read = {c.datasets_loaded} loaded + {c.datasets_rejected} rejected",
    )
    table.add_row(
        "mean fill rate",
        f"{result.mean_fill_rate:.1f} %" if result.mean_fill_rate is not None else "—",
    )
    if result.mean_score is not None:
        ratings = ", ".join(
            f"{name} {result.ratings[name]}"
            for name in ("excellent", "good", "sufficient", "bad")
            if result.ratings.get(name)
        )
        table.add_row(
            "MQA score",
            f"mean {result.mean_score:.0f} / {result.mean_max_points:.0f} points "
            f"({result.score_variant}); {ratings}",
        )
        table.add_row(
            "scored with",
            f"DCAT-AP {result.dcat_ap_version} shapes; known licences: {result.licence_list}",
        )
    if result.incremental:
        table.add_row(
            "reused",
            f"{result.pages_skipped} unchanged pages not parsed, {result.datasets_reused} "
            "unchanged datasets neither scored nor written",
        )
    else:
        table.add_row("reused", "nothing (--full: everything recomputed)")
    table.add_row("duration", f"{result.duration_s:.1f} s ({rate:,.0f} datasets/s)")
    if result.skipped_objects:
        table.add_row("skipped objects", f"{len(result.skipped_objects)} (not dump pages)")
    table.add_row(
        "data",
        f"{target.display}, schema {schema!r} (views datasets, "
        "distributions, dataset_keywords, …; rejections in rejections)",
    )
    return table


def run(
    source: SourcesOption = None,
    workers: WorkersOption = None,
    allow_rejections: Annotated[
        bool,
        typer.Option(
            "--allow-rejections",
            help="Exit 0 even when pages or datasets were quarantined (default: exit 3).",
        ),
    ] = False,
    check_links: Annotated[
        bool,
        typer.Option(
            "--check-links",
            help="Score the accessURL/downloadURL status checks: first refresh the link-check "
            "cache for the published run's URLs (older than DCAT_QUALITY_LINK_MAX_AGE_HOURS), "
            "then score from it. Without it those two checks are 'not measured'.",
        ),
    ] = False,
    shard_count: Annotated[
        int | None,
        typer.Option(
            "--shard-count",
            min=1,
            envvar="DCAT_QUALITY_SHARDS",
            show_envvar=True,
            help="Load one shard of a run split across this many processes (Kubernetes "
            "Indexed Job); the last shard to finish publishes.",
        ),
    ] = None,
    shard_index: Annotated[
        int | None,
        typer.Option(
            "--shard-index",
            min=0,
            envvar="JOB_COMPLETION_INDEX",
            show_envvar=True,
            help="Which shard this process loads: pages index, index + count, …",
        ),
    ] = None,
    run_key: Annotated[
        str | None,
        typer.Option(
            "--run-key",
            envvar="DCAT_QUALITY_RUN_KEY",
            show_envvar=True,
            help="Key shared by the shards of one run (e.g. the Job name).",
        ),
    ] = None,
    no_wait: Annotated[
        bool,
        typer.Option(
            "--no-wait",
            help="Refuse to start (exit 1) when another run holds the warehouse "
            "lock, instead of waiting for it.",
        ),
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Recompute everything: parse every page and score every dataset, even "
            "those unchanged since the published run (by default they are reused).",
        ),
    ] = False,
) -> None:
    """Run the whole chain: read the dump, compute the indicators, publish them in PostgreSQL.

    Bad pages are quarantined in the `rejections` table and the run goes on; the data is
    published in one short transaction only when the run completes, so a failed run leaves
    the previous data untouched. Incremental: unchanged pages are not parsed again and
    unchanged datasets neither scored nor written (--full recomputes everything). Exit
    codes: 0 done, 3 done with rejections, 1 failed, 130 interrupted.
    """
    with reported_errors(), sigterm_as_interrupt():
        settings = settings_from(workers=workers)
        shard = None
        if shard_count is not None:
            if shard_index is None or not run_key:
                raise ConfigError(
                    "--shard-count needs --shard-index (or JOB_COMPLETION_INDEX) and "
                    "--run-key (or DCAT_QUALITY_RUN_KEY)"
                )
            shard = Shard(run_key, shard_index, shard_count)
        src = _sources(settings, source)
        warehouse, target = _open_warehouse(settings)
        with warehouse:
            link_status = refresh_links(warehouse, settings) if check_links else None
            with _progress() as progress:
                task = progress.add_task("reading", total=None, datasets=0, rejected=0)
                totals = {"datasets": 0, "rejected": 0}

                def on_listing(refs: list[PageRef]) -> None:
                    progress.update(task, total=len(refs))

                def on_page(outcome: PageOutcome) -> None:
                    totals["datasets"] += outcome.loaded
                    totals["rejected"] += (outcome.datasets - outcome.loaded) + (
                        1 if outcome.failure else 0
                    )
                    progress.update(
                        task, advance=1, datasets=totals["datasets"], rejected=totals["rejected"]
                    )

                result = run_chain(
                    src,
                    warehouse,
                    workers=settings.workers,
                    on_listing=on_listing,
                    on_page=on_page,
                    wait_for_lock=not no_wait,
                    link_status=link_status,
                    shard=shard,
                    profile=ScoringProfile.of(settings.dcat_ap_version, settings.licence_extras),
                    full=full,
                )
        console.print(_summary(result, target, settings.schema_name))
        for failure in result.failures[:10]:
            err_console.print(f"[yellow]rejected[/] {failure.message}")
        if len(result.failures) > 10:
            err_console.print(f"… and {len(result.failures) - 10} more (table rejections)")
        if target.embedded:
            console.print(f"Connect with: [bold]psql {psql_uri(target)}[/]")
        if result.anything_rejected and not allow_rejections:
            raise typer.Exit(int(ExitCode.REJECTED))


def refresh_links(warehouse: Warehouse, settings: Settings) -> dict[str, int]:
    """Run the link-check stage with a progress bar; return the cache as URL → code."""
    with Progress(
        TextColumn("[bold]checking links"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failing"),
        TimeElapsedColumn(),
        console=err_console,
    ) as progress:
        task = progress.add_task("links", total=None, failed=0)
        failed = 0

        def on_result(result: LinkResult) -> None:
            nonlocal failed
            failed += not result.ok
            progress.update(task, advance=1, failed=failed)

        stage = refresh_link_cache(
            warehouse,
            max_age=timedelta(hours=settings.link_max_age_hours),
            per_host=settings.link_per_host,
            delay=settings.link_delay,
            timeout=settings.link_timeout,
            on_listing=lambda n: progress.update(task, total=n),
            on_result=on_result,
        )
    err_console.print(
        f"links: {stage.checked} checked ({stage.ok} answering 2xx, {stage.failed} not), "
        f"{stage.cached} in the cache"
    )
    return warehouse.link_codes()


def links() -> None:
    """Check the accessURL and downloadURL of the published run (the link-check stage).

    URLs never checked, or checked longer ago than DCAT_QUALITY_LINK_MAX_AGE_HOURS, get an
    HTTP HEAD (GET for OGC services and servers refusing HEAD), with per-host limits
    and a politeness delay. Results go to the link_checks table; `run --check-links`
    scores from them.
    """
    with reported_errors():
        settings = settings_from()
        warehouse, _ = _open_warehouse(settings)
        with warehouse:
            refresh_links(warehouse, settings)


def _parsed(src: Source, workers: int) -> Iterator[tuple[PageRef, ParsedPage | PageFailure]]:
    refs = require_pages(src)
    with _progress() as progress:
        task = progress.add_task("reading", total=len(refs), datasets=0, rejected=0)
        datasets = rejected = 0
        for ref, parsed in parse_pages(src, refs, workers=workers):
            if isinstance(parsed, PageFailure):
                rejected += 1
            else:
                datasets += len(parsed.datasets)
            progress.update(task, advance=1, datasets=datasets, rejected=rejected)
            yield ref, parsed


def extract(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Table to write: .csv (';'-separated) or .parquet."),
    ],
    source: SourceOption = None,
    workers: WorkersOption = None,
) -> None:
    """Manual mode, step 1: read the dump into a table, one row per dataset.

    Rejected pages are listed in <output>.rejections.csv. Lists and distributions are
    stored as JSON text so `transform` and `load` read the records back exactly.
    """
    with reported_errors():
        settings = settings_from(workers=workers)
        src = _source(settings, source)
        failures: list[PageFailure] = []

        def rows() -> Iterator[dict[str, str | None]]:
            for ref, parsed in _parsed(src, settings.workers):
                if isinstance(parsed, PageFailure):
                    failures.append(parsed)
                    continue
                for record in parsed.datasets:
                    yield record_row(record, ref.key)

        count = write_table(output, RECORD_COLUMNS, rows())
        _write_rejections(output, failures)
        console.print(
            f"{count} datasets written to [bold]{output}[/]"
            + (f", {len(failures)} pages rejected" if failures else "")
        )
        if failures:
            raise typer.Exit(int(ExitCode.REJECTED))


def _write_rejections(output: Path, failures: list[PageFailure]) -> None:
    path = output.with_name(output.name + ".rejections.csv")
    if not failures:
        path.unlink(missing_ok=True)
        return
    write_table(
        path,
        ["file", "position", "reason"],
        ({"file": f.file, "position": f.position, "reason": f.message} for f in failures),
    )
    for failure in failures[:10]:
        err_console.print(f"[yellow]rejected[/] {failure.message}")


def transform(
    input_path: Annotated[Path, typer.Option("--input", "-i", help="Table written by `extract`.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Processed table to write (.csv or .parquet).")
    ],
) -> None:
    """Manual mode, step 2: add the historical Ecosphères indicators to each row."""
    with reported_errors():

        def rows() -> Iterator[dict[str, str | None]]:
            for where, row in read_table(input_path):
                record = row_record(row, where)
                yield {
                    **record_row(record, row.get("source_file") or ""),
                    **indicator_row(ecospheres.compute(record)),
                }

        count = write_table(output, RECORD_COLUMNS + INDICATOR_COLUMNS, rows())
        console.print(f"{count} datasets with indicators written to [bold]{output}[/]")


def load(
    input_path: Annotated[
        Path, typer.Option("--input", "-i", help="Table written by `extract` or `transform`.")
    ],
) -> None:
    """Manual mode, step 3: load a table into the warehouse and publish it as one run.

    Indicators are recomputed from the records, so the warehouse never holds values
    that disagree with them.
    """
    with reported_errors(), sigterm_as_interrupt():
        if not input_path.is_file():
            raise ConfigError(f"{input_path}: no such file")
        settings = settings_from()
        warehouse, target = _open_warehouse(settings)
        started = time.monotonic()
        with warehouse:
            run_id = warehouse.begin_run(f"file {input_path}", __version__)
            read = 0
            try:
                with warehouse.loader(run_id) as loader:
                    for where, row in read_table(input_path):
                        record = row_record(row, where)
                        read += 1
                        loader.add(
                            record,
                            ecospheres.compute(record),
                            row.get("source_file") or str(input_path),
                        )
                    loaded, duplicates = loader.loaded, loader.duplicates
                warehouse.publish(run_id, RunCounts(0, 0, read, loaded, duplicates))
            except BaseException as exc:
                warehouse.fail(
                    run_id,
                    str(exc),
                    status="interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                )
                raise
        console.print(
            f"run {run_id}: {read} datasets read, {loaded} loaded and published"
            + (f", {duplicates} duplicates rejected" if duplicates else "")
            + " in "
            f"{time.monotonic() - started:.1f} s — {target.display}"
        )
