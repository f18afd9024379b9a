"""A Superset on this machine: installed, set up and started on loopback, for a look.

``make superset`` runs ``python -m dcat_quality.superset.local``: the demo warehouse
(the embedded PostgreSQL, or ``DATABASE_URL``), a Superset provisioned from the dashboard
spec, its URL and login printed, stopped with Ctrl-C. The tests start the same Superset.

Superset's pins (SQLAlchemy 1.4, pandas 2.1…) clash with ours, so it gets its own
virtualenv, made once in the cache folder (``~/.cache/dcat-quality/superset-<version>``,
or under ``DCAT_QUALITY_CACHE``) and reused. A plain ``pip install apache-superset==6.1.0``
is broken in three ways, fixed by the pins below: flask-caching 2.5 breaks the app's
start, and ``rich`` and ``cachetools`` are imported but not declared. Its metadata
database is set up once (``db upgrade``, ``fab create-admin``, ``init``: about 30 s) into a
template dump kept in the cache, and restored into a fresh database for each start.

The local Superset listens on 127.0.0.1 only, with a throw-away secret key and the login
``admin`` / ``admin``: it is for a look on one's own machine, never a deployment.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from dcat_quality.backup.tools import pick_pg_tool
from dcat_quality.config import Settings
from dcat_quality.dashboard.spec import load_spec
from dcat_quality.errors import SupersetError
from dcat_quality.superset.client import SupersetClient
from dcat_quality.superset.provision import provision, sqlalchemy_url
from dcat_quality.warehouse import resolve_database

log = logging.getLogger(__name__)

SUPERSET_VERSION = "6.1.0"
#: What makes a plain install start (see the module docstring), plus the warehouse driver.
REQUIREMENTS = (
    f"apache-superset=={SUPERSET_VERSION}",
    "flask-caching==2.3.1",
    "rich",
    "cachetools",
    "psycopg2-binary",
)
ADMIN = ("admin", "admin")
START_TIMEOUT = 120.0

CONFIG_TEMPLATE = """\
# Written by dcat-quality for a local Superset on loopback: not for a deployment.
SECRET_KEY = {secret!r}
SQLALCHEMY_DATABASE_URI = {metadata!r}
TALISMAN_ENABLED = False
RATELIMIT_STORAGE_URI = "memory://"
# The dashboard's questions read the filters' values through Jinja (filter_values).
FEATURE_FLAGS = {{"ENABLE_TEMPLATE_PROCESSING": True}}
# Never PUBLIC_ROLE_LIKE = "Gamma": the API then answers as an anonymous user.
"""


def cache_dir() -> Path:
    """Where the virtualenv and the template are kept between runs."""
    configured = os.environ.get("DCAT_QUALITY_CACHE")
    base = Path(configured) if configured else Path.home() / ".cache" / "dcat-quality"
    return base.expanduser()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One process at a time (test workers share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(argv: list[str], *, what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise SupersetError(f"{what} failed (exit {done.returncode}): {tail}")


def install(cache: Path | None = None) -> Path:
    """The virtualenv holding Superset, made on first use (about a minute) and reused."""
    venv = (cache or cache_dir()) / f"superset-{SUPERSET_VERSION}"
    done = venv / ".installed"
    with _locked(venv.with_suffix(".lock")):
        if done.is_file() and done.read_text() == "\n".join(REQUIREMENTS):
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        log.info("installing Superset %s into %s (once)", SUPERSET_VERSION, venv)
        _run([sys.executable, "-m", "venv", str(venv)], what="creating Superset's virtualenv")
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        _run([*pip, "install", "--quiet", *REQUIREMENTS], what="pip install apache-superset")
        done.write_text("\n".join(REQUIREMENTS))
    return venv


def write_config(folder: Path, metadata_conninfo: str) -> Path:
    """A ``superset_config.py`` for a loopback Superset on this metadata database."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "superset_config.py"
    metadata = sqlalchemy_url(metadata_conninfo).replace("postgresql://", "postgresql+psycopg2://")
    path.write_text(
        CONFIG_TEMPLATE.format(secret=secrets.token_urlsafe(32), metadata=metadata),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def _environment(venv: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "SUPERSET"))}
    env["SUPERSET_CONFIG_PATH"] = str(config)
    env["SUPERSET_HOME"] = str(config.parent / "home")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def _libpq_env(conninfo: str) -> tuple[str, dict[str, str]]:
    """The conninfo without its password, and the environment that carries it."""
    params = conninfo_to_dict(conninfo)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def _server_major(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return int(conn.info.server_version) // 10000


def set_up_metadata(venv: Path, metadata_conninfo: str, folder: Path) -> Path:
    """Make ``metadata_conninfo`` (an empty database) a set-up Superset metadata DB.

    The first time, Superset's own commands do it and the result is kept as a template
    dump in the cache; later, that dump is restored (seconds instead of half a minute).
    """
    config = write_config(folder, metadata_conninfo)
    major = _server_major(metadata_conninfo)
    template = venv.parent / f"superset-{SUPERSET_VERSION}-metadata-pg{major}.dump"
    conninfo, env = _libpq_env(metadata_conninfo)
    with _locked(template.with_suffix(".lock")):
        if template.is_file():
            restore = pick_pg_tool("pg_restore", at_least=major, why="the metadata template")
            _run(
                [restore.path, "--no-owner", "--exit-on-error", "-d", conninfo, str(template)],
                what="restoring Superset's metadata template",
                env=env,
            )
            return config
        superset = str(venv / "bin" / "superset")
        senv = _environment(venv, config)
        _run([superset, "db", "upgrade"], what="superset db upgrade", env=senv)
        user, password = ADMIN
        _run(
            [superset, "fab", "create-admin", "--username", user, "--firstname", "Admin",
             "--lastname", "Local", "--email", "admin@localhost", "--password", password],
            what="superset fab create-admin",
            env=senv,
        )  # fmt: skip
        _run([superset, "init"], what="superset init", env=senv)
        dump = pick_pg_tool("pg_dump", at_least=major, why="the metadata template")
        partial = template.with_suffix(".partial")
        _run(
            [dump.path, "-Fc", "--no-owner", "-f", str(partial), "-d", conninfo],
            what="keeping Superset's metadata template",
            env=env,
        )
        partial.replace(template)
    return config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalSuperset:
    """A running Superset; ``stop`` ends it (and is idempotent)."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    username: str = ADMIN[0]
    password: str = ADMIN[1]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def start(venv: Path, config: Path, *, port: int | None = None) -> LocalSuperset:
    """Start gunicorn (one worker, four threads) on 127.0.0.1 and wait for /health."""
    port = port or free_port()
    log_path = config.parent / "superset.log"
    with log_path.open("wb") as sink:
        process = subprocess.Popen(
            [
                str(venv / "bin" / "gunicorn"),
                "-w", "1", "-k", "gthread", "--threads", "4", "--timeout", "120",
                "-b", f"127.0.0.1:{port}", "superset.app:create_app()",
            ],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=_environment(venv, config),
            start_new_session=True,  # its own process group: stopped as a whole
        )  # fmt: skip
    server = LocalSuperset(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SupersetError(f"Superset stopped at start:\n{server.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + "/health", timeout=2).text.strip() == "OK":
                return server
        time.sleep(0.5)
    server.stop()
    raise SupersetError(f"Superset did not answer /health in {START_TIMEOUT:.0f} s")


def create_database(server_conninfo: str, name: str) -> str:
    """A new empty database on the server of ``server_conninfo``; its conninfo."""
    with psycopg.connect(server_conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(server_conninfo)
    params["dbname"] = name
    return make_conninfo("", **params)


def main() -> None:  # pragma: no cover - an interactive helper, run by `make superset`
    """Start a Superset on the demo warehouse, provision it, print where to look."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the server too, as Ctrl-C does

    signal.signal(signal.SIGTERM, interrupted)
    settings = Settings()
    warehouse = resolve_database(settings)
    started = time.monotonic()
    venv = install()
    folder = Path(tempfile.mkdtemp(prefix="dcat-quality-superset-"))
    metadata = create_database(warehouse.conninfo, "dcat_quality_superset_local")
    config = set_up_metadata(venv, metadata, folder)
    server = start(venv, config, port=int(os.environ.get("SUPERSET_PORT", "8088")))
    try:
        with SupersetClient(server.url, username=server.username, password=server.password) as c:
            result = provision(
                c,
                load_spec(),
                database_name=settings.superset_database_name,
                schema=settings.schema_name,
                warehouse_url=sqlalchemy_url(warehouse.conninfo),
            )
        print(
            f"\nSuperset {SUPERSET_VERSION} is up ({time.monotonic() - started:.0f} s):\n"
            f"  {server.url}/superset/dashboard/{result.dashboard_id}/\n"
            f"  login: {server.username} / {server.password}   (Ctrl-C stops it)\n",
            flush=True,
        )
        while server.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    main()
