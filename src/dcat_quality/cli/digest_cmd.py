"""``digest``: each publisher's digest of the latest run, written and optionally e-mailed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dcat_quality.cli._common import console, reported_errors, settings_from
from dcat_quality.cli.chain import _open_warehouse
from dcat_quality.digest import build_digests, deliver, write_digests


def digest(
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Folder for one HTML page and one CSV per publisher."),
    ] = Path("digests"),
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="E-mail each digest with news over SMTP (DCAT_QUALITY_SMTP_*), once per run "
            "and publisher.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --send: show who would get what, send nothing.")
    ] = False,
    to_contact_points: Annotated[
        bool,
        typer.Option(
            "--to-contact-points",
            help="Send to the contact-point e-mails of a publisher's datasets when the "
            "recipients file does not name it.",
        ),
    ] = False,
    recipients: Annotated[
        Path | None,
        typer.Option(
            "--recipients",
            help="YAML file 'Publisher: address(es)'.",
            envvar="DCAT_QUALITY_DIGEST_RECIPIENTS",
            show_envvar=True,
        ),
    ] = None,
) -> None:
    """Write each publisher's digest of the latest run: datasets that lost points (which
    checks), new datasets that fail, high-value-dataset gaps, the five fixes worth most.

    A publisher with nothing new gets nothing. --send e-mails the digests (STARTTLS and
    login, settings from the environment, .env or Vault); --dry-run shows who would get
    what.
    """
    with reported_errors():
        settings = settings_from(digest_recipients=recipients)
        warehouse, _target = _open_warehouse(settings)
        with warehouse:
            digests = build_digests(warehouse)
            if not digests:
                console.print("No digest: the warehouse has fewer than two succeeded runs.")
                return
            written = write_digests(digests, output)
            run_id = digests[0].run_id
            console.print(
                f"Run {run_id}: {len(written)} publisher(s) with news out of {len(digests)}; "
                f"digests written to [bold]{output}[/]"
            )
            if not send:
                return
            deliveries = deliver(
                warehouse,
                digests,
                settings,
                to_contact_points=to_contact_points,
                dry_run=dry_run,
            )
        table = Table("publisher", "recipients", "datasets", "status")
        for d in deliveries:
            if d.status != "no news":
                table.add_row(
                    d.publisher, ", ".join(d.recipients) or "—", str(d.datasets), d.status
                )
        console.print(table)
