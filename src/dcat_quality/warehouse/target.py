"""A database to connect to, and how to show it (or an error about it) without its password.

Leaf of the warehouse's connection modules: ``embedded`` builds targets, ``connection``
resolves and connects to them; neither is imported here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import conninfo_to_dict

from dcat_quality.redaction import redact_conninfo, redact_url
from dcat_quality.redaction import scrub as scrub_secrets

#: libpq variables shown (never PGPASSWORD) when the conninfo comes from the environment.
_SHOWN_LIBPQ = ("PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER")


@dataclass(frozen=True, repr=False)
class DatabaseTarget:
    """A database to connect to; ``conninfo`` is secret, ``display`` is safe to print."""

    conninfo: str = field(repr=False)
    display: str
    embedded: bool = False

    def __repr__(self) -> str:
        return f"DatabaseTarget(display={self.display!r}, embedded={self.embedded})"

    def __str__(self) -> str:
        return self.display

    @property
    def password(self) -> str | None:
        """The password in the conninfo, if any (to scrub it from error messages)."""
        try:
            password = conninfo_to_dict(self.conninfo).get("password")
        except psycopg.ProgrammingError:
            return None
        return str(password) if password else None


def redact(conninfo: str) -> str:
    """The conninfo (URI or ``key=value``) with its password replaced by ``***``."""
    if not conninfo.strip():
        shown = [f"{name}={os.environ[name]}" for name in _SHOWN_LIBPQ if os.environ.get(name)]
        return "libpq defaults" + (f" ({', '.join(shown)})" if shown else "")
    if conninfo.startswith(("postgresql://", "postgres://")):
        return redact_url(conninfo)
    try:
        conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "<unreadable connection string>"
    return redact_conninfo(conninfo)


def scrub(message: str, target: DatabaseTarget) -> str:
    """The message without the target's password in it, in any spelling."""
    return scrub_secrets(message, [target.password])
