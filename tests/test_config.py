"""Settings: names, precedence, .env, and no accidental reads of unrelated variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcat_quality.config import Settings, load_settings


def test_home_is_not_read_from_dollar_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DCAT_QUALITY_HOME")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", "/somewhere")
    monkeypatch.setenv("SOURCE", "/not/this")
    monkeypatch.setenv("WORKERS", "99")
    settings = Settings()
    assert settings.home == Path("/somewhere/.local/share/dcat-quality")
    assert settings.source is None
    assert settings.workers != 99


def test_dotenv_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("BUCKET_NAME=from-dotenv\nDCAT_QUALITY_WORKERS=3\n")
    assert Settings().effective_source == "s3://from-dotenv/DUMP_INTEGRATION_JSON/"
    assert Settings().workers == 3
    monkeypatch.setenv("DCAT_QUALITY_WORKERS", "5")
    assert Settings().workers == 5
    assert load_settings(workers=1).workers == 1  # the command line wins over all


def test_standard_names_win_over_historical_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://historical:9000")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://standard:9000")
    monkeypatch.setenv("ACCESS_KEY", "old")
    assert Settings().s3_endpoint_url == "http://standard:9000"
    secret = Settings().s3_access_key
    assert secret is not None
    assert secret.get_secret_value() == "old"


def test_sspcloud_endpoint_without_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_S3_ENDPOINT", "minio.lab.sspcloud.fr")
    assert Settings().s3_endpoint_url == "https://minio.lab.sspcloud.fr"


def test_secrets_are_redacted_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s3-very-secret")
    monkeypatch.setenv("POSTGRES_PASSWORD", "pg-very-secret")
    text = repr(Settings()) + str(Settings())
    assert "s3-very-secret" not in text
    assert "pg-very-secret" not in text
