"""The Vault settings source against a real OpenBao dev server: token, AppRole and JWT
logins, Onyxia's paths, precedence, clear errors, and no secret value in logs."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from dcat_quality.config import Origin, Settings, load_settings, trace_settings
from dcat_quality.errors import ConfigError
from dcat_quality.vault import VaultConfig, read_secret
from support import openbao as bao
from support.loopback import free_port
from support.openbao import OpenBao

DB_PASSWORD = "pw-from-vault-7d1c"
S3_SECRET = "s3-secret-from-vault-91ab"
DB_URL = f"postgresql://warehouse:{DB_PASSWORD}@db.example:5432/dq"


@pytest.fixture
def secret(openbao: OpenBao) -> str:
    """A fresh top dir with a ``dcat-quality`` secret and a policy ``<top dir>`` reading it."""
    top = f"user-{uuid.uuid4().hex[:8]}"
    openbao.put_secret(
        f"{top}/dcat-quality",
        {
            "DATABASE_URL": DB_URL,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "DCAT_QUALITY_SCHEMA": "from_vault",
            "DCAT_QUALITY_WORKERS": 4,
        },
    )
    openbao.policy(top, f"{top}/dcat-quality")
    return top


@pytest.fixture
def token_env(openbao: OpenBao, secret: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Onyxia's variables for ``secret``, with a token of its policy; returns the token."""
    token = openbao.token(secret)
    monkeypatch.setenv("VAULT_ADDR", openbao.addr)
    monkeypatch.setenv("VAULT_TOKEN", token)
    monkeypatch.setenv("VAULT_MOUNT", bao.MOUNT)
    monkeypatch.setenv("VAULT_TOP_DIR", secret)
    return token


def _value(settings: Settings, name: str) -> str | None:
    value = getattr(settings, name)
    return None if value is None else value.get_secret_value()


def test_token_reads_the_onyxia_secret(token_env: str) -> None:
    settings = Settings()
    assert _value(settings, "database_url") == DB_URL
    assert _value(settings, "s3_secret_key") == S3_SECRET
    assert settings.schema_name == "from_vault"
    assert settings.workers == 4  # a JSON number in the secret is validated like text


