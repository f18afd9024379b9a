"""Vault (or OpenBao) as one more settings source: a KV v2 secret whose keys are named
like the environment variables they replace (``DATABASE_URL``, ``POSTGRES_PASSWORD``,
``AWS_SECRET_ACCESS_KEY``, ``METABASE_API_KEY``…).

Onyxia's convention: ``VAULT_ADDR``, ``VAULT_MOUNT`` (``onyxia-kv``), ``VAULT_TOP_DIR``
(``user-<name>`` or ``projet-<group>``); the secret is ``$VAULT_TOP_DIR/dcat-quality``
unless ``VAULT_SECRET_PATH`` names another path inside the mount. Vault is contacted
only when ``VAULT_ADDR`` is set. Login, first configured wins:

- **AppRole**: ``VAULT_ROLE_ID`` + ``VAULT_SECRET_ID`` (auth mount ``VAULT_AUTH_PATH``,
  default ``approle``);
- **JWT**: ``VAULT_AUTH_ROLE`` + the token in ``VAULT_JWT_PATH`` (default: the pod's
  Kubernetes service-account token), auth mount ``VAULT_AUTH_PATH`` (default ``jwt``;
  ``kubernetes`` for Vault's Kubernetes auth method, which takes the same login body);
- **token**: ``VAULT_TOKEN`` (on SSPCloud the user's own, which expires).

Where the source sits in the precedence chain is decided once, in
``Settings.settings_customise_sources``. Secret values are never logged nor put in an
error message; key names may be.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import AliasChoices, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from dcat_quality.errors import ConfigError
from dcat_quality.redaction import scrub

if TYPE_CHECKING:
    import hvac

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_ENTRY = "dcat-quality"
DEFAULT_AUTH_PATHS = {"approle": "approle", "jwt": "jwt"}
RENEW_HINT = (
    "renew VAULT_TOKEN (SSPCloud: My account → Vault), or use AppRole (VAULT_ROLE_ID + "
    "VAULT_SECRET_ID) or JWT (VAULT_AUTH_ROLE) login"
)

LoginMethod = Literal["token", "approle", "jwt"]

#: The settings that say how to reach Vault (``VAULT_*``): read from the command line, the
#: environment or ``.env``, never from the Vault secret itself. ``config.Settings``
#: declares them with the others; this module reads them through ``VaultSettings``.
VAULT_FIELDS = (
    "vault_addr",
    "vault_token",
    "vault_mount",
    "vault_top_dir",
    "vault_secret_path",
    "vault_role_id",
    "vault_secret_id",
    "vault_auth_role",
    "vault_auth_path",
    "vault_jwt_path",
)


class VaultSettings(Protocol):
    """The ``VAULT_FIELDS`` of a settings object (``config.Settings`` is one)."""

    vault_addr: str | None
    vault_token: SecretStr | None
    vault_mount: str
    vault_top_dir: str | None
    vault_secret_path: str | None
    vault_role_id: SecretStr | None
    vault_secret_id: SecretStr | None
    vault_auth_role: str | None
    vault_auth_path: str | None
    vault_jwt_path: Path


@dataclass(frozen=True, repr=False)
class VaultConfig:
    """Where the secret is and how to log in; the credentials never show in ``repr``."""

    addr: str
    mount: str
    path: str
    method: LoginMethod
    token: str | None = field(default=None, repr=False)
    role_id: str | None = field(default=None, repr=False)
    secret_id: str | None = field(default=None, repr=False)
    auth_role: str | None = None
    auth_path: str | None = None
    jwt_path: Path | None = None

    @classmethod
    def from_settings(cls, settings: VaultSettings) -> VaultConfig | None:
        """The Vault to read, or None when ``VAULT_ADDR`` is not set."""
        if not settings.vault_addr:
            return None
        mount = settings.vault_mount.strip("/")
        if settings.vault_secret_path:
            path = settings.vault_secret_path.strip("/")
        elif settings.vault_top_dir:
            path = f"{settings.vault_top_dir.strip('/')}/{DEFAULT_ENTRY}"
        else:
            path = DEFAULT_ENTRY
        common: dict[str, Any] = {"addr": settings.vault_addr.rstrip("/"), "mount": mount}
        common["path"] = path
        role_id = _secret(settings.vault_role_id)
        if role_id:
            secret_id = _secret(settings.vault_secret_id)
            if not secret_id:
                raise ConfigError(
                    "VAULT_ROLE_ID is set but VAULT_SECRET_ID is not — set both for an "
                    "AppRole login"
                )
            return cls(
                **common,
                method="approle",
                role_id=role_id,
                secret_id=secret_id,
                auth_path=(settings.vault_auth_path or DEFAULT_AUTH_PATHS["approle"]).strip("/"),
            )
        if settings.vault_auth_role:
            return cls(
                **common,
                method="jwt",
                auth_role=settings.vault_auth_role,
                auth_path=(settings.vault_auth_path or DEFAULT_AUTH_PATHS["jwt"]).strip("/"),
                jwt_path=settings.vault_jwt_path,
            )
        token = _secret(settings.vault_token)
        if token:
            return cls(**common, method="token", token=token)
        raise ConfigError(
            f"VAULT_ADDR is set ({settings.vault_addr}) but there is no way to log in — set "
            "VAULT_TOKEN, or VAULT_ROLE_ID + VAULT_SECRET_ID (AppRole), or VAULT_AUTH_ROLE "
            "(JWT with a Kubernetes service-account token); unset VAULT_ADDR to not use Vault"
        )

    @property
    def location(self) -> str:
        """``mount/path`` of the secret (KV v2 reads ``/v1/<mount>/data/<path>``)."""
        return f"{self.mount}/{self.path}"

    @property
    def login(self) -> str:
        """How we log in, for messages."""
        if self.method == "approle":
            return f"AppRole login (auth/{self.auth_path})"
        if self.method == "jwt":
            return f"JWT login as role {self.auth_role!r} (auth/{self.auth_path})"
        return "token (VAULT_TOKEN)"

    def describe(self) -> str:
        return f"{self.location} at {self.addr}, {self.login}"

    def __repr__(self) -> str:
        return f"VaultConfig({self.describe()})"


@dataclass(frozen=True, repr=False)
class VaultSecret:
    """The secret read: its values (never shown), key names and where it came from."""

    config: VaultConfig
    values: dict[str, Any] = field(repr=False)
    version: int | None = None

    @property
    def keys(self) -> list[str]:
        return sorted(self.values)

    def __repr__(self) -> str:
        return f"VaultSecret({self.config.location}, keys={self.keys}, version={self.version})"


def read_secret(config: VaultConfig, *, timeout: float = DEFAULT_TIMEOUT) -> VaultSecret:
    """Log in and read the KV v2 secret; every failure is a ``ConfigError`` saying what to do."""
    import hvac  # noqa: PLC0415 (requests and hvac are loaded only when Vault is used)
    import requests  # noqa: PLC0415
    from hvac import exceptions as hvac_errors  # noqa: PLC0415

    secrets = _secrets_of(config)
    try:
        client = hvac.Client(url=config.addr, token=config.token or "", timeout=int(timeout))
        _login(client, config)
        response = client.secrets.kv.v2.read_secret_version(
            path=config.path, mount_point=config.mount, raise_on_deleted_version=True
        )
    except ConfigError:
        raise
    except hvac_errors.VaultError as exc:
        raise _translate(exc, config, secrets) from None
    except requests.RequestException as exc:
        detail = scrub(f"{type(exc).__name__}: {exc}", secrets)
        raise ConfigError(
            f"Vault at {config.addr} unreachable ({detail}) — check VAULT_ADDR and that Vault "
            "is reachable from here (or unset VAULT_ADDR to not use Vault)"
        ) from None
    data = response.get("data") or {}
    values = data.get("data") or {}
    if not isinstance(values, dict):
        raise ConfigError(f"the Vault secret {config.location} is not a KV v2 key/value map")
    version = (data.get("metadata") or {}).get("version")
    secret = VaultSecret(config, dict(values), version if isinstance(version, int) else None)
    log.info("read %d key(s) from Vault %s (%s)", len(values), config.location, config.login)
    return secret


def _login(client: hvac.Client, config: VaultConfig) -> None:
    from hvac import exceptions as hvac_errors  # noqa: PLC0415

    try:
        if config.method == "approle":
            client.auth.approle.login(
                role_id=config.role_id, secret_id=config.secret_id, mount_point=config.auth_path
            )
        elif config.method == "jwt":
            client.auth.jwt.jwt_login(
                role=config.auth_role, jwt=_read_jwt(config), path=config.auth_path
            )
    except hvac_errors.VaultError as exc:
        if isinstance(exc, hvac_errors.VaultDown | hvac_errors.InternalServerError):
            raise
        reason = _reason(exc, _secrets_of(config))
        if config.method == "approle":
            fix = (
                "check VAULT_ROLE_ID and VAULT_SECRET_ID (a secret ID expires and may have a "
                "use limit: generate a new one) and VAULT_AUTH_PATH"
            )
        else:
            fix = (
                "check VAULT_AUTH_ROLE, that the role's bound audience and claims match the "
                f"token in {config.jwt_path}, and VAULT_AUTH_PATH (jwt or kubernetes)"
            )
        raise ConfigError(
            f"Vault at {config.addr} refused the {config.login}: {reason} — {fix}"
        ) from None


def _read_jwt(config: VaultConfig) -> str:
    path = config.jwt_path
    try:
        token = Path(str(path)).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the service-account token for the Vault JWT login at {path} "
            f"({exc.strerror or type(exc).__name__}) — mount a service-account token in the pod "
            "(automountServiceAccountToken, or a projected token volume) or set VAULT_JWT_PATH"
        ) from None
    if not token:
        raise ConfigError(f"the service-account token file {path} is empty — set VAULT_JWT_PATH")
    return token


def _translate(exc: Exception, config: VaultConfig, secrets: tuple[str, ...]) -> ConfigError:
    """A Vault error on the secret read → what, where, what to do (never a credential)."""
    from hvac import exceptions as hvac_errors  # noqa: PLC0415

    reason = _reason(exc, secrets)
    where = f"Vault secret {config.location} at {config.addr}"
    if isinstance(exc, hvac_errors.Forbidden):
        if config.method == "token" and not _token_valid(config):
            return ConfigError(
                f"VAULT_TOKEN was refused by Vault at {config.addr} (expired or invalid) — "
                f"{RENEW_HINT}"
            )
        return ConfigError(
            f"permission denied reading the {where} ({config.login}) — the policies of this "
            f"login must allow read on {config.mount}/data/{config.path}"
        )
    if isinstance(exc, hvac_errors.InvalidPath):
        return ConfigError(
            f"no {where} (or its latest version is deleted; KV v2 expected) — create it with "
            "keys named like the environment variables (DATABASE_URL, AWS_SECRET_ACCESS_KEY…), "
            "or set VAULT_MOUNT, VAULT_TOP_DIR or VAULT_SECRET_PATH"
        )
    if isinstance(exc, hvac_errors.VaultDown):
        return ConfigError(f"Vault at {config.addr} is sealed or down ({reason}) — try again later")
    return ConfigError(f"cannot read the {where}: {reason} — check the VAULT_* settings")


def _token_valid(config: VaultConfig) -> bool:
    """Whether the token itself is accepted (as opposed to lacking a policy)."""
    import hvac  # noqa: PLC0415
    import requests  # noqa: PLC0415
    from hvac import exceptions as hvac_errors  # noqa: PLC0415

    client = hvac.Client(url=config.addr, token=config.token or "", timeout=int(DEFAULT_TIMEOUT))
    try:
        client.auth.token.lookup_self()
    except (hvac_errors.VaultError, requests.RequestException):
        return False
    return True


def _reason(exc: Exception, secrets: tuple[str, ...]) -> str:
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list) and errors:
        text = "; ".join(str(e) for e in errors)
    else:
        text = str(exc) or type(exc).__name__
    return scrub(text, secrets)


def _secrets_of(config: VaultConfig) -> tuple[str, ...]:
    return tuple(s for s in (config.token, config.role_id, config.secret_id) if s)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


# ------------------------------------------------------------------ settings source


def setting_names(settings_cls: type[BaseSettings]) -> dict[str, tuple[str, str]]:
    """Every environment name (upper case) → (field, canonical name), Vault's own excepted."""
    names: dict[str, tuple[str, str]] = {}
    for name, info in settings_cls.model_fields.items():
        if name in VAULT_FIELDS:
            continue
        choices = _choices(info)
        for choice in choices:
            names.setdefault(choice.upper(), (name, choices[0]))
    return names


