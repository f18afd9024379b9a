"""Backup and restore of Metabase's app DB on real PostgreSQL, moto S3 and a stand-in kubectl.

The database holds a Metabase-like schema (users, collections, cards, dashboards,
settings, Liquibase changelog). Round trips compare every table's row count and an md5
of its ordered rows. The kube mode runs through a ``kubectl`` script on PATH that logs
its argv and runs the command locally against the test server, while a thread scans
``/proc`` for the password in any process's command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.backup import (
    KubeTarget,
    S3Destination,
    backup,
    backup_warehouse,
    inspect_archive,
    metabase_location,
    pick_pg_tool,
    restore,
    sha256_file,
)
from dcat_quality.config import Settings
from dcat_quality.errors import BackupError, ConfigError
from dcat_quality.sources.s3 import s3_client
from support.kubectl import FakeKube, fake_kubectl

REPO = Path(__file__).resolve().parents[2]

_BACKUP_ENV = (
    "METABASE_DATABASE_URL",
    "MB_DB_CONNECTION_URI",
    "KUBE_POD_NAME",
    "DCAT_QUALITY_KUBE_NAMESPACE",
    "DCAT_QUALITY_KUBE_CONTAINER",
    "MB_DB_DBNAME",
    "MB_DB_USER",
    "MB_DB_PASS",
    "DCAT_QUALITY_BACKUP_BUCKET",
    "DCAT_QUALITY_BACKUP_PREFIX",
    "DCAT_QUALITY_WAREHOUSE_BACKUP_PREFIX",
    "DCAT_QUALITY_BACKUP_KEEP",
    "DCAT_QUALITY_PG_BIN",
)

SCHEMA = """
CREATE TABLE core_user (
    id serial PRIMARY KEY, email text UNIQUE NOT NULL, first_name text,
    is_superuser boolean NOT NULL DEFAULT false, date_joined timestamptz NOT NULL
);
CREATE TABLE collection (
    id serial PRIMARY KEY, name text NOT NULL, location text NOT NULL DEFAULT '/'
);
CREATE TABLE report_card (
    id serial PRIMARY KEY, name text NOT NULL, dataset_query text NOT NULL,
    collection_id integer REFERENCES collection (id), creator_id integer REFERENCES core_user (id),
    archived boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL
);
CREATE INDEX idx_card_collection ON report_card (collection_id);
CREATE TABLE report_dashboard (
    id serial PRIMARY KEY, name text NOT NULL, parameters text NOT NULL,
    collection_id integer REFERENCES collection (id), creator_id integer REFERENCES core_user (id)
);
CREATE TABLE report_dashboardcard (
    id serial PRIMARY KEY,
    dashboard_id integer NOT NULL REFERENCES report_dashboard (id) ON DELETE CASCADE,
    card_id integer REFERENCES report_card (id), "row" integer, col integer,
    size_x integer, size_y integer
);
CREATE TABLE setting (key varchar(254) PRIMARY KEY, value text NOT NULL);
CREATE TABLE databasechangelog (
    id varchar(255) NOT NULL, author varchar(255) NOT NULL, filename varchar(255) NOT NULL,
    dateexecuted timestamp NOT NULL, orderexecuted integer NOT NULL, exectype varchar(10),
    md5sum varchar(35)
);
CREATE VIEW active_cards AS SELECT id, name FROM report_card WHERE NOT archived;
"""

TABLES = (
    "core_user",
    "collection",
    "report_card",
    "report_dashboard",
    "report_dashboardcard",
    "setting",
    "databasechangelog",
)


def _fill(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SCHEMA)
    conn.execute(
        "INSERT INTO core_user (email, first_name, is_superuser, date_joined) "
        "SELECT 'user' || g || '@example.org', 'Prénom ' || g, g = 1, "
        "timestamptz '2024-01-01' + g * interval '1 day' FROM generate_series(1, 3) g"
    )
    conn.execute(
        "INSERT INTO collection (name, location) SELECT 'Qualité ' || g, '/' || g || '/' "
        "FROM generate_series(1, 4) g"
    )
    conn.execute(
        "INSERT INTO report_card (name, dataset_query, collection_id, creator_id, archived, "
        "created_at) SELECT 'Question ' || g, "
        '\'{"type": "native", "native": {"query": "SELECT \' || g || \'"}}\', '
        "1 + g % 4, 1 + g % 3, g % 10 = 0, timestamptz '2024-02-01' + g * interval '1 hour' "
        "FROM generate_series(1, 50) g"
    )
    conn.execute(
        "INSERT INTO report_dashboard (name, parameters, collection_id, creator_id) "
        "SELECT 'Tableau ' || g, '[{\"slug\": \"catalog\"}]', 1 + g % 4, 1 "
        "FROM generate_series(1, 5) g"
    )
    conn.execute(
        'INSERT INTO report_dashboardcard (dashboard_id, card_id, "row", col, size_x, size_y) '
        "SELECT 1 + g % 5, g, g / 2 * 4, g % 2 * 12, 12, 4 FROM generate_series(1, 30) g"
    )
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('site-name', 'Écosphères'), "
        "('site-url', 'https://metabase.example.org'), "
        # the update check's cache: the latest release, not the running one (not used)
        '(\'version-info\', \'{"latest": {"version": "v0.99.1"}}\')'
    )
    conn.execute(
        "INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted) "
        "VALUES ('1', 'agilliland', 'migrations/000_legacy_migrations.yaml', '2023-01-01', 1), "
        "('v49.2024-01-22T11:50:00', 'dev', 'migrations/001_update_migrations.yaml', "
        "'2024-02-01', 2), "
        "('v50.2024-02-26T22:15:54', 'dev', 'migrations/001_update_migrations.yaml', "
        "'2024-03-01', 3)"
    )


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Row count and md5 of the ordered rows of every table."""
    with psycopg.connect(url) as conn:
        result = {}
        for table in TABLES:
            row = conn.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {table} t"
            ).fetchone()
            assert row is not None
            result[table] = (int(row[0]), str(row[1]))
        return result


