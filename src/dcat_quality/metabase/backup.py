"""Back up and restore a PostgreSQL database: Metabase's application DB, or the warehouse.

Two ways to reach the database, so that the historical Makefile's use keeps working:

- **direct** (a connection URL): pg_dump / pg_restore run here. The password is taken
  out of the connection string and handed to them in a private temporary ``PGPASSFILE``
  (mode 0600, deleted afterwards), never in an argument list.
- **kube** (a pod name): pg_dump / pg_restore / psql run inside the database pod through
  ``kubectl exec -i <pod> [-n ns] [-c container] -- sh -c '<script>' sh <user> <db>``.
  The password is the **first line of stdin**, read by the script into ``PGPASSWORD``
  (``IFS= read -r``, which reads a pipe byte by byte and so leaves the rest of stdin to
  the tool); the dump then streams back on stdout (backup) or follows the password line
  on stdin (restore). Running inside the pod also gives a client of the server's own
  version (the SSPCloud app DB is PostgreSQL 12; the images ship a newer client).

Every dump is a custom-format archive checked with ``pg_restore --list``, with a
``<dump>.sha256`` (sha256sum format) and a ``<dump>.json`` sidecar (metadata, no secret)
beside it, on disk and in S3 (``<prefix>/<kind>-YYYYmmddTHHMMSSZ.dump``).

Encryption at rest (``recipients``: age public keys, through pyrage): the dump is written
as ``<dump>.age``; the clear archive only exists in a private temporary folder (0700)
while ``pg_restore --list`` checks it. The ``.sha256`` is that of the encrypted file, and
a restore verifies it *before* decrypting (with an identity file) into a private
temporary file.

Which Metabase a database belongs to: Metabase migrates its schema with Liquibase, and
since 0.45 its changeset ids start with the major version (``v50.2024-02-26T…`` for
0.50 / 1.50). The highest such ``vNN.`` id in ``databasechangelog`` is the schema level,
i.e. the oldest Metabase able to open the database. Older numeric ids (``1``…``4xx``)
give no version. The ``setting`` table is not used: its ``version-info`` row caches
the *latest available* release from the update check, not the running one.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import psycopg
from botocore.exceptions import BotoCoreError, ClientError
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.config import Settings
from dcat_quality.errors import BackupError, ConfigError
from dcat_quality.sources.s3 import public_endpoint, s3_client
from dcat_quality.warehouse.connection import MASK, DatabaseTarget, redact, scrub

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

#: Tables whose row counts are reported, when present (Metabase's main content).
KEY_TABLES = ("report_card", "report_dashboard", "collection", "core_user", "setting")

CHUNK = 1 << 20
_STAMP = "%Y%m%dT%H%M%SZ"
_KIND = re.compile(r"[a-z][a-z0-9-]*")
_TOOL_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_PG_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?")

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


# ---------------------------------------------------------------------------- pg tools


@dataclass(frozen=True)
class PgTool:
    """A PostgreSQL client program and its major version."""

    path: str
    major: int
    version: str


def _major(version: str | None) -> int | None:
    match = _PG_VERSION.match(version or "")
    return int(match.group(1)) if match else None


def _candidate_dirs(pg_bin: Path | None) -> list[Path]:
    if pg_bin is not None:
        return [Path(pg_bin)]  # an explicit choice: nothing else
    dirs = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    with suppress(ImportError):
        import importlib.util  # noqa: PLC0415

        spec = importlib.util.find_spec("pgserver")
        if spec is not None and spec.origin:
            dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/*/bin"):
        dirs.extend(sorted(Path("/").glob(pattern.lstrip("/"))))
    return dirs


@lru_cache(maxsize=64)
def _tool_version(path: str) -> PgTool | None:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = _TOOL_VERSION.search(out)
    if not match:
        return None
    return PgTool(path, int(match.group(1)), out.strip().rsplit(" ", 1)[-1])


def find_pg_tools(name: str, pg_bin: Path | None = None) -> list[PgTool]:
    """Every ``name`` found (``DCAT_QUALITY_PG_BIN`` only, when given), first found first."""
    seen: set[str] = set()
    tools: list[PgTool] = []
    for folder in _candidate_dirs(pg_bin):
        candidate = folder / name
        if not candidate.is_file() or not os.access(candidate, os.X_OK):
            continue
        real = str(candidate.resolve())
        if real in seen:
            continue
        seen.add(real)
        tool = _tool_version(str(candidate))
        if tool is not None:
            tools.append(tool)
    return tools


def pick_pg_tool(name: str, *, at_least: int, pg_bin: Path | None = None, why: str) -> PgTool:
    """The oldest ``name`` not older than ``at_least`` (a newer client may emit SET
    commands an older server refuses, e.g. pg_dump 17's ``transaction_timeout``)."""
    tools = find_pg_tools(name, pg_bin)
    fit = [t for t in tools if t.major >= at_least]
    if fit:
        return min(fit, key=lambda t: t.major)
    found = ", ".join(f"{t.path} ({t.major})" for t in tools) or "none"
    where = f"in {pg_bin}" if pg_bin else "on PATH, in pgserver or /usr/lib/postgresql"
    raise BackupError(
        f"{name} {at_least} or newer is needed ({why}); found {where}: {found} — install "
        f"the PostgreSQL {at_least} client (Debian/Ubuntu: apt install postgresql-client-"
        f"{at_least} from apt.postgresql.org), or set DCAT_QUALITY_PG_BIN to the bin folder "
        "of a recent enough PostgreSQL, or use --kube-pod to run the server's own client"
    )


# ------------------------------------------------------------------------ checksums


def sha256_file(path: Path) -> str:
    return str(_sha(path).hexdigest())


def _sha(path: Path) -> Any:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest


def checksum_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".sha256")


