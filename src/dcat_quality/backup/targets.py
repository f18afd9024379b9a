"""Where the database is and what it holds: direct (a URL; the tools run here) or kube
(a pod; the tools run inside it through ``kubectl exec``), and the state read before a
backup and around a restore (server version, Metabase schema level, key row counts,
other sessions).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.backup.files import ArchiveInfo
from dcat_quality.backup.tools import _TOOL_VERSION, PgTool, _run, pick_pg_tool
from dcat_quality.config import Settings
from dcat_quality.errors import BackupError, ConfigError
from dcat_quality.warehouse.target import DatabaseTarget, redact, scrub

log = logging.getLogger(__name__)

#: Tables whose row counts are reported, when present (the BI tools' main content).
KEY_TABLES = (
    # Metabase
    "report_card", "report_dashboard", "collection", "core_user", "setting",
    # Superset
    "slices", "dashboards", "tables", "ab_user",
)  # fmt: skip
# The password is the first line of stdin; an empty line means "no password".
_FIRST_LINE_TO_PGPASS = (
    "IFS= read -r PGPASSWORD || exit 97; "
    'if [ -n "$PGPASSWORD" ]; then export PGPASSWORD; else unset PGPASSWORD; fi; '
)
KUBE_DUMP_SCRIPT = _FIRST_LINE_TO_PGPASS + 'exec pg_dump -Fc --no-password -U "$1" -d "$2"'
KUBE_RESTORE_SCRIPT = (
    _FIRST_LINE_TO_PGPASS + "exec pg_restore --clean --if-exists --no-owner --exit-on-error "
    '--single-transaction --no-password -U "$1" -d "$2"'
)
KUBE_QUERY_SCRIPT = (
    _FIRST_LINE_TO_PGPASS
    + 'exec psql -X -q -A -t -z -v ON_ERROR_STOP=1 --no-password -U "$1" -d "$2"'
)
RESTORE_OPTIONS = (
    "--clean",
    "--if-exists",
    "--no-owner",
    "--exit-on-error",
    "--single-transaction",
)

# ------------------------------------------------------------------- database state


@dataclass(frozen=True)
class DatabaseState:
    """What a database holds, read before a backup and before and after a restore."""

    server_version: str
    server_version_num: int
    tables: int
    metabase_schema: int | None
    metabase_changeset: str | None
    rows: dict[str, int]
    other_sessions: int
    other_applications: str

    @property
    def server_major(self) -> int:
        return self.server_version_num // 10000

    @property
    def is_metabase(self) -> bool:
        return self.metabase_changeset is not None or "report_card" in self.rows


def state_plan_sql() -> str:
    """A query whose one value is the state query, holding only the parts whose tables
    exist (psql runs it with ``\\gexec``; no PL/pgSQL, no XML, works read-only)."""
    parts: list[tuple[str, str | None]] = [
        ("SELECT 'server_version', current_setting('server_version')", None),
        ("SELECT 'server_version_num', current_setting('server_version_num')", None),
        (
            "SELECT 'tables', (SELECT count(*) FROM pg_catalog.pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))::text",
            None,
        ),
        (
            "SELECT 'metabase_schema', (SELECT max(substring(id FROM '^v(\\d+)\\.')::int) "
            "FROM databasechangelog)::text",
            "databasechangelog",
        ),
        (
            "SELECT 'metabase_changeset', (SELECT id FROM databasechangelog "
            "ORDER BY orderexecuted DESC NULLS LAST, dateexecuted DESC NULLS LAST LIMIT 1)",
            "databasechangelog",
        ),
        (
            "SELECT 'other_sessions', (SELECT count(*) FROM pg_catalog.pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid())::text",
            None,
        ),
        (
            "SELECT 'other_applications', (SELECT string_agg(DISTINCT "
            "coalesce(nullif(application_name, ''), '?'), ', ') "
            "FROM pg_catalog.pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid())",
            None,
        ),
    ]
    parts += [(f"SELECT 'rows:{t}', (SELECT count(*) FROM {t})::text", t) for t in KEY_TABLES]
    values = ",\n  ".join(
        f"({n}, $part${sql}$part$, "
        + ("true" if table is None else f"to_regclass('{table}') IS NOT NULL")
        + ")"
        for n, (sql, table) in enumerate(parts)
    )
    return (
        "SELECT string_agg(part, ' UNION ALL ' ORDER BY n) FROM (VALUES\n  "
        + values
        + "\n) AS p(n, part, present) WHERE present"
    )


def _state_from_rows(rows: list[tuple[str, str | None]]) -> DatabaseState:
    values = {key: (value or None) for key, value in rows}

    def number(key: str) -> int | None:
        value = values.get(key)
        return int(value) if value else None

    counts = {
        key.split(":", 1)[1]: int(value)
        for key, value in values.items()
        if key.startswith("rows:") and value
    }
    return DatabaseState(
        server_version=values.get("server_version") or "?",
        server_version_num=number("server_version_num") or 0,
        tables=number("tables") or 0,
        metabase_schema=number("metabase_schema"),
        metabase_changeset=values.get("metabase_changeset"),
        rows=counts,
        other_sessions=number("other_sessions") or 0,
        other_applications=values.get("other_applications") or "",
    )


# ------------------------------------------------------------------------- databases


@dataclass(frozen=True)
class KubeTarget:
    """A database inside a Kubernetes pod, reached with ``kubectl exec``."""

    pod: str
    database: str
    user: str = "postgres"
    password: str | None = field(default=None, repr=False)
    namespace: str | None = None
    container: str | None = None
    kubectl: str = "kubectl"

    @property
    def display(self) -> str:
        where = f"pod {self.pod}" + (f" (namespace {self.namespace})" if self.namespace else "")
        return f"database {self.database!r} as {self.user} in {where}"


class _Database(Protocol):
    display: str
    mode: str

    def state(self) -> DatabaseState: ...
    def dump(self, sink: IO[bytes], digest: Any, server_major: int) -> str: ...
    def restore(self, dump: Path, archive: ArchiveInfo, server_major: int) -> str: ...


class _Direct:
    """pg_dump / pg_restore run here; the password travels in a private PGPASSFILE."""

    mode = "direct"

    def __init__(self, target: DatabaseTarget, pg_bin: Path | None) -> None:
        self.target = target
        self.display = target.display
        self.pg_bin = pg_bin
        try:
            params = conninfo_to_dict(target.conninfo) if target.conninfo else {}
        except psycopg.ProgrammingError as exc:
            raise BackupError(
                f"unreadable database URL {target.display}: {scrub(str(exc), target)}"
            ) from None
        password = params.pop("password", None)
        self._password = str(password) if password else None
        self._conninfo = make_conninfo("", **params) if params else ""

    @property
    def _secrets(self) -> tuple[str, ...]:
        return (self._password,) if self._password else ()

    def state(self) -> DatabaseState:
        try:
            with psycopg.connect(
                self.target.conninfo,
                autocommit=True,
                connect_timeout=10,
                application_name="dcat-quality-backup",
            ) as conn:
                plan = conn.execute(state_plan_sql()).fetchone()
                assert plan is not None
                rows = conn.execute(plan[0]).fetchall()
        except psycopg.Error as exc:
            raise BackupError(
                f"cannot read {self.display}: {scrub(str(exc).strip(), self.target)} — check "
                "the URL and that the server is reachable from here"
            ) from None
        return _state_from_rows([(str(k), None if v is None else str(v)) for k, v in rows])

    @contextmanager
    def _env(self) -> Iterator[dict[str, str]]:
        env = dict(os.environ)
        if not self._password:
            yield env  # libpq's own PGPASSWORD / PGPASSFILE, if any, still apply
            return
        env.pop("PGPASSWORD", None)  # it would win over the passfile
        with tempfile.TemporaryDirectory(prefix="dcat-quality-") as folder:
            passfile = Path(folder) / "pgpass"
            escaped = self._password.replace("\\", "\\\\").replace(":", "\\:")
            fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(f"*:*:*:*:{escaped}\n")
            env["PGPASSFILE"] = str(passfile)
            yield env

    def _dbname(self) -> list[str]:
        return [f"--dbname={self._conninfo}"] if self._conninfo else []

    def dump(self, sink: IO[bytes], digest: Any, server_major: int) -> str:
        tool = pick_pg_tool(
            "pg_dump",
            at_least=server_major,
            pg_bin=self.pg_bin,
            why=f"the server runs PostgreSQL {server_major}; an older pg_dump refuses it",
        )
        argv = [tool.path, "--format=custom", "--no-password", *self._dbname()]
        with self._env() as env:
            _run(
                argv,
                what=f"pg_dump of {self.display}",
                secrets=self._secrets,
                env=env,
                sink=sink,
                digest=digest,
            )
        return tool.version

    def restore(self, dump: Path, archive: ArchiveInfo, server_major: int) -> str:
        at_least = max(server_major, archive.dumped_by_major or 0)
        tool = pick_pg_tool(
            "pg_restore",
            at_least=at_least,
            pg_bin=self.pg_bin,
            why=f"the server runs PostgreSQL {server_major} and the dump was written by "
            f"pg_dump {archive.dumped_by}",
        )
        argv = [tool.path, *RESTORE_OPTIONS, "--no-password", *self._dbname(), str(dump)]
        with self._env() as env:
            _run(argv, what=f"pg_restore into {self.display}", secrets=self._secrets, env=env)
        return tool.version


class _Kube:
    """pg_dump / pg_restore / psql run in the pod; the password is stdin's first line."""

    mode = "kube"

    def __init__(self, target: KubeTarget) -> None:
        if target.password and ("\n" in target.password or "\r" in target.password):
            raise BackupError(
                "the database password holds a line break: it cannot be sent as one line "
                "on kubectl's stdin"
            )
        self.target = target
        self.display = target.display

    @property
    def _secrets(self) -> tuple[str, ...]:
        return (self.target.password,) if self.target.password else ()

    @property
    def _password_line(self) -> bytes:
        return (self.target.password or "").encode() + b"\n"

    def _kubectl(self) -> str:
        found = shutil.which(self.target.kubectl)
        if found is None:
            raise BackupError(
                f"{self.target.kubectl} not found on PATH: install kubectl and log in to the "
                "cluster, or use --database-url"
            )
        return found

    def argv(self, *command: str, stdin: bool = True) -> list[str]:
        """The kubectl command line running ``command`` in the pod."""
        argv = [self._kubectl(), "exec"]
        if stdin:
            argv.append("-i")
        argv.append(self.target.pod)
        if self.target.namespace:
            argv += ["-n", self.target.namespace]
        if self.target.container:
            argv += ["-c", self.target.container]
        return [*argv, "--", *command]

    def _script(self, script: str) -> list[str]:
        return self.argv("sh", "-c", script, "sh", self.target.user, self.target.database)

    def _tool(self, name: str) -> PgTool:
        out = _run(
            self.argv(name, "--version", stdin=False),
            what=f"{name} --version in {self.display}",
            secrets=self._secrets,
        ).decode(errors="replace")
        match = _TOOL_VERSION.search(out)
        if not match:
            raise BackupError(f"{self.display}: unexpected answer to {name} --version: {out!r}")
        return PgTool(f"{self.target.pod}:{name}", int(match.group(1)), out.strip().split()[-1])

    def state(self) -> DatabaseState:
        out = _run(
            self._script(KUBE_QUERY_SCRIPT),
            what=f"psql in {self.display}",
            secrets=self._secrets,
            stdin_prefix=self._password_line + (state_plan_sql() + " \\gexec\n").encode(),
        ).decode(errors="replace")
        rows: list[tuple[str, str | None]] = []
        for line in out.splitlines():
            key, _, value = line.partition("\0")
            if key:
                rows.append((key, value))
        if not rows:
            raise BackupError(f"psql in {self.display} returned nothing")
        return _state_from_rows(rows)

    def dump(self, sink: IO[bytes], digest: Any, server_major: int) -> str:
        tool = self._tool("pg_dump")
        if tool.major < server_major:
            raise BackupError(
                f"the pod's pg_dump {tool.version} is older than its server (PostgreSQL "
                f"{server_major}): use the database pod itself (e.g. metabase-db-0), or a "
                f"container with the PostgreSQL {server_major} client"
            )
        _run(
            self._script(KUBE_DUMP_SCRIPT),
            what=f"pg_dump in {self.display}",
            secrets=self._secrets,
            stdin_prefix=self._password_line,
            sink=sink,
            digest=digest,
        )
        return tool.version

    def restore(self, dump: Path, archive: ArchiveInfo, server_major: int) -> str:
        tool = self._tool("pg_restore")
        needed = max(server_major, archive.dumped_by_major or 0)
        if tool.major < needed:
            raise BackupError(
                f"the pod's pg_restore {tool.version} cannot restore this dump (written by "
                f"pg_dump {archive.dumped_by}, server PostgreSQL {server_major}): restore "
                f"with a PostgreSQL {needed} client (--database-url) or a newer pod image"
            )
        _run(
            self._script(KUBE_RESTORE_SCRIPT),
            what=f"pg_restore in {self.display}",
            secrets=self._secrets,
            stdin_prefix=self._password_line,
            stdin_file=dump,
        )
        return tool.version