def _change(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM report_dashboardcard WHERE id > 10")
        conn.execute("DELETE FROM report_card WHERE id > 40")
        conn.execute("UPDATE setting SET value = 'changed' WHERE key = 'site-name'")
        conn.execute("INSERT INTO collection (name) VALUES ('new after the backup')")
        conn.execute("DROP VIEW active_cards")


@pytest.fixture(autouse=True)
def _no_backup_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _BACKUP_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def metabase_url(database_url: str) -> str:
    """A fresh database holding a Metabase-like application schema with content."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        _fill(conn)
    return database_url


def _with_password(url: str, password: str) -> str:
    params = conninfo_to_dict(url)
    if not params.get("password"):
        params["password"] = password  # pgserver trusts local connections: any password
    return make_conninfo("", **params)


def _server_major(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.info.server_version // 10000


class ProcScanner:
    """Scans every process's command line for a secret while the test runs."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()
        self.offenders: list[str] = []
        self.seen: set[str] = set()
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._scan, daemon=True)

    def _scan(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if self.secret in cmdline:
                    self.offenders.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
                for tool in (b"pg_dump", b"pg_restore", b"psql"):
                    if tool in cmdline:
                        self.seen.add(tool.decode())
            self.passes += 1

    def __enter__(self) -> ProcScanner:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


# ------------------------------------------------------------------------ direct


def test_round_trip_restores_identical_data(metabase_url: str, tmp_path: Path) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    url = _with_password(metabase_url, password)
    original = fingerprint(metabase_url)
    dump = tmp_path / "metabase.dump"

    with ProcScanner(password) as scanner:
        result = backup(database_url=url, output=dump)
        _change(metabase_url)
        assert fingerprint(metabase_url) != original
        restored = restore(dump, database_url=url, yes=True)

    assert scanner.offenders == []
    assert scanner.passes > 0
    assert fingerprint(metabase_url) == original
    with psycopg.connect(metabase_url) as conn:  # the dropped view came back too
        assert conn.execute("SELECT count(*) FROM active_cards").fetchone() == (45,)
        # --clean drops only what the dump holds; the sequence is back where it was
        assert conn.execute("SELECT last_value FROM collection_id_seq").fetchone() == (4,)

    assert result.size == dump.stat().st_size
    assert result.sha256 == sha256_file(dump)
    assert (tmp_path / "metabase.dump.sha256").read_text() == f"{result.sha256}  metabase.dump\n"
    assert result.metabase_schema == 50  # from databasechangelog, not version-info's 0.99
    assert result.metabase_changeset == "v50.2024-02-26T22:15:54"
    assert result.rows == {
        "report_card": 50,
        "report_dashboard": 5,
        "collection": 4,
        "core_user": 3,
        "setting": 3,
    }
    assert result.server_version.split(".")[0] == str(_server_major(metabase_url))
    sidecar_text = (tmp_path / "metabase.dump.json").read_text()
    assert password not in sidecar_text
    sidecar = json.loads(sidecar_text)
    assert sidecar["sha256"] == result.sha256
    assert sidecar["metabase_schema"] == 50
    assert sidecar["metabase_version"] == "0.50 / 1.50"
    assert sidecar["kind"] == "metabase"

    assert restored.checksum_verified
    assert restored.rows == result.rows
    assert restored.tables == 7
    assert restored.dump_metabase_schema == restored.metabase_schema == 50
    safety = restored.safety_backup
    assert safety.path is not None
    assert safety.path.parent == tmp_path
    assert safety.path.name.startswith("metabase-before-restore-")
    assert safety.path.is_file()
    assert safety.sha256 == sha256_file(safety.path)
    assert safety.rows["report_card"] == 40  # the state just before the restore
    assert inspect_archive(safety.path).format == "CUSTOM"


def test_restore_refuses_without_yes(metabase_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "metabase.dump"
    backup(database_url=metabase_url, output=dump)
    _change(metabase_url)
    changed = fingerprint(metabase_url)
    with pytest.raises(BackupError, match=r"without confirmation.*--yes"):
        restore(dump, database_url=metabase_url)
    assert fingerprint(metabase_url) == changed
    assert not list(tmp_path.glob("*before-restore*"))


def test_checksum_mismatch_or_missing_refuses(metabase_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "metabase.dump"
    backup(database_url=metabase_url, output=dump)
    _change(metabase_url)
    changed = fingerprint(metabase_url)
    sidecar = tmp_path / "metabase.dump.sha256"
    sidecar.write_text("0" * 64 + "  metabase.dump\n")
    with pytest.raises(BackupError, match="checksum mismatch"):
        restore(dump, database_url=metabase_url, yes=True, force=True, allow_unverified=True)
    sidecar.unlink()
    with pytest.raises(BackupError, match=r"\.sha256 is missing.*--allow-unverified"):
        restore(dump, database_url=metabase_url, yes=True)
    assert fingerprint(metabase_url) == changed
    assert not list(tmp_path.glob("*before-restore*"))
    result = restore(dump, database_url=metabase_url, yes=True, allow_unverified=True)
    assert not result.checksum_verified
    assert fingerprint(metabase_url)["report_card"][0] == 50


def test_not_an_archive_is_refused(metabase_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "metabase.dump"
    dump.write_bytes(b"PGDMP but not really")
    (tmp_path / "metabase.dump.sha256").write_text(f"{sha256_file(dump)}  metabase.dump\n")
    with pytest.raises(BackupError, match="not a valid custom-format PostgreSQL archive"):
        restore(dump, database_url=metabase_url, yes=True)


def test_metabase_downgrade_is_refused_unless_forced(metabase_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "metabase.dump"
    backup(database_url=metabase_url, output=dump)
    with psycopg.connect(metabase_url, autocommit=True) as conn:  # the target runs 0.49
        conn.execute("DELETE FROM databasechangelog WHERE id LIKE 'v50.%'")
    with pytest.raises(BackupError, match=r"schema v50, the target runs v49.*cannot downgrade"):
        restore(dump, database_url=metabase_url, yes=True)
    result = restore(dump, database_url=metabase_url, yes=True, force=True)
    assert result.metabase_schema == 50
    assert any("forced" in w for w in result.warnings)


def test_running_metabase_is_refused(metabase_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "metabase.dump"
    backup(database_url=metabase_url, output=dump)
    with (
        psycopg.connect(metabase_url, application_name="Metabase v0.50.15"),
        pytest.raises(BackupError, match=r"1 other session.*Metabase v0\.50\.15.*stop"),
    ):
        restore(dump, database_url=metabase_url, yes=True)


def test_failed_dump_keeps_the_previous_file(metabase_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "metabase.dump"
    dump.write_bytes(b"previous backup")
    bad = make_conninfo(metabase_url, dbname="no_such_database")
    with pytest.raises(BackupError, match="no_such_database"):
        backup(database_url=bad, output=dump)
    assert dump.read_bytes() == b"previous backup"
    assert [p.name for p in tmp_path.iterdir()] == ["metabase.dump"]


def test_password_never_in_error_messages(metabase_url: str, tmp_path: Path) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    params = conninfo_to_dict(metabase_url)
    params.update(password=password, host="127.0.0.1", port="1")  # nothing listens there
    with pytest.raises(BackupError) as caught:
        backup(database_url=make_conninfo("", **params), output=tmp_path / "x.dump")
    assert password not in str(caught.value)
    assert "***" in str(caught.value)


# ------------------------------------------------------------------ pg versions


def _fake_tool(folder: Path, name: str, version: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    path.chmod(0o755)


def test_old_pg_dump_is_refused_with_what_to_install(metabase_url: str, tmp_path: Path) -> None:
    old = tmp_path / "pg11" / "bin"
    _fake_tool(old, "pg_dump", "11.22")
    _fake_tool(old, "pg_restore", "11.22")
    major = _server_major(metabase_url)
    with pytest.raises(BackupError) as caught:
        backup(database_url=metabase_url, output=tmp_path / "x.dump", pg_bin=old)
    message = str(caught.value)
    assert f"pg_dump {major} or newer is needed" in message
    assert f"{old}/pg_dump (11)" in message
    assert f"postgresql-client-{major}" in message
    assert "DCAT_QUALITY_PG_BIN" in message
    assert not (tmp_path / "x.dump").exists()


def test_the_oldest_fitting_client_is_chosen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for major in (15, 17, 16):
        _fake_tool(tmp_path / f"pg{major}", "pg_dump", f"{major}.1")
    path = os.pathsep.join(str(tmp_path / f"pg{m}") for m in (15, 17, 16))
    monkeypatch.setenv("PATH", path + os.pathsep + os.environ["PATH"])
    chosen = pick_pg_tool("pg_dump", at_least=16, why="test")
    assert chosen.major == 16
    assert chosen.path == str(tmp_path / "pg16" / "pg_dump")


# --------------------------------------------------------------------------- S3


@pytest.fixture
def backup_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty bucket on moto, with the S3 settings pointing at it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    name = f"backups-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("DCAT_QUALITY_BACKUP_BUCKET", name)
    client = s3_client(endpoint_url=s3_server, access_key="test-key", secret_key="test-secret")
    client.create_bucket(Bucket=name)
    return name


def _keys(s3_server: str, bucket: str) -> list[str]:
    client = s3_client(endpoint_url=s3_server, access_key="k", secret_key="s")
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_s3_upload_with_checksum_and_keep(
    metabase_url: str, backup_bucket: str, s3_server: str
) -> None:
    destination = S3Destination.from_settings(Settings(), prefix="backups/metabase/")
    foreign = [
        "backups/metabase/notes.txt",
        "backups/metabase/metabase-manual.dump",
        "backups/metabase/warehouse-20200101T000000Z.dump",
        "backups/metabase-old/metabase-20200101T000000Z.dump",
        "elsewhere/metabase-20200101T000000Z.dump",
    ]
    for key in foreign:
        destination.client.put_object(Bucket=backup_bucket, Key=key, Body=b"not ours")
    results = [
        backup(
            database_url=metabase_url,
            s3=destination,
            keep=2,
            now=datetime(2024, 5, day, 3, 0, 0, tzinfo=UTC),
        )
        for day in (1, 2, 3)
    ]
    assert (
        results[0].s3_url == f"s3://{backup_bucket}/backups/metabase/metabase-20240501T030000Z.dump"
    )
    assert results[0].path is None
    assert results[0].pruned == ()
    assert results[2].pruned == (results[0].s3_url,)
    ours = [
        f"backups/metabase/metabase-2024050{day}T030000Z.dump{suffix}"
        for day in (2, 3)
        for suffix in ("", ".json", ".sha256")
    ]
    assert _keys(s3_server, backup_bucket) == sorted(ours + foreign)

    client = destination.client
    key = "backups/metabase/metabase-20240503T030000Z.dump"
    body = client.get_object(Bucket=backup_bucket, Key=key)["Body"].read()
    digest = hashlib.sha256(body).hexdigest()
    checksum = client.get_object(Bucket=backup_bucket, Key=key + ".sha256")["Body"].read()
    assert checksum.decode() == f"{digest}  metabase-20240503T030000Z.dump\n"
    assert digest == results[2].sha256
    meta = json.loads(client.get_object(Bucket=backup_bucket, Key=key + ".json")["Body"].read())
    assert meta["s3_url"] == results[2].s3_url
    assert meta["metabase_schema"] == 50


def test_warehouse_backup_is_named_apart(
    database_url: str, backup_bucket: str, s3_server: str, tmp_path: Path
) -> None:
    destination = S3Destination.from_settings(Settings(), prefix="backups/warehouse")
    result = backup_warehouse(
        database_url=database_url,
        output=tmp_path / "w.dump",
        s3=destination,
        now=datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert result.kind == "warehouse"
    assert result.metabase_schema is None
    assert result.path == tmp_path / "w.dump"
    assert "backups/warehouse/warehouse-20240501T000000Z.dump" in _keys(s3_server, backup_bucket)


# ------------------------------------------------------------------------- kube


@pytest.fixture
def fake_kube(metabase_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKube:
    """A kubectl on PATH whose pod metabase-db-0 is the test server."""
    return fake_kubectl(metabase_url, tmp_path, monkeypatch, pod="metabase-db-0")


def test_kube_round_trip_password_only_on_stdin(
    metabase_url: str, fake_kube: FakeKube, tmp_path: Path
) -> None:
    target = fake_kube.target
    password = fake_kube.password
    original = fingerprint(metabase_url)
    dump = tmp_path / "metabase.dump"

    with ProcScanner(password) as scanner:
        result = backup(kube=target, output=dump)
        _change(metabase_url)
        restored = restore(dump, kube=target, yes=True)

    assert fingerprint(metabase_url) == original
    assert result.mode == restored.mode == "kube"
    assert result.metabase_schema == 50
    assert restored.rows["report_card"] == 50
    assert restored.safety_backup.rows["report_card"] == 40

    pod = ["exec", "-i", "metabase-db-0", "-n", "ecospheres", "-c", "postgresql", "--"]
    version = ["exec", "metabase-db-0", "-n", "ecospheres", "-c", "postgresql", "--"]
    first_line = (
        "IFS= read -r PGPASSWORD || exit 97; "
        'if [ -n "$PGPASSWORD" ]; then export PGPASSWORD; else unset PGPASSWORD; fi; '
    )
    who = ["sh", target.user, target.database]
    query = [
        *pod,
        "sh",
        "-c",
        first_line + 'exec psql -X -q -A -t -z -v ON_ERROR_STOP=1 --no-password -U "$1" -d "$2"',
        *who,
    ]
    dump_cmd = [
        *pod,
        "sh",
        "-c",
        first_line + 'exec pg_dump -Fc --no-password -U "$1" -d "$2"',
        *who,
    ]
    restore_cmd = [
        *pod,
        "sh",
        "-c",
        first_line + "exec pg_restore --clean --if-exists --no-owner --exit-on-error "
        '--single-transaction --no-password -U "$1" -d "$2"',
        *who,
    ]
    assert fake_kube.logged() == [
        # backup: state, client version, dump
        query,
        [*version, "pg_dump", "--version"],
        dump_cmd,
        # restore: state, safety backup, client version, restore, state after
        query,
        [*version, "pg_dump", "--version"],
        dump_cmd,
        [*version, "pg_restore", "--version"],
        restore_cmd,
        query,
    ]
    # the password is in no argument list, logged or seen running …
    assert all(password not in arg for argv in fake_kube.logged() for arg in argv)
    assert scanner.offenders == []
    assert scanner.passes > 0
    # … yet every tool in the pod received it, through stdin into PGPASSWORD
    assert fake_kube.received() == [
        f"psql {password}",
        "pg_dump <unset>",  # --version: no password given where none is needed
        f"pg_dump {password}",
        f"psql {password}",
        "pg_dump <unset>",
        f"pg_dump {password}",
        "pg_restore <unset>",
        f"pg_restore {password}",
        f"psql {password}",
    ]
    assert password not in (tmp_path / "metabase.dump.json").read_text()


def test_kube_unknown_pod_says_so(fake_kube: FakeKube, tmp_path: Path) -> None:
    target = KubeTarget(pod="nope-0", database="x", password="pw-hidden")
    with pytest.raises(BackupError, match='pods "nope-0" not found') as caught:
        backup(kube=target, output=tmp_path / "x.dump")
    assert "pw-hidden" not in str(caught.value)


def test_kube_password_with_a_line_break_is_refused(tmp_path: Path) -> None:
    target = KubeTarget(pod="p", database="d", password="a\nb")
    with pytest.raises(BackupError, match="line break"):
        backup(kube=target, output=tmp_path / "x.dump")


# --------------------------------------------------------------------- settings


def test_location_from_historical_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBE_POD_NAME", "metabase-db-0")
    monkeypatch.setenv("POSTGRES_DB", "metabase-metadata")
    monkeypatch.setenv("POSTGRES_USER", "postgres")
    monkeypatch.setenv("POSTGRES_PASSWORD", "historical-secret")
    location = metabase_location(Settings())
    assert isinstance(location, KubeTarget)
    assert (location.pod, location.database, location.user) == (
        "metabase-db-0",
        "metabase-metadata",
        "postgres",
    )
    assert location.password == "historical-secret"
    assert "historical-secret" not in repr(location)
    monkeypatch.setenv("MB_DB_PASS", "metabase-secret")  # Metabase's own name wins
    location = metabase_location(Settings(), db_name="other")
    assert isinstance(location, KubeTarget)
    assert (location.database, location.password) == ("other", "metabase-secret")


def test_location_direct_and_ambiguous(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MB_DB_CONNECTION_URI", "jdbc:postgresql://db:5432/metabase?user=mb&password=hush"
    )
    location = metabase_location(Settings())
    assert not isinstance(location, KubeTarget)
    assert location.conninfo == "postgresql://db:5432/metabase?user=mb&password=hush"
    assert "hush" not in location.display
    monkeypatch.setenv("KUBE_POD_NAME", "metabase-db-0")
    with pytest.raises(ConfigError, match="both"):
        metabase_location(Settings())
    assert isinstance(metabase_location(Settings(), kube_pod="p", db_name="d"), KubeTarget)
    with pytest.raises(ConfigError, match="not both"):
        metabase_location(Settings(), kube_pod="p", database_url="postgresql://x/y")


# -------------------------------------------------------------------------- CLI


def dq(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dcat_quality", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        cwd=cwd,
        timeout=240,
        check=False,
    )


@pytest.mark.slow  # the CLI in subprocesses
def test_cli_backup_restore_and_warehouse_backup(metabase_url: str, tmp_path: Path) -> None:
    env = {"METABASE_DATABASE_URL": metabase_url}
    done = dq("metabase", "backup", "-o", "mb.dump", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Backup verified" in done.stdout
    assert "schema v50" in done.stdout
    original = fingerprint(metabase_url)
    _change(metabase_url)

    refused = dq("metabase", "restore", "-i", "mb.dump", cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert "without confirmation" in refused.stderr
    done = dq("metabase", "restore", "-i", "mb.dump", "--yes", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "Restore done" in done.stdout
    assert "mb-before-restore-" in done.stdout
    assert fingerprint(metabase_url) == original

    done = dq("metabase", "backup-warehouse", cwd=tmp_path, env={"DATABASE_URL": metabase_url})
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("warehouse-*Z.dump"))) == 1


def test_makefile_targets_call_the_cli_in_kube_mode(tmp_path: Path) -> None:
    for target in ("backup_metabase_config", "restore_metabase_config", "restore-metabase-config"):
        done = subprocess.run(
            ["make", "-s", "-n", "-C", str(REPO), target, "KUBE_POD_NAME=metabase-db-0"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        line = next(x for x in done.stdout.splitlines() if "dcat-quality metabase" in x)
        if target.startswith("backup"):
            assert "metabase backup --kube-pod metabase-db-0 --output metabase.dump" in line
        else:
            assert "metabase restore --kube-pod metabase-db-0 --input metabase.dump" in line
        assert "POSTGRES_PASSWORD" not in line
