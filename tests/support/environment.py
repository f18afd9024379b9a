"""Which environment variables the tests clear, derived from what the code reads.

A developer's shell (or CI's machine) may hold a warehouse URL, S3 keys, a Vault token…;
a test that read them would pass or fail by accident, or write into a real warehouse. The
list is not written by hand: it is every name of every setting (``Settings``' aliases),
every environment variable of a command-line option (``envvar=``), and every variable of
the families that the libraries under the code read wholesale (libpq's ``PG*``,
botocore's ``AWS_*``, hvac's ``VAULT_*``, Superset's ``SUPERSET_*``) or that are ours
(``DCAT_QUALITY_*``). A new setting is isolated the day it is declared;
``tests/test_isolation.py`` fails when the code reads a variable some other way that
escapes this list.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
import typer
from pydantic import AliasChoices

#: Families read wholesale: libpq (psycopg), botocore (boto3), hvac, Superset (its
#: configuration, and ``make superset``'s port), and our own names.
PREFIXES = ("PG", "AWS_", "VAULT_", "SUPERSET_", "DCAT_QUALITY_")

#: Read by the code outside the settings model: the default data folder's base.
OTHER_NAMES = ("XDG_DATA_HOME",)

#: libpq's variables a deployment may set for the warehouse (psycopg reads them).
LIBPQ_NAMES = ("PGPASSWORD", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER")


def setting_names() -> frozenset[str]:
    """Every environment name of every setting (all aliases, standard and historical)."""
    from dcat_quality.config import Settings

    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if not isinstance(alias, AliasChoices):
            raise TypeError(f"setting {name} has no AliasChoices: its env names are unknown")
        names.update(choice for choice in alias.choices if isinstance(choice, str))
    return frozenset(names)


def _options(command: Any) -> Iterable[Any]:
    """The parameters of a command and of its subcommands (typer's own click types)."""
    yield from command.params
    for sub in getattr(command, "commands", {}).values():  # a group
        yield from _options(sub)


def command_line_names() -> frozenset[str]:
    """Every environment variable a command-line option reads (``envvar=``)."""
    from dcat_quality.cli import app

    names: set[str] = set()
    for option in _options(typer.main.get_command(app)):
        envvar = getattr(option, "envvar", None)
        if isinstance(envvar, str):
            names.add(envvar)
        elif envvar:
            names.update(envvar)
    return frozenset(names)


def read_names() -> frozenset[str]:
    """Every variable a deployment may set for dcat-quality: its settings, its options'
    variables, and libpq's connection variables."""
    return setting_names() | command_line_names() | frozenset(LIBPQ_NAMES)


@functools.cache
def isolated_names() -> frozenset[str]:
    """The names the tests clear, whatever the prefix families add."""
    return setting_names() | command_line_names() | frozenset(OTHER_NAMES)


def is_isolated(name: str) -> bool:
    """True when the tests clear the variable ``name``."""
    return name in isolated_names() or name.startswith(PREFIXES)


def present(environ: Mapping[str, str]) -> list[str]:
    """The isolated names that ``environ`` holds."""
    return sorted(name for name in environ if is_isolated(name))


def clear(monkeypatch: pytest.MonkeyPatch, environ: Mapping[str, str]) -> None:
    """Remove every isolated name from the environment for one test (restored after)."""
    for name in present(environ):
        monkeypatch.delenv(name, raising=False)