def metadata_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".json")


def _checksum_line(digest: str, name: str) -> str:
    return f"{digest}  {name}\n"  # sha256sum -c reads it


def read_checksum(dump: Path) -> str | None:
    """The digest recorded beside ``dump``, or None when there is no ``.sha256``."""
    path = checksum_path(dump)
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8").strip()
    digest = text.split()[0].lower() if text else ""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise BackupError(f"{path} does not hold a SHA-256 checksum")
    return digest


# ------------------------------------------------------------------------ encryption

AGE_SUFFIX = ".age"
_INSTALL_HINT = 'pip install "dcat-quality[encryption]"'


def _pyrage() -> Any:
    try:
        return importlib.import_module("pyrage")
    except ImportError:
        raise BackupError(
            f"age encryption needs the pyrage library, which is not installed: {_INSTALL_HINT}"
        ) from None


def is_encrypted(path: Path) -> bool:
    return path.name.endswith(AGE_SUFFIX)


def age_recipients(values: Iterable[str]) -> list[Any]:
    """Parse age public keys (``age1…``; a value may hold several, comma-separated)."""
    keys = [k.strip() for value in values for k in value.split(",") if k.strip()]
    if not keys:
        return []
    pyrage = _pyrage()
    recipients = []
    for key in keys:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(key))
        except pyrage.RecipientError as exc:
            raise BackupError(
                f"{key!r} is not an age public key ({exc}): give age1… keys, as printed by "
                "age-keygen (--encrypt-to or DCAT_QUALITY_BACKUP_AGE_RECIPIENTS)"
            ) from None
    return recipients


def load_age_identities(path: Path) -> list[Any]:
    """The age private keys of an identity file (``age-keygen`` format: comments and
    ``AGE-SECRET-KEY-1…`` lines). Errors never quote the file's content."""
    pyrage = _pyrage()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise BackupError(f"cannot read the age identity file {path}: {reason}") from None
    identities = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BackupError(
                f"line {number} of the age identity file {path} is not an age private key "
                "(AGE-SECRET-KEY-1…, as written by age-keygen)"
            ) from None
    if not identities:
        raise BackupError(f"the age identity file {path} holds no private key")
    return identities


