"""Settings: one typed object, read from the command line, the environment, Vault and
``.env``.

Precedence, highest first (decided once, in ``Settings.settings_customise_sources``):

1. command-line option;
2. process environment;
3. Vault: the KV v2 secret ``$VAULT_MOUNT/$VAULT_TOP_DIR/dcat-quality`` (or
   ``VAULT_SECRET_PATH``), keys named like the environment variables, read only when
   ``VAULT_ADDR`` is set (see ``dcat_quality.vault``);
4. ``.env`` file in the working directory;
5. default.

Vault sits above ``.env`` because the vault is the managed, rotated copy of a secret
while a ``.env`` is a local file that goes stale; the environment stays above Vault so
that an operator (or a Kubernetes manifest) can always override one value explicitly.
The ``VAULT_*`` settings themselves are read from the command line, the environment or
``.env``, never from the secret.

Where a setting has several names, the standard name wins over the historical one when
both are set (order of the aliases below). Historical names (``S3_ENDPOINT_URL``,
``ACCESS_KEY``, ``POSTGRES_URL``…) are those of the scripts this product replaces, so
existing deployments keep working unchanged. ``trace_settings`` also tells which source
gave each value (``dcat-quality config``).
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from dcat_quality.cpus import available_cpus
from dcat_quality.vault import VaultSettingsSource

DEFAULT_PREFIX = "DUMP_INTEGRATION_JSON"

#: libpq variables that, when set, mean "a database is configured" (psycopg reads them).
LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE")

KUBERNETES_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")

#: Set while validating values already read from the sources: no source is read again.
_VALUES_ONLY: ContextVar[bool] = ContextVar("dcat_quality_values_only", default=False)


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dcat-quality"


class Settings(BaseSettings):
    """Every setting of dcat-quality; the field description is its documentation."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # Off: with it, a field named ``home`` would also read $HOME.
        populate_by_name=False,
    )

    source: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_SOURCE"),
        description=(
            "Where the dump pages are: a local folder or file, or s3://bucket/prefix. "
            "Default: s3://$BUCKET_NAME/DUMP_INTEGRATION_JSON/ when BUCKET_NAME is set, "
            "else the demo sample shipped with the package."
        ),
    )
    bucket_name: str | None = Field(
        default=None,
        validation_alias=AliasChoices("BUCKET_NAME"),
        description="Historical: the bucket holding the dump (prefix DUMP_INTEGRATION_JSON/).",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_ENDPOINT_URL", "S3_ENDPOINT_URL", "AWS_S3_ENDPOINT"),
        description=(
            "S3 endpoint (MinIO). AWS_S3_ENDPOINT is a host without scheme (SSPCloud); "
            "https:// is then assumed."
        ),
    )
    s3_access_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_ACCESS_KEY_ID", "ACCESS_KEY"),
        description="S3 access key id.",
    )
    s3_secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_SECRET_ACCESS_KEY", "SECRET_KEY"),
        description="S3 secret access key.",
    )
    s3_session_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_SESSION_TOKEN"),
        description="S3 session token (SSPCloud's temporary credentials).",
    )
    s3_region: str = Field(
        default="us-east-1",
        validation_alias=AliasChoices("AWS_DEFAULT_REGION", "AWS_REGION"),
        description="S3 region; MinIO accepts any.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL"),
        description="Warehouse PostgreSQL URL (postgresql://user:password@host:port/db).",
    )
    postgres_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("POSTGRES_URL", "POSTGRES_HOST"),
        description="Historical: warehouse host (POSTGRES_URL holds a host, not a URL).",
    )
    postgres_port: int | None = Field(
        default=None,
        validation_alias=AliasChoices("POSTGRES_PORT"),
        description="Historical: warehouse port.",
    )
    postgres_db: str | None = Field(
        default=None,
        validation_alias=AliasChoices("POSTGRES_DB"),
        description="Historical: warehouse database name.",
    )
    postgres_user: str | None = Field(
        default=None,
        validation_alias=AliasChoices("POSTGRES_USER"),
        description="Historical: warehouse user.",
    )
    postgres_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("POSTGRES_PASSWORD"),
        description="Historical: warehouse password.",
    )
    schema_name: str = Field(
        default="dcat_quality",
        validation_alias=AliasChoices("DCAT_QUALITY_SCHEMA"),
        description="PostgreSQL schema holding the warehouse tables and views.",
    )
    keep_runs: int = Field(
        default=30,
        ge=1,
        validation_alias=AliasChoices("DCAT_QUALITY_KEEP_RUNS"),
        description="Detailed rows are kept for this many successful runs; run history forever.",
    )
    home: Path = Field(
        default_factory=_default_home,
        validation_alias=AliasChoices("DCAT_QUALITY_HOME"),
        description="Local data folder (embedded PostgreSQL lives in <home>/postgres).",
    )
    workers: int = Field(
        default_factory=available_cpus,
        ge=1,
        validation_alias=AliasChoices("DCAT_QUALITY_WORKERS"),
        description=(
            "Parser processes (default: the CPUs this process may use, container CPU "
            "quota included); 1 parses in the main process."
        ),
    )
    metabase_database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("METABASE_DATABASE_URL", "MB_DB_CONNECTION_URI"),
        description=(
            "Metabase's application database, for backup/restore in direct mode "
            "(postgresql://user:password@host:port/db; Metabase's own MB_DB_CONNECTION_URI, "
            "jdbc: prefix and ?user=&password= included, is read too)."
        ),
    )
    kube_pod: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KUBE_POD_NAME"),
        description=(
            "Historical: pod running Metabase's PostgreSQL (e.g. metabase-db-0); backup and "
            "restore then run pg_dump/pg_restore inside it through kubectl exec."
        ),
    )
    kube_namespace: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_KUBE_NAMESPACE"),
        description="Namespace of that pod (default: kubectl's current namespace).",
    )
    kube_container: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_KUBE_CONTAINER"),
        description="Container of that pod (default: its first container).",
    )
    metabase_db_name: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MB_DB_DBNAME"),
        description="Metabase's database inside the pod (kube mode); default POSTGRES_DB.",
    )
    metabase_db_user: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MB_DB_USER"),
        description="User for Metabase's database (kube mode); default POSTGRES_USER or postgres.",
    )
    metabase_db_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MB_DB_PASS"),
        description=(
            "Password for Metabase's database (kube mode; sent through kubectl's stdin, never "
            "on a command line); default POSTGRES_PASSWORD."
        ),
    )
    backup_bucket: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_BACKUP_BUCKET"),
        description="Bucket for database backups (default: BUCKET_NAME).",
    )
    backup_prefix: str = Field(
        default="backups/metabase",
        validation_alias=AliasChoices("DCAT_QUALITY_BACKUP_PREFIX"),
        description="Key prefix of Metabase app-DB backups in the backup bucket.",
    )
    warehouse_backup_prefix: str = Field(
        default="backups/warehouse",
        validation_alias=AliasChoices("DCAT_QUALITY_WAREHOUSE_BACKUP_PREFIX"),
        description="Key prefix of warehouse backups in the backup bucket.",
    )
    backup_keep: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("DCAT_QUALITY_BACKUP_KEEP"),
        description="Keep this many dated backups in S3, deleting older ones (default: all).",
    )
    backup_age_recipients: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_BACKUP_AGE_RECIPIENTS"),
        description=(
            "Encrypt backups with age to these public keys (comma-separated age1…): the "
            "dump is written as <dump>.age, never in clear (needs the encryption extra)."
        ),
    )
    backup_age_identity_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_BACKUP_AGE_IDENTITY_FILE"),
        description=(
            "File holding the age private key(s) (AGE-SECRET-KEY-1…) that decrypt a .age "
            "backup before a restore; the key itself is never printed."
        ),
    )
    pg_bin: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_PG_BIN"),
        description=(
            "Folder holding the pg_dump/pg_restore to use (default: the oldest client on "
            "PATH, pgserver or /usr/lib/postgresql that is not older than the server)."
        ),
    )

    metabase_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("METABASE_URL"),
        description="Metabase base URL (https://metabase.example.org), for metabase provision.",
    )
    metabase_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("METABASE_API_KEY"),
        description=(
            "Metabase API key (Metabase 0.49+; its group must curate the collection and "
            "query the warehouse). Preferred over a user session."
        ),
    )
    metabase_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("METABASE_USERNAME"),
        description="Metabase user e-mail, used with METABASE_PASSWORD when there is no API key.",
    )
    metabase_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("METABASE_PASSWORD"),
        description="Password of METABASE_USERNAME.",
    )
    metabase_database_name: str = Field(
        default="dcat_quality",
        validation_alias=AliasChoices("METABASE_DATABASE_NAME"),
        description=(
            "Name under which the warehouse is declared in Metabase (Admin → Databases); "
            "the dashboard's questions run on it."
        ),
    )

    superset_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_URL"),
        description="Superset base URL (https://superset.example.org), for superset provision.",
    )
    superset_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_USERNAME"),
        description=(
            "Superset user (database login; it must be allowed to add the database, "
            "datasets, charts and the dashboard, e.g. Admin)."
        ),
    )
    superset_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_PASSWORD"),
        description="Password of SUPERSET_USERNAME.",
    )
    superset_database_name: str = Field(
        default="dcat-quality",
        validation_alias=AliasChoices("SUPERSET_DATABASE_NAME"),
        description=(
            "Name of the warehouse connection in Superset: used when it exists, created "
            "(from SUPERSET_WAREHOUSE_URL) when it does not."
        ),
    )
    superset_warehouse_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_WAREHOUSE_URL"),
        description=(
            "How Superset reaches the warehouse when provision creates the connection "
            "(postgresql://reader:password@host:5432/db; a read-only role is recommended); "
            "default: the warehouse URL dcat-quality uses."
        ),
    )
    superset_metadata_database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_METADATA_DATABASE_URL"),
        description=(
            "Superset's own metadata database, for superset backup/restore "
            "(postgresql://user:password@host:port/db; SSPCloud: the superset-db service)."
        ),
    )
    superset_kube_pod: str | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_KUBE_POD"),
        description=(
            "Pod running Superset's PostgreSQL (e.g. superset-postgresql-0): superset "
            "backup/restore then run pg_dump/pg_restore inside it through kubectl exec "
            "(namespace and container: DCAT_QUALITY_KUBE_NAMESPACE, DCAT_QUALITY_KUBE_CONTAINER)."
        ),
    )
    superset_db_name: str = Field(
        default="superset",
        validation_alias=AliasChoices("SUPERSET_DB_NAME"),
        description="Superset's metadata database inside the pod (kube mode).",
    )
    superset_db_user: str = Field(
        default="superset",
        validation_alias=AliasChoices("SUPERSET_DB_USER"),
        description="User for Superset's metadata database (kube mode).",
    )
    superset_db_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SUPERSET_DB_PASS"),
        description=(
            "Password for Superset's metadata database (kube mode; sent through kubectl's "
            "stdin, never on a command line)."
        ),
    )
    superset_backup_prefix: str = Field(
        default="backups/superset",
        validation_alias=AliasChoices("DCAT_QUALITY_SUPERSET_BACKUP_PREFIX"),
        description="Key prefix of Superset metadata-DB backups in the backup bucket.",
    )

    http_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_HTTP_TOKEN"),
        description=(
            "Bearer token for a DCAT HTTP endpoint source, sent only to the first page's "
            "host (basic auth: put user:password@ in the URL)."
        ),
    )
    http_max_pages: int = Field(
        default=100_000,
        ge=1,
        validation_alias=AliasChoices("DCAT_QUALITY_HTTP_MAX_PAGES"),
        description=(
            "Most pages harvested from a DCAT HTTP endpoint; a catalog with more fails "
            "the run instead of looping forever."
        ),
    )

    csw_page_size: int = Field(
        default=50,
        ge=1,
        le=10_000,
        validation_alias=AliasChoices("DCAT_QUALITY_CSW_PAGE_SIZE"),
        description=(
            "Records asked per CSW GetRecords request (maxRecords) when the source is a "
            "CSW catalogue (csw+https://…)."
        ),
    )
    csw_output_schema: Literal["auto", "geodcat-ap", "dcat", "iso19139"] = Field(
        default="auto",
        validation_alias=AliasChoices("DCAT_QUALITY_CSW_OUTPUT_SCHEMA"),
        description=(
            "Output schema asked of a CSW catalogue: auto takes the first GetCapabilities "
            "offers among GeoDCAT-AP, DCAT and ISO 19139 (mapped to DCAT here)."
        ),
    )

    link_max_age_hours: float = Field(
        default=168.0,
        gt=0,
        validation_alias=AliasChoices("DCAT_QUALITY_LINK_MAX_AGE_HOURS"),
        description="Link checks older than this many hours are done again.",
    )
    link_per_host: int = Field(
        default=2,
        ge=1,
        validation_alias=AliasChoices("DCAT_QUALITY_LINK_PER_HOST"),
        description="Link checks in flight at once per host (politeness).",
    )
    link_delay: float = Field(
        default=0.5,
        ge=0,
        validation_alias=AliasChoices("DCAT_QUALITY_LINK_DELAY"),
        description="Seconds between two link checks on the same host.",
    )
    link_timeout: float = Field(
        default=10.0,
        gt=0,
        validation_alias=AliasChoices("DCAT_QUALITY_LINK_TIMEOUT"),
        description="Seconds to wait for an answer to one link check.",
    )

    smtp_host: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_HOST", "SMTP_HOST"),
        description="Mail server the publisher digests are sent through (digest --send).",
    )
    smtp_port: int = Field(
        default=587,
        ge=1,
        le=65535,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_PORT", "SMTP_PORT"),
        description="Its port (587: submission, switched to TLS by STARTTLS).",
    )
    smtp_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_USERNAME", "SMTP_USERNAME"),
        description="Login on the mail server (with DCAT_QUALITY_SMTP_PASSWORD); unset: no login.",
    )
    smtp_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_PASSWORD", "SMTP_PASSWORD"),
        description="Password of that login (a Secret or Vault key; never printed).",
    )
    smtp_from: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_FROM", "SMTP_FROM"),
        description="Sender address of the digests (default: the login).",
    )
    smtp_starttls: bool = Field(
        default=True,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_STARTTLS"),
        description=(
            "Switch the connection to TLS with STARTTLS before logging in (default); false "
            "only for a relay on a trusted network, and then no login is sent."
        ),
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_SMTP_CA_FILE"),
        description="CA certificate(s) to trust for the mail server, besides the system ones.",
    )
    digest_recipients: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("DCAT_QUALITY_DIGEST_RECIPIENTS"),
        description=(
            "YAML file mapping each publisher (as the dashboard names it) to the address or "
            "addresses its digest goes to."
        ),
    )

    dcat_ap_version: Literal["2.1.1", "3.0.1"] = Field(
        default="2.1.1",
        validation_alias=AliasChoices("DCAT_QUALITY_DCAT_AP_VERSION"),
        description=(
            "DCAT-AP version whose official SEMIC shapes decide the DCAT-AP compliance "
            "check: 2.1.1 (what data.europa.eu validates against) or 3.0.1."
        ),
    )
    licence_extras: bool = Field(
        default=False,
        validation_alias=AliasChoices("DCAT_QUALITY_LICENCE_EXTRAS"),
        description=(
            "Also count dcat-quality's own licence list (SPDX and Etalab IRIs, loose "
            "http/https and trailing-slash matching) as known licences; off: the EU licence "
            "authority table alone, as data.europa.eu."
        ),
    )

    vault_addr: str | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_ADDR"),
        description=(
            "Vault (or OpenBao) address, e.g. https://vault.lab.sspcloud.fr; settings are "
            "then also read from a KV v2 secret. Unset: Vault is never contacted."
        ),
    )
    vault_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_TOKEN"),
        description=(
            "Vault token (SSPCloud: the user's own, from My account → Vault; it expires). "
            "Used when neither AppRole nor JWT login is configured."
        ),
    )
    vault_mount: str = Field(
        default="onyxia-kv",
        validation_alias=AliasChoices("VAULT_MOUNT"),
        description="Mount of the KV v2 secrets engine (Onyxia: onyxia-kv).",
    )
    vault_top_dir: str | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_TOP_DIR"),
        description=(
            "Onyxia's folder in the mount (user-<name> or projet-<group>); the secret is "
            "<top dir>/dcat-quality."
        ),
    )
    vault_secret_path: str | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_SECRET_PATH"),
        description=(
            "Path of the secret inside the mount, replacing <VAULT_TOP_DIR>/dcat-quality "
            "(dcat-quality when VAULT_TOP_DIR is unset)."
        ),
    )
    vault_role_id: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_ROLE_ID"),
        description="AppRole login (unattended jobs): the role ID, with VAULT_SECRET_ID.",
    )
    vault_secret_id: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_SECRET_ID"),
        description="AppRole login: the secret ID.",
    )
    vault_auth_role: str | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_AUTH_ROLE"),
        description=(
            "JWT login (unattended jobs on Kubernetes): the Vault role to log in as, with "
            "the service-account token in VAULT_JWT_PATH."
        ),
    )
    vault_auth_path: str | None = Field(
        default=None,
        validation_alias=AliasChoices("VAULT_AUTH_PATH"),
        description=(
            "Mount of the auth method (default approle for AppRole, jwt for JWT; "
            "kubernetes for Vault's Kubernetes auth method)."
        ),
    )
    vault_jwt_path: Path = Field(
        default=KUBERNETES_TOKEN,
        validation_alias=AliasChoices("VAULT_JWT_PATH"),
        description="File holding the JWT for the JWT login (a Kubernetes service-account token).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The precedence chain, highest first: the one place where it is decided."""
        if _VALUES_ONLY.get():
            return (init_settings,)
        upstream = (init_settings, env_settings, dotenv_settings)
        vault = VaultSettingsSource(settings_cls, *upstream, validate=validate_settings)
        return (init_settings, env_settings, vault, dotenv_settings, file_secret_settings)

    @field_validator("s3_endpoint_url")
    @classmethod
    def _add_scheme(cls, value: str | None) -> str | None:
        if value and "://" not in value:
            return f"https://{value}"
        return value

    @property
    def effective_source(self) -> str | None:
        """The source to read when none is given on the command line."""
        if self.source:
            return self.source
        if self.bucket_name:
            return f"s3://{self.bucket_name}/{DEFAULT_PREFIX}/"
        return None

    def database_configured(self) -> bool:
        """True when any warehouse setting is present (else the embedded database runs)."""
        return bool(
            self.database_url
            or self.postgres_host
            or any(os.environ.get(name) for name in LIBPQ_VARIABLES)
        )


class Origin(StrEnum):
    """Which source gave a setting its value."""

    COMMAND_LINE = "command line"
    ENV = "env"
    VAULT = "Vault"
    DOTENV = ".env"
    SECRETS_DIR = "secrets dir"
    DEFAULT = "default"


@dataclass(frozen=True)
class TracedSettings:
    """Settings with, for each field set by a source, that source and the name it used."""

    settings: Settings
    origins: dict[str, Origin]
    names: dict[str, str]
    vault_location: str | None = None

    def origin(self, field: str) -> Origin:
        return self.origins.get(field, Origin.DEFAULT)


def env_name(field: str) -> str:
    """The standard environment name of a field (its first alias)."""
    alias = Settings.model_fields[field].validation_alias
    if not isinstance(alias, AliasChoices) or not isinstance(alias.choices[0], str):
        raise TypeError(f"setting {field} has no environment name")
    return alias.choices[0]


def load_settings(**overrides: Any) -> Settings:
    """Read settings, letting command-line values (not None) win over everything else.

    ``overrides`` are keyed by field name; each is passed under the field's first alias.
    """
    return trace_settings(**overrides).settings


def trace_settings(*, use_vault: bool = True, **overrides: Any) -> TracedSettings:
    """Read settings like ``load_settings``, recording which source gave each value.

    Each source of the chain is asked once for its values; the highest one providing a
    field wins. ``use_vault=False`` leaves Vault out (``doctor`` checks it on its own).
    """
    given = {env_name(name): value for name, value in overrides.items() if value is not None}
    env = EnvSettingsSource(Settings)
    dotenv = DotEnvSettingsSource(Settings)
    chain = Settings.settings_customise_sources(
        Settings,
        init_settings=InitSettingsSource(Settings, init_kwargs=given),
        env_settings=env,
        dotenv_settings=dotenv,
        file_secret_settings=SecretsSettingsSource(Settings),
    )
    by_canonical = {env_name(name): name for name in Settings.model_fields}
    merged: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    names: dict[str, str] = {}
    vault_location: str | None = None
    for source in reversed(chain):  # lowest first, so that higher ones overwrite
        origin = _origin_of(source)
        if origin is Origin.VAULT and not use_vault:
            continue
        values = source()
        merged.update(values)
        for key in values:
            field = by_canonical.get(key)
            if field is None:
                continue
            origins[field] = origin
            names[field] = _name_used(source, field, key)
        secret = getattr(source, "secret", None)
        if origin is Origin.VAULT and secret is not None:
            vault_location = f"{secret.config.location} at {secret.config.addr}"
    settings = validate_settings(merged)
    return TracedSettings(settings, origins, names, vault_location)


def validate_settings(values: dict[str, Any]) -> Settings:
    """Settings from values keyed by environment name, reading no source (the rest: defaults)."""
    token = _VALUES_ONLY.set(True)
    try:
        return Settings(**values)
    finally:
        _VALUES_ONLY.reset(token)


def _origin_of(source: PydanticBaseSettingsSource) -> Origin:
    # DotEnvSettingsSource is an EnvSettingsSource: test it first.
    if isinstance(source, InitSettingsSource):
        return Origin.COMMAND_LINE
    if isinstance(source, DotEnvSettingsSource):
        return Origin.DOTENV
    if isinstance(source, EnvSettingsSource):
        return Origin.ENV
    if isinstance(source, SecretsSettingsSource):
        return Origin.SECRETS_DIR
    return Origin.VAULT


def _name_used(source: PydanticBaseSettingsSource, field: str, canonical: str) -> str:
    """Under which of the field's names the source had the value."""
    names = getattr(source, "names", None)
    if isinstance(names, dict) and field in names:
        return str(names[field])
    present = getattr(source, "env_vars", None)
    alias = Settings.model_fields[field].validation_alias
    if isinstance(present, dict) and isinstance(alias, AliasChoices):
        for choice in alias.choices:
            if isinstance(choice, str) and (choice in present or choice.lower() in present):
                return choice
    return canonical