def _choices(info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [c for c in alias.choices if isinstance(c, str)]
    return []


class VaultSettingsSource(PydanticBaseSettingsSource):
    """Settings read from the Vault secret, when ``VAULT_ADDR`` is set.

    How to reach Vault (``VAULT_*``) comes from the sources given, highest first (command
    line, environment, ``.env``), so those settings can live in any of them, but never in
    the secret itself. ``config`` builds this source (the precedence chain is decided
    there) and passes its validation rule: this module never imports ``config``.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        *upstream: PydanticBaseSettingsSource,
        validate: Callable[[dict[str, Any]], VaultSettings],
    ) -> None:
        super().__init__(settings_cls)
        self._upstream = upstream
        self._validate = validate
        #: The secret read by the last call (None when Vault is not configured).
        self.secret: VaultSecret | None = None
        #: field → the secret's key that set it.
        self.names: dict[str, str] = {}
        #: the secret's keys that name no setting.
        self.ignored: list[str] = []

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads the whole secret at once

    def __call__(self) -> dict[str, Any]:
        config = VaultConfig.from_settings(self._connection())
        if config is None:
            return {}
        self.secret = read_secret(config)
        return self.values_from(self.secret.values)

    def values_from(self, secret: dict[str, Any]) -> dict[str, Any]:
        """The secret's keys mapped to settings (the standard name wins over the historical)."""
        names = setting_names(self.settings_cls)
        found: dict[str, tuple[int, str, Any]] = {}
        self.ignored = []
        for key, value in secret.items():
            target = names.get(key.upper())
            if target is None:
                self.ignored.append(key)
                continue
            field_name = target[0]
            rank = [c.upper() for c in _choices(self.settings_cls.model_fields[field_name])]
            position = rank.index(key.upper())
            if field_name not in found or position < found[field_name][0]:
                found[field_name] = (position, key, value)
        if self.ignored:
            log.warning(
                "Vault secret keys that name no setting were ignored: %s",
                ", ".join(sorted(self.ignored)),
            )
        self.names = {name: key for name, (_, key, _) in found.items()}
        return {
            _choices(self.settings_cls.model_fields[name])[0]: value
            for name, (_, _, value) in found.items()
        }

    def _connection(self) -> VaultSettings:
        """The ``VAULT_*`` settings from the sources above and below Vault, validated by
        the settings' own rule (``validate``, which reads no source)."""
        merged: dict[str, Any] = {}
        for source in reversed(self._upstream):
            merged.update(source())
        fields = self.settings_cls.model_fields
        wanted = {_choices(fields[name])[0] for name in VAULT_FIELDS}
        return self._validate({k: v for k, v in merged.items() if k in wanted})