@contextmanager
def _private_dir() -> Iterator[Path]:
    """A private temporary folder (mode 0700) for a clear dump, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="dcat-quality-clear-") as name:
        os.chmod(name, 0o700)
        yield Path(name)


def _encrypt(clear: Path, target: Path, recipients: list[Any]) -> None:
    pyrage = _pyrage()
    try:
        pyrage.encrypt_file(str(clear), str(target), recipients)
    except pyrage.EncryptError as exc:
        raise BackupError(f"age encryption of the dump failed: {exc}") from None


def _decrypt(encrypted: Path, clear: Path, identities: list[Any], identity_file: Path) -> None:
    pyrage = _pyrage()
    try:
        pyrage.decrypt_file(str(encrypted), str(clear), identities)
    except pyrage.DecryptError as exc:
        raise BackupError(
            f"cannot decrypt {encrypted} with the identity file {identity_file} ({exc}): it "
            "was encrypted to other age keys — give the identity matching one of the "
            "recipients of the backup"
        ) from None


# ----------------------------------------------------------------------- archives


@dataclass(frozen=True)
class ArchiveInfo:
    """What ``pg_restore --list`` tells about a dump."""

    format: str
    dumped_from: str | None
    dumped_by: str | None
    entries: int
    tables: int
    table_data: int

    @property
    def dumped_from_major(self) -> int | None:
        return _major(self.dumped_from)

    @property
    def dumped_by_major(self) -> int | None:
        return _major(self.dumped_by)


def _header(listing: str, key: str) -> str | None:
    match = re.search(rf"^;\s+{re.escape(key)}:\s*(.+)$", listing, re.MULTILINE)
    return match.group(1).strip() if match else None


def inspect_archive(path: Path, *, pg_bin: Path | None = None) -> ArchiveInfo:
    """Check that ``path`` is a readable custom-format archive (``pg_restore --list``)."""
    tools = find_pg_tools("pg_restore", pg_bin)
    if not tools:
        raise BackupError(
            "pg_restore not found: install the PostgreSQL client (postgresql-client) or "
            "set DCAT_QUALITY_PG_BIN"
        )
    newest = max(tools, key=lambda t: t.major)  # reads every older archive version
    done = subprocess.run(
        [newest.path, "--list", str(path)], capture_output=True, timeout=600, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise BackupError(
            f"{path} is not a valid custom-format PostgreSQL archive "
            f"({Path(newest.path).name} {newest.version}: {detail}) — it was truncated, "
            "corrupted, or not written by pg_dump -Fc"
        )
    listing = done.stdout.decode(errors="replace")
    archive_format = _header(listing, "Format") or "?"
    if archive_format != "CUSTOM":
        raise BackupError(f"{path} is a {archive_format} archive; a custom-format one is needed")
    lines = [line for line in listing.splitlines() if line and not line.startswith(";")]
    return ArchiveInfo(
        format=archive_format,
        dumped_from=_header(listing, "Dumped from database version"),
        dumped_by=_header(listing, "Dumped by pg_dump version"),
        entries=len(lines),
        tables=sum(1 for line in lines if " TABLE " in line and " TABLE DATA " not in line),
        table_data=sum(1 for line in lines if " TABLE DATA " in line),
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


# ------------------------------------------------------------------------ processes


def _scrubbed(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text


def _run(
    argv: list[str],
    *,
    what: str,
    secrets: tuple[str, ...],
    env: dict[str, str] | None = None,
    stdin_prefix: bytes = b"",
    stdin_file: Path | None = None,
    sink: IO[bytes] | None = None,
    digest: Any = None,
) -> bytes:
    """Run ``argv``, feeding stdin from a thread while stdout is drained (no deadlock).

    Stdout goes to ``sink`` (and ``digest``) when given, else is returned. A failure
    becomes a ``BackupError`` with the end of stderr, secrets scrubbed.
    """
    log.debug("running %s", " ".join(argv[:3]))
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=env
            )
        except OSError as exc:
            raise BackupError(f"{what}: cannot start {argv[0]}: {exc.strerror or exc}") from None
        assert proc.stdin is not None
        assert proc.stdout is not None
        stdin = proc.stdin

        def feed() -> None:
            try:
                stdin.write(stdin_prefix)
                if stdin_file is not None:
                    with stdin_file.open("rb") as source:
                        while chunk := source.read(CHUNK):
                            stdin.write(chunk)
            except (BrokenPipeError, ValueError):
                pass  # the process ended early: its exit status tells why
            finally:
                with suppress(OSError, ValueError):
                    stdin.close()

        feeder = threading.Thread(target=feed, name="backup-stdin", daemon=True)
        feeder.start()
        collected: list[bytes] = []
        try:
            while chunk := proc.stdout.read(CHUNK):
                if sink is None:
                    collected.append(chunk)
                else:
                    sink.write(chunk)
                if digest is not None:
                    digest.update(chunk)
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            feeder.join(timeout=10)
            proc.stdout.close()
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip()[-2000:]
            raise BackupError(f"{what} failed (exit {code}): {_scrubbed(tail, secrets)}")
    return b"".join(collected)


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


# -------------------------------------------------------------------------------- S3


@dataclass(frozen=True)
class S3Destination:
    """Where dated backups go: ``s3://bucket/prefix/<kind>-YYYYmmddTHHMMSSZ.dump``."""

    client: S3Client = field(repr=False)
    bucket: str
    prefix: str
    endpoint: str = "S3"

    @classmethod
    def from_settings(
        cls, settings: Settings, *, prefix: str, bucket: str | None = None
    ) -> S3Destination:
        """The destination the settings name (``DCAT_QUALITY_BACKUP_BUCKET`` or
        ``BUCKET_NAME``), with the same MinIO-friendly client as the sources."""
        name = bucket or settings.backup_bucket or settings.bucket_name
        if not name:
            raise ConfigError(
                "no bucket for the backups: set DCAT_QUALITY_BACKUP_BUCKET (or BUCKET_NAME)"
            )

        def secret(value: Any) -> str | None:
            return value.get_secret_value() if value is not None else None

        client = s3_client(
            endpoint_url=settings.s3_endpoint_url,
            access_key=secret(settings.s3_access_key),
            secret_key=secret(settings.s3_secret_key),
            session_token=secret(settings.s3_session_token),
            region=settings.s3_region,
        )
        return cls(client, name, prefix.strip("/"), public_endpoint(settings.s3_endpoint_url))

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _fail(self, action: str, key: str, exc: Exception) -> BackupError:
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            detail = f"{error.get('Code', '')} {error.get('Message', '')}".strip()
        else:
            detail = type(exc).__name__
        return BackupError(
            f"cannot {action} {self.url(key)} at {self.endpoint}: {detail} — check the bucket "
            "(DCAT_QUALITY_BACKUP_BUCKET / BUCKET_NAME), the S3 credentials and the endpoint"
        )

    def upload(self, path: Path, key: str, *, content_type: str) -> None:
        try:
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
            size = self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("upload", key, exc) from None
        if size != path.stat().st_size:
            raise BackupError(
                f"{self.url(key)} holds {size} bytes after upload, {path.stat().st_size} sent"
            )

    def backups(self, kind: str) -> list[str]:
        """Our dated dumps of ``kind``, oldest first (other objects are never listed)."""
        pattern = re.compile(re.escape(self.key(f"{kind}-")) + r"\d{8}T\d{6}Z\.dump(\.age)?")
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key(f"{kind}-")):
                keys += [o["Key"] for o in page.get("Contents", []) if pattern.fullmatch(o["Key"])]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("list", self.key(""), exc) from None
        return sorted(keys)

    def prune(self, kind: str, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest dated dumps of ``kind`` and their sidecars."""
        old = self.backups(kind)[:-keep] if keep > 0 else []
        for key in old:
            for name in (key, key + ".sha256", key + ".json"):
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=name)
                except (BotoCoreError, ClientError) as exc:
                    raise self._fail("delete", name, exc) from None
            log.info("pruned %s", self.url(key))
        return old


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BackupResult:
    """One verified dump; ``metadata()`` is what the ``.json`` sidecar holds."""

    kind: str
    created_at: str
    mode: str
    database: str
    size: int
    sha256: str
    server_version: str
    pg_dump_version: str
    archive_entries: int
    tables: int
    rows: dict[str, int]
    metabase_schema: int | None
    metabase_changeset: str | None
    path: Path | None = None
    s3_url: str | None = None
    pruned: tuple[str, ...] = ()
    encryption: str | None = None

    @property
    def metabase_version(self) -> str | None:
        """``0.50 / 1.50`` for schema v50 (open-source / enterprise numbering)."""
        if self.metabase_schema is None:
            return None
        return f"0.{self.metabase_schema} / 1.{self.metabase_schema}"

    def metadata(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("path", "pruned"):
            data.pop(name)
        data["metabase_version"] = self.metabase_version
        data["format"] = "pg_dump custom" + (" encrypted with age" if self.encryption else "")
        return data


@dataclass(frozen=True)
class RestoreResult:
    """What a restore checked, where the safety backup is, and what the target holds."""

    input: Path
    database: str
    mode: str
    sha256: str
    checksum_verified: bool
    safety_backup: BackupResult
    dump_server_version: str | None
    target_server_version: str
    dump_metabase_schema: int | None
    target_metabase_schema_before: int | None
    warnings: tuple[str, ...]
    tables: int
    rows: dict[str, int]
    metabase_schema: int | None
    seconds: float


# ---------------------------------------------------------------------------- backup


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _dump_to_file(
    db: _Database,
    state: DatabaseState,
    path: Path,
    *,
    kind: str,
    created: datetime,
    pg_bin: Path | None,
    recipients: list[Any] | None = None,
) -> BackupResult:
    """Dump into ``path`` atomically (a failed dump leaves an older file in place),
    verify it, and write its ``.sha256`` and ``.json`` beside it.

    With ``recipients`` (age public keys), the clear dump goes to a private temporary
    folder, is checked there, encrypted into ``path`` and deleted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(partial_name)
    digest = hashlib.sha256()
    try:
        if recipients:
            os.close(fd)
            with _private_dir() as private:
                clear = private / "clear.dump"
                with clear.open("wb") as sink:
                    tool_version = db.dump(sink, hashlib.sha256(), state.server_major)
                archive = inspect_archive(clear, pg_bin=pg_bin)
                _encrypt(clear, partial, recipients)
                clear.unlink()
            digest = _sha(partial)
        else:
            with os.fdopen(fd, "wb") as sink:
                tool_version = db.dump(sink, digest, state.server_major)
            archive = inspect_archive(partial, pg_bin=pg_bin)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    result = BackupResult(
        kind=kind,
        created_at=created.isoformat().replace("+00:00", "Z"),
        mode=db.mode,
        database=db.display,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
        server_version=state.server_version,
        pg_dump_version=tool_version,
        archive_entries=archive.entries,
        tables=state.tables,
        rows=state.rows,
        metabase_schema=state.metabase_schema,
        metabase_changeset=state.metabase_changeset,
        path=path,
        encryption="age" if recipients else None,
    )
    _write_sidecars(path, result)
    return result


def _write_sidecars(path: Path, result: BackupResult) -> None:
    checksum_path(path).write_text(_checksum_line(result.sha256, path.name), encoding="utf-8")
    metadata_path(path).write_text(
        json.dumps(result.metadata(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def backup(
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    output: Path | None = None,
    s3: S3Destination | None = None,
    keep: int | None = None,
    kind: str = "metabase",
    pg_bin: Path | None = None,
    now: datetime | None = None,
    encrypt_to: Iterable[str] = (),
) -> BackupResult:
    """Dump a database (Metabase's by default) with ``pg_dump -Fc`` and verify the dump.

    Args:
        database_url: direct mode; pg_dump runs here (its major ≥ the server's).
        kube: kube mode; pg_dump runs in the pod, the dump streams back.
        output: file to write (replaced atomically); sidecars ``.sha256`` and ``.json``.
        s3: also upload to ``<prefix>/<kind>-YYYYmmddTHHMMSSZ.dump`` with the sidecars.
        keep: after the upload, delete all but the ``keep`` newest of our dated dumps.
        kind: names the S3 keys (``metabase``, ``warehouse``).
        pg_bin: the only folder to take pg_dump / pg_restore from.
        now: the backup's timestamp (tests).
        encrypt_to: age public keys (``age1…``): write ``<dump>.age`` instead, never the
            clear dump (``output`` gets ``.age`` appended when it lacks it).
    """
    recipients = age_recipients(encrypt_to)
    if recipients and output is not None and not is_encrypted(output):
        output = output.with_name(output.name + AGE_SUFFIX)
    if not _KIND.fullmatch(kind):
        raise BackupError(f"invalid backup kind {kind!r}")
    if output is None and s3 is None:
        raise BackupError("nowhere to write the backup: give an output file and/or S3")
    if keep is not None and (s3 is None or keep < 1):
        raise BackupError("keep applies to S3 backups and must be at least 1")
    db = _database(database_url, kube, pg_bin)
    created = _now(now)
    state = db.state()
    log.info("backing up %s (PostgreSQL %s)", db.display, state.server_version)
    with tempfile.TemporaryDirectory(prefix="dcat-quality-backup-") as scratch:
        name = f"{kind}-{created.strftime(_STAMP)}.dump" + (AGE_SUFFIX if recipients else "")
        path = output if output is not None else Path(scratch) / name
        result = _dump_to_file(
            db, state, path, kind=kind, created=created, pg_bin=pg_bin, recipients=recipients
        )
        if s3 is None:
            return result
        key = s3.key(name)
        result = replace(result, s3_url=s3.url(key))
        _write_sidecars(path, result)
        s3.upload(path, key, content_type="application/octet-stream")
        s3.upload(checksum_path(path), key + ".sha256", content_type="text/plain")
        s3.upload(metadata_path(path), key + ".json", content_type="application/json")
        log.info("uploaded %s (%d bytes)", s3.url(key), result.size)
        pruned = tuple(s3.prune(kind, keep)) if keep is not None else ()
        return replace(result, path=output, pruned=tuple(s3.url(k) for k in pruned))


def backup_warehouse(
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    output: Path | None = None,
    s3: S3Destination | None = None,
    keep: int | None = None,
    pg_bin: Path | None = None,
    now: datetime | None = None,
    encrypt_to: Iterable[str] = (),
) -> BackupResult:
    """Dump the warehouse (what the historical CronJob's "Metabase config" backup really
    dumped): the same machinery, keys named ``warehouse-…``."""
    return backup(
        database_url=database_url,
        kube=kube,
        output=output,
        s3=s3,
        keep=keep,
        kind="warehouse",
        pg_bin=pg_bin,
        now=now,
        encrypt_to=encrypt_to,
    )


# --------------------------------------------------------------------------- restore


def _sidecar_metadata(dump: Path) -> dict[str, Any]:
    path = metadata_path(dump)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is not readable JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def restore(
    input: Path,
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    yes: bool = False,
    force: bool = False,
    allow_unverified: bool = False,
    pg_bin: Path | None = None,
    now: datetime | None = None,
    identity_file: Path | None = None,
) -> RestoreResult:
    """Replace a database's content with a dump, safely.

    Refuses unless ``yes``; verifies the ``.sha256`` beside the dump (refuses when it is
    missing unless ``allow_unverified``, and always on a mismatch); refuses a dump from a
    newer PostgreSQL, a Metabase downgrade, or a target with other sessions open (Metabase
    still running) unless ``force``; then takes a safety backup of the target beside the
    input (``<stem>-before-restore-<ts>.dump``) and runs ``pg_restore --clean --if-exists
    --no-owner --exit-on-error --single-transaction`` (all or nothing).

    An encrypted dump (``….age``) needs ``identity_file`` (age private keys): its checksum
    is verified first, then it is decrypted into a private temporary file, and the safety
    backup is encrypted to the identity's public keys.
    """
    with _private_dir() as private:
        return _restore(
            input,
            private,
            database_url=database_url,
            kube=kube,
            yes=yes,
            force=force,
            allow_unverified=allow_unverified,
            pg_bin=pg_bin,
            now=now,
            identity_file=identity_file,
        )


def _restore(
    input: Path,
    private: Path,
    *,
    database_url: str | DatabaseTarget | None,
    kube: KubeTarget | None,
    yes: bool,
    force: bool,
    allow_unverified: bool,
    pg_bin: Path | None,
    now: datetime | None,
    identity_file: Path | None,
) -> RestoreResult:
    started = time.monotonic()
    db = _database(database_url, kube, pg_bin)
    if not yes:
        raise BackupError(
            f"refusing to restore {input} into {db.display} without confirmation: the "
            "restore replaces every object the dump holds (Metabase's whole instance: "
            "users, questions, dashboards, settings). Stop Metabase first, then confirm "
            "with --yes"
        )
    if not input.is_file():
        raise BackupError(f"{input} does not exist")
    digest = sha256_file(input)
    recorded = read_checksum(input)
    if recorded is None and not allow_unverified:
        raise BackupError(
            f"{checksum_path(input)} is missing, so {input} cannot be verified — restore "
            "only a dump this tool wrote, or accept it unverified with --allow-unverified"
        )
    if recorded is not None and recorded != digest:
        raise BackupError(
            f"checksum mismatch: {input} has SHA-256 {digest}, {checksum_path(input).name} "
            f"says {recorded} — the file is damaged or not the one backed up; refusing"
        )
    archive_path = input
    recipients: list[Any] = []
    if is_encrypted(input):
        if identity_file is None:
            raise BackupError(
                f"{input} is encrypted with age: give the identity file holding its private "
                "key with --identity (or DCAT_QUALITY_BACKUP_AGE_IDENTITY_FILE)"
            )
        identities = load_age_identities(identity_file)
        archive_path = private / "restore.dump"
        _decrypt(input, archive_path, identities, identity_file)
        recipients = [identity.to_public() for identity in identities]
    archive = inspect_archive(archive_path, pg_bin=pg_bin)
    meta = _sidecar_metadata(input)
    dump_schema = (
        meta.get("metabase_schema") if isinstance(meta.get("metabase_schema"), int) else None
    )
    before = db.state()

    refusals: list[str] = []
    warnings: list[str] = []
    dump_major = archive.dumped_from_major
    if dump_major is not None and dump_major > before.server_major:
        refusals.append(
            f"the dump comes from PostgreSQL {archive.dumped_from}, newer than the target's "
            f"{before.server_version}: objects may not restore"
        )
    if dump_schema is not None and before.metabase_schema is not None:
        if dump_schema > before.metabase_schema:
            refusals.append(
                f"the dump holds Metabase schema v{dump_schema}, the target runs v"
                f"{before.metabase_schema}: Metabase cannot downgrade — start a Metabase "
                f">= x.{dump_schema} on the restored database instead"
            )
        elif dump_schema < before.metabase_schema:
            warnings.append(
                f"the dump holds Metabase schema v{dump_schema}, older than the target's v"
                f"{before.metabase_schema}: start the same or a newer Metabase after the "
                "restore (it migrates forward)"
            )
    elif before.is_metabase and dump_schema is None:
        warnings.append("the dump's Metabase version is not recorded: not compared")
    if before.other_sessions:
        refusals.append(
            f"{before.other_sessions} other session(s) are connected to the target "
            f"(applications: {before.other_applications or '?'}) — stop Metabase first "
            "(e.g. kubectl scale deployment/metabase --replicas=0)"
        )
    if refusals and not force:
        raise BackupError("refusing to restore: " + "; ".join(refusals) + " (override: --force)")
    warnings += [f"forced: {r}" for r in refusals]
    for warning in warnings:
        log.warning("%s", warning)

    created = _now(now)
    stem = Path(input.name.removesuffix(AGE_SUFFIX)).stem
    safety_name = f"{stem}-before-restore-{created.strftime(_STAMP)}.dump"
    safety_path = input.with_name(safety_name + (AGE_SUFFIX if recipients else ""))
    safety = _dump_to_file(
        db,
        before,
        safety_path,
        kind="safety",
        created=created,
        pg_bin=pg_bin,
        recipients=recipients or None,
    )
    log.info("safety backup of %s written to %s", db.display, safety_path)

    db.restore(archive_path, archive, before.server_major)
    after = db.state()
    return RestoreResult(
        input=input,
        database=db.display,
        mode=db.mode,
        sha256=digest,
        checksum_verified=recorded is not None,
        safety_backup=safety,
        dump_server_version=archive.dumped_from,
        target_server_version=before.server_version,
        dump_metabase_schema=dump_schema,
        target_metabase_schema_before=before.metabase_schema,
        warnings=tuple(warnings),
        tables=after.tables,
        rows=after.rows,
        metabase_schema=after.metabase_schema,
        seconds=time.monotonic() - started,
    )


# ------------------------------------------------------------------------- settings


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
    if database_url and kube_pod:
        raise ConfigError("give --database-url or --kube-pod, not both")
    if not database_url and not kube_pod:
        configured_url = settings.metabase_database_url
        if configured_url is not None and settings.kube_pod:
            raise ConfigError(
                "both METABASE_DATABASE_URL (or MB_DB_CONNECTION_URI) and KUBE_POD_NAME are "
                "set: choose with --database-url or --kube-pod"
            )
        if configured_url is not None:
            database_url = configured_url.get_secret_value()
        else:
            kube_pod = settings.kube_pod
    if database_url:
        return database_target(database_url)
    if not kube_pod:
        raise ConfigError(
            "where is Metabase's database? Set METABASE_DATABASE_URL (or "
            "MB_DB_CONNECTION_URI) or give --database-url for direct mode; set KUBE_POD_NAME "
            "or give --kube-pod to run pg_dump inside the database pod"
        )
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
