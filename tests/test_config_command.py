"""``dcat-quality config``: every setting, its origin, secrets redacted."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dcat_quality.cli import app
from support.openbao import OpenBao

PG_PASSWORD = "pg-pass-3f9e"
S3_SECRET = "s3-secret-7b2a"
VAULT_KEY = "mb-api-key-from-vault-c4d1"


def invoke(*args: str) -> tuple[int, str]:
    """Exit code and output (stdout, then stderr)."""
    result = CliRunner().invoke(app, ["config", *args])
    return result.exit_code, result.stdout + result.stderr


def rows_of(*args: str) -> tuple[dict[str, dict[str, Any]], str]:
    """The JSON rows by standard name, and the raw stdout."""
    result = CliRunner().invoke(app, ["config", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return rows(result.stdout), result.stdout


def rows(output: str) -> dict[str, dict[str, Any]]:
    return {row["setting"]: row for row in json.loads(output)["settings"]}


def test_origins_and_redaction(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://dq:{PG_PASSWORD}@db:5432/dq")
    monkeypatch.setenv("SECRET_KEY", S3_SECRET)  # historical name
    monkeypatch.setenv("DCAT_QUALITY_SOURCE", "https://harvester:basic-pw@catalog.example/c.ttl")
    (tmp_path / ".env").write_text("DCAT_QUALITY_WORKERS=3\nMETABASE_URL=https://mb.example\n")
    found, output = rows_of()
    assert found["DATABASE_URL"] == {
        "setting": "DATABASE_URL",
        "field": "database_url",
        "value": "postgresql://dq:***@db:5432/dq",
        "origin": "env",
        "name": "DATABASE_URL",
    }
    assert found["AWS_SECRET_ACCESS_KEY"]["value"] == "***"
    assert found["AWS_SECRET_ACCESS_KEY"]["name"] == "SECRET_KEY"
    assert found["DCAT_QUALITY_SOURCE"]["value"] == "https://harvester:***@catalog.example/c.ttl"
    assert found["DCAT_QUALITY_WORKERS"]["origin"] == ".env"
    assert found["DCAT_QUALITY_WORKERS"]["value"] == "3"
    assert found["METABASE_URL"]["origin"] == ".env"
    assert found["DCAT_QUALITY_SCHEMA"] == {
        "setting": "DCAT_QUALITY_SCHEMA",
        "field": "schema_name",
        "value": "dcat_quality",
        "origin": "default",
        "name": None,
    }
    assert found["METABASE_API_KEY"]["value"] is None
    for secret in (PG_PASSWORD, S3_SECRET, "basic-pw"):
        assert secret not in output


def test_table_and_only_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTGRES_PASSWORD", PG_PASSWORD)
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://minio:9000")
    code, output = invoke("--set")
    assert code == 0, output
    assert "POSTGRES_PASSWORD" in output
    assert "***" in output
    assert "env" in output
    assert "DCAT_QUALITY_SCHEMA" not in output  # left at its default
    assert PG_PASSWORD not in output
    code, output = invoke()
    assert "DCAT_QUALITY_SCHEMA" in output
    assert "default" in output


def test_values_from_vault(
    openbao: OpenBao, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    top = f"user-{uuid.uuid4().hex[:8]}"
    openbao.put_secret(
        f"{top}/dcat-quality",
        {
            "METABASE_API_KEY": VAULT_KEY,
            "MB_DB_CONNECTION_URI": f"jdbc:postgresql://m:5432/mb?user=u&password={PG_PASSWORD}",
        },
    )
    openbao.policy(top, f"{top}/dcat-quality")
    token = openbao.token(top)
    monkeypatch.setenv("VAULT_ADDR", openbao.addr)
    monkeypatch.setenv("VAULT_TOKEN", token)
    monkeypatch.setenv("VAULT_TOP_DIR", top)
    found, output = rows_of()
    assert found["METABASE_API_KEY"]["origin"] == "Vault"
    assert found["METABASE_API_KEY"]["value"] == "***"
    assert found["METABASE_DATABASE_URL"]["origin"] == "Vault"
    assert found["METABASE_DATABASE_URL"]["name"] == "MB_DB_CONNECTION_URI"
    assert found["METABASE_DATABASE_URL"]["value"] == "postgresql://m:5432/mb?user=u&password=***"
    assert found["VAULT_TOKEN"]["value"] == "***"
    assert json.loads(output)["vault"] == f"onyxia-kv/{top}/dcat-quality at {openbao.addr}"
    for secret in (VAULT_KEY, PG_PASSWORD, token):
        assert secret not in output
        assert secret not in caplog.text

    openbao.revoke(token)
    code, output = invoke()
    assert code == 1
    assert "renew VAULT_TOKEN" in output
    assert token not in output


def test_invalid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCAT_QUALITY_WORKERS", "many")
    code, output = invoke()
    assert code == 1
    assert "invalid configuration" in output
    assert "DCAT_QUALITY_WORKERS" in output
