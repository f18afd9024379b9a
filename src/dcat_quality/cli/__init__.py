"""The command line: thin wrappers that parse options, call the library, show progress.

One module per command group; library errors become one line on stderr and an exit code
(see ``ExitCode``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from dcat_quality._version import __version__
from dcat_quality.cli import (
    chain,
    config_cmd,
    db,
    digest_cmd,
    doctor_cmd,
    explain_cmd,
    metabase,
    quality,
    report_cmd,
    sample,
    superset,
)
from dcat_quality.cli._common import console, setup_logging

app = typer.Typer(
    name="dcat-quality",
    help="Metadata-quality observatory for DCAT catalogs: read the dump, score every "
    "dataset, publish the results in PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        console.print(f"dcat-quality {__version__}")
        raise typer.Exit


@app.callback()
def _main(
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            envvar="DCAT_QUALITY_LOG_LEVEL",
            show_envvar=True,
            help="Logging level (debug, info, warning, error).",
        ),
    ] = "warning",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    setup_logging(log_level)


app.command()(chain.run)
app.command()(chain.extract)
app.command()(chain.transform)
app.command()(chain.load)
app.command()(sample.sample)
app.command()(chain.links)
app.command()(quality.indicators)
app.command()(explain_cmd.explain)
app.command()(report_cmd.report)
app.command()(digest_cmd.digest)
app.command()(config_cmd.config)
app.command()(doctor_cmd.doctor)
app.add_typer(quality.export_app, name="export")
app.add_typer(db.app, name="db")
app.add_typer(metabase.app, name="metabase")
app.add_typer(superset.app, name="superset")


def main() -> None:
    """Console-script entry point."""
    app()