def _database(
    database_url: str | DatabaseTarget | None, kube: KubeTarget | None, pg_bin: Path | None
) -> _Database:
    if (database_url is None) == (kube is None):
        raise BackupError("give either a database URL (direct mode) or a pod (kube mode)")
    if kube is not None:
        return _Kube(kube)
    assert database_url is not None
    target = database_target(database_url) if isinstance(database_url, str) else database_url
    return _Direct(target, pg_bin)


def database_target(url: str) -> DatabaseTarget:
    """A target for a PostgreSQL URL, also in Metabase's ``jdbc:postgresql://`` spelling."""
    if url.startswith("jdbc:"):
        url = url[len("jdbc:") :]
    return DatabaseTarget(url, redact(url))


# ------------------------------------------------------------------------- settings


def _chosen(
    database_url: str | None,
    kube_pod: str | None,
    *,
    configured_url: str | None,
    configured_pod: str | None,
    what: str,
    url_setting: str,
    pod_setting: str,
) -> tuple[str | None, str | None]:
    """(URL, pod), exactly one set: the options first, then the settings (a URL and a pod
    both configured is ambiguous, as is neither)."""
    if database_url and kube_pod:
        raise ConfigError("give --database-url or --kube-pod, not both")
    if not database_url and not kube_pod:
        if configured_url and configured_pod:
            raise ConfigError(
                f"both {url_setting} and {pod_setting} are set: choose with --database-url "
                "or --kube-pod"
            )
        database_url, kube_pod = configured_url, configured_pod
    if not database_url and not kube_pod:
        raise ConfigError(
            f"where is {what}? Set {url_setting} or give --database-url for direct mode; set "
            f"{pod_setting} or give --kube-pod to run pg_dump inside the database pod"
        )
    return database_url, kube_pod


