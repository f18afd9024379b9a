"""Errors raised by dcat-quality.

Every error carries the context an operator needs to act: which step, which unit of work
(file, position) and what to do. Transient errors (worth a retry) have their own branch.

    DcatQualityError
    ├── ConfigError                 a setting is missing or wrong
    ├── SourceError                 the dump cannot be listed or read
    │   ├── EmptySourceError        the source holds no page
    │   └── TransientSourceError    timeouts, throttling, 5xx: retried, then reported
    ├── PageError                   one page cannot be turned into records (quarantined)
    │   ├── UnsupportedFormatError  not RDF at all (HTML, ISO 19139, non-DCAT JSON, …)
    │   ├── RemoteContextError      a JSON-LD @context we may not fetch
    │   └── RdfSyntaxError          the RDF parser refused the page
    ├── WarehouseError              PostgreSQL refused or lost the load
    │   └── RunLockedError          another run holds the warehouse lock
    ├── EmbeddedDatabaseError       the embedded PostgreSQL could not start
    ├── MetabaseError               the Metabase API refused a request or is unusable
    └── SupersetError               the Superset API refused a request or is unusable
"""

from __future__ import annotations


class DcatQualityError(Exception):
    """Base class: catch this to handle any error of the product."""


class ConfigError(DcatQualityError):
    """A setting is missing, malformed or contradictory."""


class SourceError(DcatQualityError):
    """The dump cannot be listed or read."""


class EmptySourceError(SourceError):
    """The source was reachable but held no page to read."""


class TransientSourceError(SourceError):
    """A failure that may succeed when retried (timeouts, throttling, 5xx)."""


class PageError(DcatQualityError):
    """One page cannot be turned into records; the run quarantines it and goes on.

    ``position`` is where in the file the problem is (``line 12, column 4``, a JSON path,
    or ``None`` when the whole file is concerned); ``hint`` says what to do.
    """

    def __init__(
        self, file: str, reason: str, *, position: str | None = None, hint: str | None = None
    ) -> None:
        self.file = file
        self.reason = reason
        self.position = position
        self.hint = hint
        where = f"{file}" + (f" ({position})" if position else "")
        message = f"{where}: {reason}"
        if hint:
            message += f" — {hint}"
        super().__init__(message)


class UnsupportedFormatError(PageError):
    """The page is not DCAT in any RDF serialisation we read."""


class RemoteContextError(PageError):
    """A JSON-LD page names a remote @context that is not bundled."""


class RdfSyntaxError(PageError):
    """The RDF parser refused the page."""


class WarehouseError(DcatQualityError):
    """PostgreSQL refused or lost the load."""


class RunLockedError(WarehouseError):
    """Another run holds the warehouse lock."""


class EmbeddedDatabaseError(DcatQualityError):
    """The embedded PostgreSQL could not be started (missing extra, bad data folder)."""


class MetabaseError(DcatQualityError):
    """The Metabase API refused a request, or the instance cannot be provisioned.

    ``status`` is the HTTP status when there was a response. Messages never hold the API
    key or the password.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class SupersetError(DcatQualityError):
    """The Superset API refused a request, or the instance cannot be provisioned.

    ``status`` is the HTTP status when there was a response. Messages never hold the
    password, the access token or the warehouse connection's password.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class BackupError(DcatQualityError):
    """A backup or restore (pg_dump, pg_restore, kubectl, S3) failed or was refused.

    Refusals (no confirmation, checksum mismatch, version downgrade) are errors too: the
    target is left untouched. Messages never hold a password.
    """
