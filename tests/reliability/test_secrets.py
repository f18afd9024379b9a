"""Secrets never leak: the main commands run as a user runs them, with known secret
values in the environment, and every output, log, written file, warehouse table and
process argument list is searched for them.

The warehouse is reached as a real role with a real password (created on the test
server), S3 is moto's server (any key is accepted, the keys still sign every request),
Vault has a token but no address, Metabase an API key and a password.
"""

from __future__ import annotations

import gzip
import http.server
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import typer
from psycopg.conninfo import conninfo_to_dict

from dcat_quality.cli import app
from dcat_quality.cli.chain import demo_source
from dcat_quality.sources.s3 import s3_client
from dcat_quality.warehouse.connection import MASK
from support.cli import dq
from support.loopback import free_port, serve
from support.processes import CmdlineWatcher

pytestmark = pytest.mark.slow  # every command run as a subprocess


def _secret(kind: str) -> str:
    # Distinctive, and the same once URL-quoted (so one search finds every spelling).
    return f"SeCrEt{kind}{uuid.uuid4().hex}"


@dataclass
class Secrets:
    db_password: str = field(default_factory=lambda: _secret("Db"))
    postgres_password: str = field(default_factory=lambda: _secret("Pg"))
    metabase_db_password: str = field(default_factory=lambda: _secret("MbDb"))
    s3_secret_key: str = field(default_factory=lambda: _secret("S3"))
    s3_secret_key_historical: str = field(default_factory=lambda: _secret("S3h"))
    s3_session_token: str = field(default_factory=lambda: _secret("S3t"))
    metabase_api_key: str = field(default_factory=lambda: "mb_" + _secret("Api"))
    metabase_password: str = field(default_factory=lambda: _secret("MbPw"))
    vault_token: str = field(default_factory=lambda: "hvs." + _secret("Vault"))
    http_token: str = field(default_factory=lambda: _secret("Http"))

    def values(self) -> dict[str, str]:
        return dict(vars(self))

    def found_in(self, data: bytes | str) -> list[str]:
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        return [
            name
            for name, value in self.values().items()
            if value.encode() in raw or quote(value, safe="").encode() in raw
        ]


@dataclass
class Role:
    user: str
    database: str
    url: str  # a postgresql:// URL with the password in it
    host: str


@pytest.fixture
def role(postgres_server_url: str, secrets: Secrets) -> Iterator[Role]:
    """A login role with a password, owning a fresh database."""
    suffix = uuid.uuid4().hex[:10]
    user, database = f"dq_secret_{suffix}", f"t_secret_{suffix}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                psycopg.sql.Identifier(user), psycopg.sql.Literal(secrets.db_password)
            )
        )
        conn.execute(
            psycopg.sql.SQL("CREATE DATABASE {} OWNER {}").format(
                psycopg.sql.Identifier(database), psycopg.sql.Identifier(user)
            )
        )
    params = conninfo_to_dict(postgres_server_url)
    host = str(params.get("host") or "127.0.0.1")
    port = params.get("port")
    if host.startswith("/"):
        location = f"/{database}?host={quote(host, safe='/')}" + (f"&port={port}" if port else "")
        netloc = ""
    else:
        location, netloc = f"/{database}", host + (f":{port}" if port else "")
    url = f"postgresql://{user}:{secrets.db_password}@{netloc}{location}"
    try:
        yield Role(user, database, url, host)
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(database)
                )
            )
            conn.execute(
                psycopg.sql.SQL("DROP ROLE IF EXISTS {}").format(psycopg.sql.Identifier(user))
            )


@pytest.fixture
def secrets() -> Secrets:
    return Secrets()