def metabase_location(
    settings: Settings,
    *,
    database_url: str | None = None,
    kube_pod: str | None = None,
    namespace: str | None = None,
    container: str | None = None,
    db_name: str | None = None,
    db_user: str | None = None,
) -> DatabaseTarget | KubeTarget:
    """Where Metabase's database is: the options first, then the settings.

    Kube mode names the database, user and password with Metabase's ``MB_DB_DBNAME``,
    ``MB_DB_USER``, ``MB_DB_PASS``, else the historical ``POSTGRES_DB``,
    ``POSTGRES_USER``, ``POSTGRES_PASSWORD`` (as the historical Makefile did).
    """
    configured = settings.metabase_database_url
    database_url, kube_pod = _chosen(
        database_url,
        kube_pod,
        configured_url=configured.get_secret_value() if configured is not None else None,
        configured_pod=settings.kube_pod,
        what="Metabase's database",
        url_setting="METABASE_DATABASE_URL (or MB_DB_CONNECTION_URI)",
        pod_setting="KUBE_POD_NAME",
    )
    if database_url:
        return database_target(database_url)
    assert kube_pod
    database = db_name or settings.metabase_db_name or settings.postgres_db
    if not database:
        raise ConfigError(
            "kube mode needs the database name inside the pod: --db-name, MB_DB_DBNAME or "
            "POSTGRES_DB (SSPCloud: metabase-metadata)"
        )
    password = settings.metabase_db_password or settings.postgres_password
    return KubeTarget(
        pod=kube_pod,
        database=database,
        user=db_user or settings.metabase_db_user or settings.postgres_user or "postgres",
        password=password.get_secret_value() if password is not None else None,
        namespace=namespace or settings.kube_namespace,
        container=container or settings.kube_container,
    )


