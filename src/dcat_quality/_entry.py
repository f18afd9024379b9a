"""The ``dcat-quality`` console script's entry point, importing the CLI only when called.

The parse workers are started with multiprocessing's forkserver, which re-runs the
parent's main script in every worker (as ``__mp_main__``). Had the script imported
``dcat_quality.cli`` at the top, each worker would load typer, rich, boto3, psycopg and
pydantic for nothing: about 45 MB more per worker.
"""

from __future__ import annotations


def main() -> None:
    """Run the command line."""
    from dcat_quality.cli import main as cli_main  # noqa: PLC0415 - the point of this module

    cli_main()