@pytest.fixture
def catalog_endpoint(secrets: Secrets) -> Iterator[tuple[str, list[str]]]:
    """A DCAT endpoint that demands the bearer token; returns its URL and the auth headers
    it received (to prove the token was really used)."""
    document = json.loads(gzip.decompress((demo_source() / "page-00001.json.gz").read_bytes()))
    document["@graph"] = [node for node in document["@graph"] if "hydra" not in json.dumps(node)]
    page = json.dumps(document).encode()  # one page: no paging links
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            received.append(self.headers.get("Authorization", ""))
            if self.headers.get("Authorization") != f"Bearer {secrets.http_token}":
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args: Any) -> None:
            pass

    with serve(Handler) as url:
        yield f"{url}/catalog.jsonld", received


def _help_commands() -> list[list[str]]:
    """Every command and command group of the CLI, as the arguments before ``--help``."""
    found: list[list[str]] = [[]]

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            found.append([*path, name])
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


@pytest.fixture
def scratch() -> Iterator[Path]:
    """The commands' TMPDIR, searched like their outputs. A short path outside pytest's
    basetemp: multiprocessing's forkserver binds a socket there, and a socket path has at
    most 107 bytes (an xdist worker's tmp_path is already 80)."""
    folder = Path(tempfile.mkdtemp(prefix="dq-secrets-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_no_command_output_log_file_table_or_argument_holds_a_secret(
    tmp_path: Path,
    scratch: Path,
    home: Path,
    role: Role,
    secrets: Secrets,
    s3_server: str,
    catalog_endpoint: tuple[str, list[str]],
) -> None:
    endpoint_url, received = catalog_endpoint
    bucket = f"secrets-{uuid.uuid4().hex[:10]}"
    s3 = s3_client(
        endpoint_url=s3_server, access_key="AKIATESTSECRETS", secret_key=secrets.s3_secret_key
    )
    s3.create_bucket(Bucket=bucket)
    for page in sorted(demo_source().glob("*.json.gz")):
        s3.put_object(
            Bucket=bucket, Key=f"DUMP_INTEGRATION_JSON/{page.name}", Body=page.read_bytes()
        )

    work = tmp_path / "work"
    work.mkdir()
    params = conninfo_to_dict(role.url)
    common = {
        "DCAT_QUALITY_HOME": str(home),
        "TMPDIR": str(scratch),  # temporary files land where they are searched
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": "AKIATESTSECRETS",
        "AWS_SECRET_ACCESS_KEY": secrets.s3_secret_key,
        "AWS_SESSION_TOKEN": secrets.s3_session_token,
        "AWS_DEFAULT_REGION": "us-east-1",
        "BUCKET_NAME": bucket,
        "METABASE_URL": f"http://127.0.0.1:{free_port()}",  # nobody there
        "METABASE_API_KEY": secrets.metabase_api_key,
        "METABASE_USERNAME": "admin@example.org",
        "METABASE_PASSWORD": secrets.metabase_password,
        "MB_DB_PASS": secrets.metabase_db_password,
        "VAULT_TOKEN": secrets.vault_token,  # and no VAULT_ADDR
        "DCAT_QUALITY_HTTP_TOKEN": secrets.http_token,
        "DCAT_QUALITY_WORKERS": "2",
    }
    with_url = {**common, "DATABASE_URL": role.url, "METABASE_DATABASE_URL": role.url}
    historical = {
        **common,
        "POSTGRES_URL": role.host,
        "POSTGRES_DB": role.database,
        "POSTGRES_USER": role.user,
        "POSTGRES_PASSWORD": secrets.postgres_password,
        # The historical S3 names, with the standard ones unset.
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_ACCESS_KEY_ID": "",
        "ACCESS_KEY": "AKIATESTSECRETS",
        "SECRET_KEY": secrets.s3_secret_key_historical,
    }
    if params.get("port"):
        historical["POSTGRES_PORT"] = str(params["port"])
    unreachable = {
        **common,
        "DATABASE_URL": f"postgresql://{role.user}:{secrets.db_password}@127.0.0.1:{free_port()}"
        f"/{role.database}?connect_timeout=2",
    }
    debug = ("--log-level", "debug")
    # (arguments, environment, exit codes accepted, a redacted URL must be shown)
    commands: list[tuple[list[str], dict[str, str], set[int], bool]] = [
        ([*debug, "run", "--allow-rejections"], with_url, {0}, True),
        ([*debug, "run", "--source", str(demo_source())], historical, {3}, False),
        ([*debug, "extract", "-o", str(work / "extract.csv")], historical, {3}, False),
        ([*debug, "extract", "-s", endpoint_url, "-o", str(work / "http.csv")], common, {0}, False),
        ([*debug, "config"], with_url, {0}, True),
        ([*debug, "config", "--format", "json"], historical, {0}, False),
        ([*debug, "doctor"], with_url, {0, 1}, True),
        ([*debug, "doctor", "--format", "json"], historical, {0, 1}, False),
        ([*debug, "db", "url"], with_url, {0}, True),
        ([*debug, "db", "url"], historical, {0}, True),
        ([*debug, "db", "runs"], with_url, {0}, False),
        ([*debug, "db", "runs"], unreachable, {1}, True),
        ([*debug, "metabase", "backup", "-o", str(work / "mb.dump")], with_url, {0}, True),
        ([*debug, "export", "dqv", "-o", str(work / "dqv.ttl")], with_url, {0}, False),
        ([*debug, "report", "-o", str(work / "report.html")], with_url, {0}, False),
        ([*debug, "metabase", "provision"], with_url, {1}, False),
    ]
    helps = [([*path, "--help"], with_url, {0}, False) for path in _help_commands()]

    leaks: list[str] = []
    outputs: dict[str, str] = {}

    def check(args: list[str], env: dict[str, str], codes: set[int], shows_url: bool) -> None:
        done = dq(*args, env=env, cwd=work)
        shown = " ".join(args)
        outputs[shown] = done.stdout + done.stderr
        assert done.returncode in codes, f"{shown}: exit {done.returncode}\n{done.stderr}"
        for stream, text in (("stdout", done.stdout), ("stderr", done.stderr)):
            leaks.extend(f"{shown} {stream}: {name}" for name in secrets.found_in(text))
        if shows_url:
            assert MASK in done.stdout + done.stderr, f"{shown}: no redacted URL shown"

    with CmdlineWatcher() as watcher:
        for command in commands:  # in order: the later ones read what `run` published
            check(*command)
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda command: check(*command), helps))
    commands += helps
    assert "started on schema" in outputs["--log-level debug run --allow-rejections"]
    assert "running" in outputs[f"--log-level debug metabase backup -o {work / 'mb.dump'}"]
    assert received
    assert all(header == f"Bearer {secrets.http_token}" for header in received)
    assert watcher.scans > 50
    assert any(b"dcat_quality" in line for line in watcher.seen)
    assert any(b"pg_dump" in line for line in watcher.seen), "pg_dump never seen running"
    for line in watcher.seen:
        leaks += [f"process arguments {line!r}: {name}" for name in secrets.found_in(line)]

    roots = (tmp_path, scratch, home)
    written = [p for root in roots for p in root.rglob("*") if p.is_file()]
    names = {p.name for p in written}
    assert {"extract.csv", "http.csv", "mb.dump", "dqv.ttl", "report.html"} <= names
    assert {"mb.dump.json", "mb.dump.sha256"} <= names
    for path in written:
        leaks += [f"file {path}: {name}" for name in secrets.found_in(path.read_bytes())]

    with psycopg.connect(role.url) as conn:
        for table in ("runs", "rejections", "run_shards"):
            rows = conn.execute(f"SELECT t::text FROM dcat_quality.{table} t").fetchall()
            text = "\n".join(row[0] for row in rows)
            leaks += [f"table {table}: {name}" for name in secrets.found_in(text)]
        assert conn.execute("SELECT count(*) FROM dcat_quality.runs").fetchone() == (2,)
    assert not leaks, "\n".join(leaks)
    print(f"{len(commands)} commands scanned, {len(watcher.seen)} process argument lists")
