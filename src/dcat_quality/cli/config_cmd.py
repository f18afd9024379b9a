"""``config``: the effective configuration, where each value came from, secrets hidden."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import typer
from pydantic import SecretStr, ValidationError
from rich.table import Table

from dcat_quality.cli._common import console, reported_errors
from dcat_quality.config import Origin, Settings, TracedSettings, env_name, trace_settings
from dcat_quality.errors import ConfigError
from dcat_quality.redaction import MASK, mask_url_passwords
from dcat_quality.warehouse.target import redact

#: Settings holding a PostgreSQL URL: shown with only the password masked.
_DATABASE_URLS = ("database_url", "metabase_database_url")


def shown_value(field: str, value: Any) -> str | None:
    """A setting's value as it may be printed: secrets ``***``, URL passwords masked."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        secret = value.get_secret_value()
        if field in _DATABASE_URLS and secret:
            return redact(secret.removeprefix("jdbc:"))
        return MASK
    return mask_url_passwords(str(value))


def configuration_rows(traced: TracedSettings) -> list[dict[str, Any]]:
    """One row per setting: standard name, name used, value (safe to print), origin."""
    rows = []
    for field in Settings.model_fields:
        origin = traced.origin(field)
        rows.append(
            {
                "setting": env_name(field),
                "field": field,
                "value": shown_value(field, getattr(traced.settings, field)),
                "origin": origin.value,
                "name": traced.names.get(field) if origin is not Origin.DEFAULT else None,
            }
        )
    return rows


def config(
    output_format: Annotated[
        Literal["table", "json"], typer.Option("--format", help="table or json.")
    ] = "table",
    only_set: Annotated[
        bool, typer.Option("--set", help="Only the settings not left at their default.")
    ] = False,
) -> None:
    """Print the effective configuration: every setting, its value (secrets as ***) and
    where it came from (command line, env, Vault, .env or default)."""
    with reported_errors():
        try:
            traced = trace_settings()
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"invalid configuration: {problems}") from None
        rows = configuration_rows(traced)
        if only_set:
            rows = [r for r in rows if r["origin"] != Origin.DEFAULT.value]
        if output_format == "json":
            console.print_json(
                json.dumps({"vault": traced.vault_location, "settings": rows}, ensure_ascii=False)
            )
            return
        table = Table("setting", "value", "origin")
        for row in rows:
            origin = row["origin"]
            if row["name"] and row["name"] != row["setting"]:
                origin += f" ({row['name']})"
            value = "—" if row["value"] is None else row["value"]
            table.add_row(
                row["setting"], value, origin, style="dim" if origin == "default" else None
            )
        console.print(table)
        if traced.vault_location:
            console.print(f"Vault: {traced.vault_location}")
