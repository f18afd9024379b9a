"""``doctor`` on a healthy setup (real PostgreSQL, moto S3, OpenBao, a Metabase stand-in)
and with each service broken: the right row fails, with its fix."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from typer.testing import CliRunner

from dcat_quality.cli import app
from dcat_quality.doctor import (
    CONFIGURATION,
    METABASE,
    METABASE_DB,
    METABASE_PG_DUMP,
    S3,
    SUPERSET,
    SUPERSET_DB,
    SUPERSET_PG_DUMP,
    SUPERSET_TEMPLATING,
    SUPERSET_WAREHOUSE,
    VAULT,
    WAREHOUSE,
    WAREHOUSE_PG_DUMP,
    DoctorReport,
    Status,
    run_doctor,
)
from dcat_quality.sources.s3 import s3_client
from support.loopback import free_port, serve
from support.openbao import OpenBao

API_KEY = "mb_doctor_key_5e1f"
TIMEOUT = 3.0


class _Metabase(BaseHTTPRequestHandler):
    """Answers the two requests doctor makes, as Metabase 0.50.15 does."""

    def do_GET(self) -> None:
        if self.path == "/api/session/properties":
            self._send(200, {"version": {"tag": "v0.50.15"}, "site-name": "stand-in"})
        elif self.path == "/api/user/current":
            if self.headers.get("x-api-key") != API_KEY:
                self._send(401, "Unauthenticated")
            else:
                self._send(200, {"email": "dcat-quality@example.org", "id": 2})
        else:
            self._send(404, "Not found.")

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def metabase_url() -> Iterator[str]:
    with serve(_Metabase) as url:
        yield url


@pytest.fixture
def healthy(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    s3_server: str,
    openbao: OpenBao,
    metabase_url: str,
) -> str:
    """Every service configured and up; secrets in Vault. Returns the Vault token."""
    bucket = f"dump-{uuid.uuid4().hex[:10]}"
    client = s3_client(endpoint_url=s3_server, access_key="test", secret_key="test")
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="DUMP_INTEGRATION_JSON/page-1.json", Body=b"{}")
    monkeypatch.setenv("BUCKET_NAME", bucket)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    top = f"projet-{uuid.uuid4().hex[:8]}"
    openbao.put_secret(
        f"{top}/dcat-quality",
        {
            "DATABASE_URL": database_url,
            "METABASE_DATABASE_URL": database_url,
            "AWS_SECRET_ACCESS_KEY": "test",
            "METABASE_API_KEY": API_KEY,
        },
    )
    openbao.policy(top, f"{top}/dcat-quality")
    token = openbao.token(top)
    monkeypatch.setenv("VAULT_ADDR", openbao.addr)
    monkeypatch.setenv("VAULT_TOKEN", token)
    monkeypatch.setenv("VAULT_TOP_DIR", top)
    monkeypatch.setenv("METABASE_URL", metabase_url)
    return token


def _rows(report: DoctorReport) -> dict[str, Status]:
    return {c.name: c.status for c in report.checks}


def test_healthy_setup_passes_everything(healthy: str) -> None:
    report = run_doctor(timeout=TIMEOUT)
    assert _rows(report) == {
        CONFIGURATION: Status.PASSED,
        VAULT: Status.PASSED,
        S3: Status.PASSED,
        WAREHOUSE: Status.PASSED,
        WAREHOUSE_PG_DUMP: Status.PASSED,
        METABASE: Status.PASSED,
        METABASE_DB: Status.PASSED,
        METABASE_PG_DUMP: Status.PASSED,
        # Superset is checked against a real one in tests/superset/test_superset.py
        SUPERSET: Status.SKIPPED,
        SUPERSET_TEMPLATING: Status.SKIPPED,
        SUPERSET_WAREHOUSE: Status.SKIPPED,
        SUPERSET_DB: Status.SKIPPED,
        SUPERSET_PG_DUMP: Status.SKIPPED,
    }, report.failed
    assert report.ok
    assert "4 from Vault" in report.check(CONFIGURATION).detail
    assert "token (VAULT_TOKEN)" in report.check(VAULT).detail
    assert "DATABASE_URL" in report.check(VAULT).detail  # key names, never values
    assert "1 page(s)" in report.check(S3).detail
    assert report.check(WAREHOUSE).detail.startswith("PostgreSQL ")
    assert "***" in report.check(WAREHOUSE).detail or "password" not in healthy
    assert "v0.50.15" in report.check(METABASE).detail
    assert "dcat-quality@example.org" in report.check(METABASE).detail
    assert "pg_dump" in report.check(WAREHOUSE_PG_DUMP).detail

    result = CliRunner().invoke(app, ["doctor", "--timeout", str(TIMEOUT)])
    assert result.exit_code == 0, result.output
    assert "✔" in result.output
    assert "✘" not in result.output
    assert healthy not in result.output
    assert API_KEY not in result.output


def test_nothing_configured_is_all_skipped() -> None:
    report = run_doctor(timeout=TIMEOUT)
    assert report.ok
    assert report.check(CONFIGURATION).status is Status.PASSED
    assert {c.status for c in report.checks[1:]} == {Status.SKIPPED}
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 0
    assert "–" in result.output


def _failed(report: DoctorReport, name: str) -> str:
    """The detail and fix of the failed row, after checking it is the only one."""
    assert [c.name for c in report.failed] == [name], report.failed
    check = report.check(name)
    assert check.fix, check
    return f"{check.detail} | {check.fix}"


def test_postgres_on_a_wrong_port(
    healthy: str, openbao: OpenBao, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = conninfo_to_dict(database_url)
    params["port"] = free_port()
    monkeypatch.setenv("DATABASE_URL", make_conninfo(**params))  # env wins over Vault
    report = run_doctor(timeout=TIMEOUT)
    text = _failed(report, WAREHOUSE)
    assert "cannot connect" in text
    assert "check DATABASE_URL" in text
    assert report.check(WAREHOUSE_PG_DUMP).status is Status.SKIPPED
    result = CliRunner().invoke(app, ["doctor", "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["ok"] is False


def test_wrong_bucket(healthy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUCKET_NAME", "no-such-bucket-here")
    text = _failed(run_doctor(timeout=TIMEOUT), S3)
    assert "does not exist" in text
    assert "BUCKET_NAME" in text


def test_bad_vault_token(healthy: str, openbao: OpenBao) -> None:
    openbao.revoke(healthy)
    report = run_doctor(timeout=TIMEOUT)
    assert report.check(VAULT).status is Status.FAILED
    assert "renew VAULT_TOKEN" in report.check(VAULT).fix
    assert healthy not in str(report)
    # without Vault's values the warehouse and Metabase key are missing: said, not hidden
    assert report.check(CONFIGURATION).status is Status.PASSED
    assert "without Vault" in report.check(CONFIGURATION).detail
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "✘" in result.output


def test_metabase_down_or_key_refused(healthy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METABASE_URL", f"http://127.0.0.1:{free_port()}")
    text = _failed(run_doctor(timeout=TIMEOUT), METABASE)
    assert "unreachable" in text
    assert "METABASE_URL" in text


def test_metabase_key_refused(
    healthy: str, metabase_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METABASE_API_KEY", "mb_wrong_key")
    text = _failed(run_doctor(timeout=TIMEOUT), METABASE)
    assert "401" in text
    assert "METABASE_API_KEY" in text
    assert "mb_wrong_key" not in text


def test_pg_dump_older_than_the_server(
    healthy: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "old-pg" / "bin"
    bin_dir.mkdir(parents=True)
    fake = bin_dir / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path('/usr/bin')}:{Path('/bin')}")
    monkeypatch.setenv("DCAT_QUALITY_PG_BIN", str(bin_dir))  # this client, and only it
    report = run_doctor(timeout=TIMEOUT)
    assert [c.name for c in report.failed] == [WAREHOUSE_PG_DUMP, METABASE_PG_DUMP]
    check = report.check(WAREHOUSE_PG_DUMP)
    assert "9" in check.detail
    assert "install the PostgreSQL" in check.fix
    assert "DCAT_QUALITY_PG_BIN" in check.fix


def test_invalid_configuration_skips_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DCAT_QUALITY_KEEP_RUNS", "zero")
    report = run_doctor(timeout=TIMEOUT)
    text = _failed(report, CONFIGURATION)
    assert "DCAT_QUALITY_KEEP_RUNS" in text
    assert {c.status for c in report.checks[1:]} == {Status.SKIPPED}
