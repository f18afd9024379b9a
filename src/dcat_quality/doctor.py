"""``doctor``: is every configured service reachable and usable from here?

Each check returns a ``Check`` (passed, failed with the fix, or skipped when the service
is not configured); ``run_doctor`` runs them in order and returns a ``DoctorReport``.
Nothing is written anywhere: the checks list, connect and read versions only.

Checks: configuration (the settings validate), Vault (login and secret read, when
``VAULT_ADDR`` is set), S3 (the source prefix lists, when the source is on S3),
PostgreSQL (the warehouse connects; its server version), pg_dump for the warehouse
(a client not older than the server), Metabase (API reachable, version, credentials,
when ``METABASE_URL`` is set), Metabase's application database and its pg_dump (when
``METABASE_DATABASE_URL`` is set), Superset (when ``SUPERSET_URL`` is set: API reachable,
version, login; Jinja templating on, which the dashboard's questions need; the warehouse
connection present and reaching the warehouse's schema) and Superset's metadata database
and its pg_dump (when ``SUPERSET_METADATA_DATABASE_URL`` is set).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import psycopg
from pydantic import SecretStr, ValidationError

from dcat_quality.config import Origin, Settings, TracedSettings, trace_settings
from dcat_quality.errors import DcatQualityError
from dcat_quality.superset.client import ServerInfo, SupersetClient
from dcat_quality.warehouse.connection import APPLICATION_NAME, resolve_database
from dcat_quality.warehouse.target import DatabaseTarget, scrub

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5.0


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Check:
    """One line of the report: what was checked, what was found, and the fix on failure."""

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class DoctorReport:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """True when no configured check failed (skipped ones do not count)."""
        return all(c.status is not Status.FAILED for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.status is Status.FAILED]

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


@dataclass
class _State:
    """What earlier checks learnt, for the later ones."""

    settings: Settings | None = None
    server_major: dict[str, int] = field(default_factory=dict)
    superset_info: ServerInfo | None = None  # None: Superset not reached
    superset_login: bool = False


def passed(name: str, detail: str) -> Check:
    return Check(name, Status.PASSED, detail)


def skipped(name: str, detail: str) -> Check:
    return Check(name, Status.SKIPPED, detail)


def failed(name: str, message: str, fix: str = "") -> Check:
    """A failure; a message in our ``what — what to do`` form is split at the dash."""
    detail, dash, hint = message.partition(" — ")
    return Check(name, Status.FAILED, detail.strip(), (hint.strip() if dash else "") or fix)


def run_doctor(*, timeout: float = DEFAULT_TIMEOUT, **overrides: Any) -> DoctorReport:
    """Run every check; ``overrides`` are command-line settings, as for ``load_settings``."""
    state = _State()
    checks: list[Check] = []
    config_check, vault_check = _configuration(state, overrides, timeout)
    checks += [config_check, vault_check]
    steps: list[Callable[[_State, float], Check]] = [
        _s3,
        _warehouse,
        _warehouse_pg_dump,
        _metabase,
        _metabase_db,
        _metabase_pg_dump,
        _superset,
        _superset_templating,
        _superset_warehouse,
        _superset_db,
        _superset_pg_dump,
    ]
    for step in steps:
        if state.settings is None:
            checks.append(skipped(_NAMES[step], "the configuration is invalid"))
            continue
        try:
            checks.append(step(state, timeout))
        except DcatQualityError as exc:  # a check that failed in an unforeseen way
            checks.append(failed(_NAMES[step], str(exc), "see the message"))
    return DoctorReport(tuple(checks))


# ------------------------------------------------------------------ configuration, Vault

CONFIGURATION = "configuration"
VAULT = "Vault"
S3 = "S3 source"
WAREHOUSE = "PostgreSQL warehouse"
WAREHOUSE_PG_DUMP = "pg_dump (warehouse)"
METABASE = "Metabase API"
METABASE_DB = "Metabase app DB"
METABASE_PG_DUMP = "pg_dump (Metabase app DB)"
SUPERSET = "Superset API"
SUPERSET_TEMPLATING = "Superset Jinja templating"
SUPERSET_WAREHOUSE = "Superset warehouse connection"
SUPERSET_DB = "Superset metadata DB"
SUPERSET_PG_DUMP = "pg_dump (Superset metadata DB)"
_CONFIG_FIX = "correct the settings named (dcat-quality config shows them and their origin)"


def _configuration(state: _State, overrides: dict[str, Any], timeout: float) -> tuple[Check, Check]:
    from dcat_quality.vault import VaultConfig, read_secret  # noqa: PLC0415 (hvac is heavy)

    try:
        traced = trace_settings(use_vault=False, **overrides)
    except ValidationError as exc:
        return (
            failed(CONFIGURATION, f"invalid configuration: {_problems(exc)}", _CONFIG_FIX),
            skipped(VAULT, "the configuration is invalid"),
        )
    except DcatQualityError as exc:
        return failed(CONFIGURATION, str(exc), _CONFIG_FIX), skipped(VAULT, "not checked")
    state.settings = traced.settings
    try:
        vault = VaultConfig.from_settings(traced.settings)
    except DcatQualityError as exc:
        return _summary(traced, vault_used=False), failed(VAULT, str(exc))
    if vault is None:
        return _summary(traced, vault_used=False), skipped(VAULT, "VAULT_ADDR is not set")
    try:
        secret = read_secret(vault, timeout=timeout)
    except DcatQualityError as exc:
        return _summary(traced, vault_used=False), failed(VAULT, str(exc))
    vault_check = passed(
        VAULT,
        f"{vault.login}: read {vault.location} at {vault.addr} "
        f"({len(secret.keys)} key(s): {', '.join(secret.keys) or 'none'})",
    )
    try:
        traced = trace_settings(**overrides)
    except ValidationError as exc:
        state.settings = None
        return (
            failed(
                CONFIGURATION, f"invalid configuration with Vault: {_problems(exc)}", _CONFIG_FIX
            ),
            vault_check,
        )
    except DcatQualityError as exc:  # Vault changed its mind between two reads
        return _summary(traced, vault_used=False), failed(VAULT, str(exc))
    state.settings = traced.settings
    return _summary(traced, vault_used=True), vault_check


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def _summary(traced: TracedSettings, *, vault_used: bool) -> Check:
    counts: dict[Origin, int] = {}
    for origin in traced.origins.values():
        counts[origin] = counts.get(origin, 0) + 1
    shown = ", ".join(f"{n} from {o.value}" for o, n in counts.items()) or "all defaults"
    note = "" if vault_used or not traced.settings.vault_addr else " (without Vault's values)"
    return passed(CONFIGURATION, f"valid: {shown}{note}")


# ------------------------------------------------------------------------------ S3


def _s3(state: _State, timeout: float) -> Check:
    from dcat_quality.sources import open_source, require_pages  # noqa: PLC0415 (boto3)

    assert state.settings is not None
    location = state.settings.effective_source
    if not location or not location.startswith("s3://"):
        return skipped(S3, f"the source is not on S3 ({location or 'the demo sample'})")
    source = open_source(
        location, state.settings, max_attempts=1, connect_timeout=timeout, read_timeout=timeout
    )
    try:
        pages = require_pages(source)
    except DcatQualityError as exc:
        return failed(
            S3,
            str(exc),
            "check the endpoint (AWS_S3_ENDPOINT / S3_ENDPOINT_URL), the keys and the bucket",
        )
    return passed(S3, f"{source.describe()}: {len(pages)} page(s) listed")


# ---------------------------------------------------------------------- PostgreSQL


def _server_version(target: DatabaseTarget, timeout: float) -> tuple[str, int]:
    """(version, version number) of the server, or ``DatabaseUnreachable``."""
    try:
        with psycopg.connect(
            target.conninfo,
            autocommit=True,
            connect_timeout=max(1, int(timeout)),
            application_name=APPLICATION_NAME,
        ) as conn:
            row = conn.execute(
                "SELECT current_setting('server_version'), "
                "current_setting('server_version_num')::int"
            ).fetchone()
    except psycopg.Error as exc:
        raise _Unreachable(scrub(str(exc).strip(), target)) from None
    assert row is not None
    return str(row[0]), int(row[1])


class _Unreachable(Exception):
    pass


def _warehouse(state: _State, timeout: float) -> Check:
    settings = state.settings
    assert settings is not None
    if not settings.database_configured():
        return skipped(
            WAREHOUSE, "no warehouse configured: the embedded PostgreSQL is used (DATABASE_URL)"
        )
    target = resolve_database(settings)
    try:
        version, number = _server_version(target, timeout)
    except _Unreachable as exc:
        return failed(
            WAREHOUSE,
            f"cannot connect to {target.display}: {_first_line(str(exc))}",
            "check DATABASE_URL (or POSTGRES_*, PG*): host, port, user, password, database, "
            "and that the server accepts connections from here",
        )
    state.server_major[WAREHOUSE] = number // 10000
    return passed(WAREHOUSE, f"PostgreSQL {version} at {target.display}")


def _pg_dump(state: _State, name: str, server: str, why: str) -> Check:
    from dcat_quality.backup import pick_pg_tool  # noqa: PLC0415

    settings = state.settings
    assert settings is not None
    major = state.server_major.get(server)
    if major is None:
        return skipped(name, f"no {server} server version to compare with")
    try:
        tool = pick_pg_tool("pg_dump", at_least=major, pg_bin=settings.pg_bin, why=why)
    except DcatQualityError as exc:
        return failed(name, str(exc))
    return passed(name, f"pg_dump {tool.version} ({tool.path}) for PostgreSQL {major}")


def _warehouse_pg_dump(state: _State, timeout: float) -> Check:
    return _pg_dump(
        state,
        WAREHOUSE_PG_DUMP,
        WAREHOUSE,
        f"metabase backup-warehouse of a PostgreSQL {state.server_major.get(WAREHOUSE)} server",
    )


# ------------------------------------------------------------------------ Metabase


def _metabase(state: _State, timeout: float) -> Check:
    from dcat_quality.metabase.client import MetabaseClient  # noqa: PLC0415

    settings = state.settings
    assert settings is not None
    if not settings.metabase_url:
        return skipped(METABASE, "METABASE_URL is not set")
    try:
        with MetabaseClient(
            settings.metabase_url,
            api_key=_secret(settings.metabase_api_key),
            username=settings.metabase_username,
            password=_secret(settings.metabase_password),
            timeout=timeout,
        ) as client:
            version = client.get_version()
            user = client.get_current_user()
    except DcatQualityError as exc:
        return failed(
            METABASE,
            str(exc),
            "check METABASE_URL (the Metabase root, e.g. https://metabase.example.org), that "
            "Metabase is up, and METABASE_API_KEY (or METABASE_USERNAME/METABASE_PASSWORD)",
        )
    who = user.get("email") or user.get("common_name") or "?"
    how = "API key" if settings.metabase_api_key else "session"
    return passed(METABASE, f"Metabase {version} at {settings.metabase_url}, as {who} ({how})")


def _metabase_db(state: _State, timeout: float) -> Check:
    from dcat_quality.backup import database_target  # noqa: PLC0415

    settings = state.settings
    assert settings is not None
    if settings.metabase_database_url is None:
        if settings.kube_pod:
            return skipped(METABASE_DB, f"kube mode ({settings.kube_pod}): reached through kubectl")
        return skipped(METABASE_DB, "METABASE_DATABASE_URL is not set")
    target = database_target(settings.metabase_database_url.get_secret_value())
    try:
        version, number = _server_version(target, timeout)
    except _Unreachable as exc:
        return failed(
            METABASE_DB,
            f"cannot connect to {target.display}: {_first_line(str(exc))}",
            "check METABASE_DATABASE_URL (or MB_DB_CONNECTION_URI) and that the server "
            "accepts connections from here",
        )
    state.server_major[METABASE_DB] = number // 10000
    return passed(METABASE_DB, f"PostgreSQL {version} at {target.display}")


def _metabase_pg_dump(state: _State, timeout: float) -> Check:
    settings = state.settings
    assert settings is not None
    if settings.metabase_database_url is None and settings.kube_pod:
        return skipped(METABASE_PG_DUMP, "kube mode: the pod's own pg_dump is used")
    return _pg_dump(
        state,
        METABASE_PG_DUMP,
        METABASE_DB,
        f"metabase backup of a PostgreSQL {state.server_major.get(METABASE_DB)} server",
    )


# ------------------------------------------------------------------------ Superset


def _superset_client(settings: Settings, timeout: float) -> SupersetClient:
    assert settings.superset_url
    return SupersetClient(
        settings.superset_url,
        username=settings.superset_username,
        password=_secret(settings.superset_password),
        timeout=timeout,
    )


def _superset(state: _State, timeout: float) -> Check:
    settings = state.settings
    assert settings is not None
    if not settings.superset_url:
        return skipped(SUPERSET, "SUPERSET_URL is not set")
    try:
        with _superset_client(settings, timeout) as client:
            state.superset_info = client.server_info()
            user = client.current_user()
    except DcatQualityError as exc:
        return failed(
            SUPERSET,
            str(exc),
            "check SUPERSET_URL (the Superset root, e.g. https://superset.example.org), that "
            "Superset is up, and SUPERSET_USERNAME / SUPERSET_PASSWORD",
        )
    state.superset_login = True
    version = state.superset_info.version or "(version not shown)"
    who = user.get("username") or user.get("email") or "?"
    return passed(SUPERSET, f"Superset {version} at {settings.superset_url}, as {who}")


def _superset_templating(state: _State, timeout: float) -> Check:
    from dcat_quality.superset.provision import TEMPLATING_HINT  # noqa: PLC0415

    info = state.superset_info
    if info is None:
        return skipped(SUPERSET_TEMPLATING, "Superset not reached (see the Superset API row)")
    if not info.readable:
        return failed(
            SUPERSET_TEMPLATING,
            "Superset's login page shows no feature flags: cannot tell whether Jinja "
            "templating is on",
            "check that SUPERSET_URL is the Superset root; the dashboard's questions need "
            f"templating: {TEMPLATING_HINT}",
        )
    if not info.feature_flags.get("ENABLE_TEMPLATE_PROCESSING"):
        return failed(
            SUPERSET_TEMPLATING,
            "ENABLE_TEMPLATE_PROCESSING is off: the dashboard's questions cannot read the filters",
            TEMPLATING_HINT,
        )
    return passed(SUPERSET_TEMPLATING, "ENABLE_TEMPLATE_PROCESSING is on")


def _superset_warehouse(state: _State, timeout: float) -> Check:
    settings = state.settings
    assert settings is not None
    if not state.superset_login:
        return skipped(SUPERSET_WAREHOUSE, "not logged in to Superset")
    name, schema = settings.superset_database_name, settings.schema_name
    try:
        with _superset_client(settings, timeout) as client:
            found = [d for d in client.find_databases(name) if d.get("database_name") == name]
            if not found:
                return failed(
                    SUPERSET_WAREHOUSE,
                    f"Superset has no database connection named {name!r}",
                    "run dcat-quality superset provision (it creates the connection from "
                    "SUPERSET_WAREHOUSE_URL, else the warehouse URL), or set "
                    "SUPERSET_DATABASE_NAME to the name of the existing connection",
                )
            database_id = int(found[0]["id"])
            schemas = client.database_schemas(database_id)
    except DcatQualityError as exc:
        return failed(
            SUPERSET_WAREHOUSE,
            f"Superset cannot list the schemas of connection {name!r}: {_first_line(str(exc))}",
            "check the connection's URL and password in Superset (Settings → Database "
            "Connections) and that the warehouse accepts connections from Superset",
        )
    if schema not in schemas:
        return failed(
            SUPERSET_WAREHOUSE,
            f"connection {name!r} does not see the schema {schema!r}",
            "load the warehouse first (dcat-quality run), or grant USAGE on the schema to "
            "the connection's role (docs/superset.md)",
        )
    return passed(SUPERSET_WAREHOUSE, f"connection {name!r} (id {database_id}) sees {schema!r}")


def _superset_db(state: _State, timeout: float) -> Check:
    from dcat_quality.backup import database_target  # noqa: PLC0415

    settings = state.settings
    assert settings is not None
    configured = settings.superset_metadata_database_url
    if configured is None or not configured.get_secret_value():
        if settings.superset_kube_pod:
            return skipped(
                SUPERSET_DB, f"kube mode ({settings.superset_kube_pod}): reached through kubectl"
            )
        return skipped(SUPERSET_DB, "SUPERSET_METADATA_DATABASE_URL is not set")
    target = database_target(configured.get_secret_value())
    try:
        version, number = _server_version(target, timeout)
    except _Unreachable as exc:
        return failed(
            SUPERSET_DB,
            f"cannot connect to {target.display}: {_first_line(str(exc))}",
            "check SUPERSET_METADATA_DATABASE_URL and that the server accepts connections "
            "from here",
        )
    state.server_major[SUPERSET_DB] = number // 10000
    return passed(SUPERSET_DB, f"PostgreSQL {version} at {target.display}")


def _superset_pg_dump(state: _State, timeout: float) -> Check:
    settings = state.settings
    assert settings is not None
    if settings.superset_metadata_database_url is None and settings.superset_kube_pod:
        return skipped(SUPERSET_PG_DUMP, "kube mode: the pod's own pg_dump is used")
    return _pg_dump(
        state,
        SUPERSET_PG_DUMP,
        SUPERSET_DB,
        f"superset backup of a PostgreSQL {state.server_major.get(SUPERSET_DB)} server",
    )


_NAMES: dict[Callable[[_State, float], Check], str] = {
    _s3: S3,
    _warehouse: WAREHOUSE,
    _warehouse_pg_dump: WAREHOUSE_PG_DUMP,
    _metabase: METABASE,
    _metabase_db: METABASE_DB,
    _metabase_pg_dump: METABASE_PG_DUMP,
    _superset: SUPERSET,
    _superset_templating: SUPERSET_TEMPLATING,
    _superset_warehouse: SUPERSET_WAREHOUSE,
    _superset_db: SUPERSET_DB,
    _superset_pg_dump: SUPERSET_PG_DUMP,
}


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no detail"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