def test_secret_path_overrides_the_top_dir(
    openbao: OpenBao, token_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    openbao.put_secret("shared/nightly", {"DCAT_QUALITY_SCHEMA": "other"})
    monkeypatch.setenv("VAULT_TOKEN", bao.ROOT_TOKEN)
    monkeypatch.setenv("VAULT_SECRET_PATH", "/shared/nightly/")
    assert Settings().schema_name == "other"


def test_approle_login(openbao: OpenBao, secret: str, monkeypatch: pytest.MonkeyPatch) -> None:
    role_id, secret_id = openbao.approle(f"job-{secret}", secret)
    monkeypatch.setenv("VAULT_ADDR", openbao.addr)
    monkeypatch.setenv("VAULT_TOP_DIR", secret)
    monkeypatch.setenv("VAULT_ROLE_ID", role_id)
    monkeypatch.setenv("VAULT_SECRET_ID", secret_id)
    assert _value(Settings(), "database_url") == DB_URL

    monkeypatch.setenv("VAULT_SECRET_ID", "not-the-secret-id")
    with pytest.raises(ConfigError) as raised:
        Settings()
    message = str(raised.value)
    assert "AppRole" in message
    assert "VAULT_SECRET_ID" in message
    assert "not-the-secret-id" not in message
    assert role_id not in message


def test_jwt_login_with_a_service_account_token(
    openbao: OpenBao, secret: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    openbao.jwt_role(f"k8s-{secret}", secret, audience="vault")
    token_file = tmp_path / "token"
    token_file.write_text(openbao.service_account_jwt("vault") + "\n")
    monkeypatch.setenv("VAULT_ADDR", openbao.addr)
    monkeypatch.setenv("VAULT_TOP_DIR", secret)
    monkeypatch.setenv("VAULT_AUTH_ROLE", f"k8s-{secret}")
    monkeypatch.setenv("VAULT_AUTH_PATH", "jwt")
    monkeypatch.setenv("VAULT_JWT_PATH", str(token_file))
    assert _value(Settings(), "database_url") == DB_URL

    # OpenBao checks the audience and the signature, not us
    token_file.write_text(openbao.service_account_jwt("another-audience"))
    with pytest.raises(ConfigError, match="audience") as raised:
        Settings()
    assert "VAULT_AUTH_ROLE" in str(raised.value)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = openbao.sign_jwt({"sub": "x", "aud": ["vault"]}, key=stranger)
    token_file.write_text(forged)
    with pytest.raises(ConfigError) as raised:
        Settings()
    assert forged not in str(raised.value)

    token_file.unlink()
    with pytest.raises(ConfigError, match="VAULT_JWT_PATH"):
        Settings()


def test_expired_token_is_a_clear_error_without_the_token(openbao: OpenBao, token_env: str) -> None:
    openbao.revoke(token_env)
    with pytest.raises(ConfigError) as raised:
        Settings()
    message = str(raised.value)
    assert "VAULT_TOKEN was refused" in message
    assert "expired or invalid" in message
    assert "renew VAULT_TOKEN (SSPCloud: My account → Vault)" in message
    assert "AppRole" in message
    assert token_env not in message


def test_token_without_the_policy_and_missing_secret(
    openbao: OpenBao, token_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VAULT_TOKEN", openbao.token("default"))
    with pytest.raises(ConfigError, match=r"permission denied.*allow read on onyxia-kv/data/"):
        Settings()
    monkeypatch.setenv("VAULT_TOKEN", bao.ROOT_TOKEN)
    monkeypatch.setenv("VAULT_SECRET_PATH", "nothing/here")
    with pytest.raises(
        ConfigError, match=r"no Vault secret onyxia-kv/nothing/here.*VAULT_SECRET_PATH"
    ):
        Settings()


def test_unreachable_vault_and_missing_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_ADDR", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ConfigError, match="no way to log in"):
        Settings()
    monkeypatch.setenv("VAULT_TOKEN", "s.some-token-value")
    with pytest.raises(ConfigError, match=r"unreachable.*check VAULT_ADDR") as raised:
        Settings()
    assert "s.some-token-value" not in str(raised.value)
    monkeypatch.setenv("VAULT_ROLE_ID", "role")
    with pytest.raises(ConfigError, match="VAULT_SECRET_ID"):
        Settings()


def test_vault_is_not_contacted_without_vault_addr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "token-for-nothing")
    monkeypatch.setenv("VAULT_ROLE_ID", "role-for-nothing")
    assert Settings().database_url is None
    assert trace_settings().vault_location is None


def test_precedence_command_line_env_vault_dotenv_default(
    token_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "DCAT_QUALITY_SCHEMA=from_dotenv\nDCAT_QUALITY_KEEP_RUNS=7\nDCAT_QUALITY_WORKERS=9\n"
    )
    monkeypatch.setenv("DCAT_QUALITY_WORKERS", "3")
    traced = trace_settings(link_timeout=2.5)
    settings = traced.settings
    assert settings.link_timeout == 2.5
    assert settings.workers == 3  # env over Vault (4) and .env (9)
    assert settings.schema_name == "from_vault"  # Vault over .env
    assert settings.keep_runs == 7  # .env over the default
    assert settings.backup_prefix == "backups/metabase"
    assert traced.origin("link_timeout") is Origin.COMMAND_LINE
    assert traced.origin("workers") is Origin.ENV
    assert traced.origin("schema_name") is Origin.VAULT
    assert traced.origin("database_url") is Origin.VAULT
    assert traced.origin("keep_runs") is Origin.DOTENV
    assert traced.origin("backup_prefix") is Origin.DEFAULT
    assert traced.origin("vault_addr") is Origin.ENV
    assert traced.vault_location is not None
    assert traced.vault_location.startswith(f"onyxia-kv/{traced.settings.vault_top_dir}/")
    # pydantic-settings' own path (Settings()) and ours (load_settings) agree
    direct = Settings(DCAT_QUALITY_LINK_TIMEOUT=2.5)
    assert direct.model_dump() == load_settings(link_timeout=2.5).model_dump()


def test_vault_settings_may_come_from_dotenv(openbao: OpenBao, secret: str, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"VAULT_ADDR={openbao.addr}\nVAULT_TOKEN={openbao.token(secret)}\nVAULT_TOP_DIR={secret}\n"
    )
    traced = trace_settings()
    assert traced.origin("database_url") is Origin.VAULT
    assert traced.origin("vault_token") is Origin.DOTENV


def test_secret_keys_map_to_settings_by_their_names(
    openbao: OpenBao,
    token_env: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    openbao.put_secret(
        "mapping/dcat-quality",
        {
            "SECRET_KEY": "historical-secret",
            "AWS_ACCESS_KEY_ID": "standard-id",
            "ACCESS_KEY": "historical-id",
            "postgres_password": "lower-case-key",
            "VAULT_TOKEN": "never-used-for-login",
            "FAVOURITE_COLOUR": "value-of-an-unknown-key",
        },
    )
    monkeypatch.setenv("VAULT_TOKEN", bao.ROOT_TOKEN)
    monkeypatch.setenv("VAULT_TOP_DIR", "mapping")
    with caplog.at_level(logging.WARNING):
        traced = trace_settings()
    settings = traced.settings
    assert _value(settings, "s3_secret_key") == "historical-secret"
    assert _value(settings, "s3_access_key") == "standard-id"  # the standard name wins
    assert _value(settings, "postgres_password") == "lower-case-key"
    assert _value(settings, "vault_token") == bao.ROOT_TOKEN  # not from the secret
    assert traced.names["s3_secret_key"] == "SECRET_KEY"
    assert "FAVOURITE_COLOUR" in caplog.text
    assert "value-of-an-unknown-key" not in caplog.text


def test_secret_values_are_never_logged(token_env: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        settings = Settings()
        secret = read_secret(VaultConfig.from_settings(settings) or pytest.fail("no Vault"))
    assert secret.values["DATABASE_URL"] == DB_URL
    text = caplog.text + repr(settings) + str(settings) + repr(secret)
    assert caplog.records  # the read itself is logged
    for value in (DB_PASSWORD, S3_SECRET, token_env):
        assert value not in text
    config = VaultConfig.from_settings(settings)
    assert token_env not in repr(config)