def superset_location(
    settings: Settings,
    *,
    database_url: str | None = None,
    kube_pod: str | None = None,
    namespace: str | None = None,
    container: str | None = None,
    db_name: str | None = None,
    db_user: str | None = None,
) -> DatabaseTarget | KubeTarget:
    """Where Superset's metadata database is: the options first, then the settings.

    Direct mode: ``SUPERSET_METADATA_DATABASE_URL``. Kube mode: the pod
    ``SUPERSET_KUBE_POD``, the database and user ``SUPERSET_DB_NAME`` and
    ``SUPERSET_DB_USER`` (default ``superset`` and ``superset``, the bundled PostgreSQL of
    Superset's Helm chart), the password ``SUPERSET_DB_PASS``; namespace and container
    as for Metabase (``DCAT_QUALITY_KUBE_NAMESPACE``, ``DCAT_QUALITY_KUBE_CONTAINER``).
    """
    configured = settings.superset_metadata_database_url
    database_url, kube_pod = _chosen(
        database_url,
        kube_pod,
        configured_url=configured.get_secret_value() if configured is not None else None,
        configured_pod=settings.superset_kube_pod,
        what="Superset's metadata database",
        url_setting="SUPERSET_METADATA_DATABASE_URL",
        pod_setting="SUPERSET_KUBE_POD",
    )
    if database_url:
        return database_target(database_url)
    assert kube_pod
    password = settings.superset_db_password
    return KubeTarget(
        pod=kube_pod,
        database=db_name or settings.superset_db_name,
        user=db_user or settings.superset_db_user,
        password=password.get_secret_value() if password is not None else None,
        namespace=namespace or settings.kube_namespace,
        container=container or settings.kube_container,
    )
