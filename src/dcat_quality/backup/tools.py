"""The PostgreSQL client tools (pg_dump, pg_restore, psql): found, version-checked, run.

A tool runs with its stdin fed from a thread while its stdout is drained, and its
failure becomes a ``BackupError`` with the end of its stderr, secrets scrubbed.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import tempfile
import threading
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from dcat_quality.errors import BackupError
from dcat_quality.redaction import scrub

log = logging.getLogger(__name__)

CHUNK = 1 << 20
_TOOL_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
_PG_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class PgTool:
    """A PostgreSQL client program and its major version."""

    path: str
    major: int
    version: str


def _major(version: str | None) -> int | None:
    match = _PG_VERSION.match(version or "")
    return int(match.group(1)) if match else None


def _candidate_dirs(pg_bin: Path | None) -> list[Path]:
    if pg_bin is not None:
        return [Path(pg_bin)]  # an explicit choice: nothing else
    dirs = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    with suppress(ImportError):
        import importlib.util  # noqa: PLC0415

        spec = importlib.util.find_spec("pgserver")
        if spec is not None and spec.origin:
            dirs.append(Path(spec.origin).parent / "pginstall" / "bin")
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/*/bin"):
        dirs.extend(sorted(Path("/").glob(pattern.lstrip("/"))))
    return dirs


@lru_cache(maxsize=64)
def _tool_version(path: str) -> PgTool | None:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = _TOOL_VERSION.search(out)
    if not match:
        return None
    return PgTool(path, int(match.group(1)), out.strip().rsplit(" ", 1)[-1])


def find_pg_tools(name: str, pg_bin: Path | None = None) -> list[PgTool]:
    """Every ``name`` found (``DCAT_QUALITY_PG_BIN`` only, when given), first found first."""
    seen: set[str] = set()
    tools: list[PgTool] = []
    for folder in _candidate_dirs(pg_bin):
        candidate = folder / name
        if not candidate.is_file() or not os.access(candidate, os.X_OK):
            continue
        real = str(candidate.resolve())
        if real in seen:
            continue
        seen.add(real)
        tool = _tool_version(str(candidate))
        if tool is not None:
            tools.append(tool)
    return tools


def pick_pg_tool(name: str, *, at_least: int, pg_bin: Path | None = None, why: str) -> PgTool:
    """The oldest ``name`` not older than ``at_least`` (a newer client may emit SET
    commands an older server refuses, e.g. pg_dump 17's ``transaction_timeout``)."""
    tools = find_pg_tools(name, pg_bin)
    fit = [t for t in tools if t.major >= at_least]
    if fit:
        return min(fit, key=lambda t: t.major)
    found = ", ".join(f"{t.path} ({t.major})" for t in tools) or "none"
    where = f"in {pg_bin}" if pg_bin else "on PATH, in pgserver or /usr/lib/postgresql"
    raise BackupError(
        f"{name} {at_least} or newer is needed ({why}); found {where}: {found} — install "
        f"the PostgreSQL {at_least} client (Debian/Ubuntu: apt install postgresql-client-"
        f"{at_least} from apt.postgresql.org), or set DCAT_QUALITY_PG_BIN to the bin folder "
        "of a recent enough PostgreSQL, or use --kube-pod to run the server's own client"
    )


# ------------------------------------------------------------------------ processes


def _run(
    argv: list[str],
    *,
    what: str,
    secrets: tuple[str, ...],
    env: dict[str, str] | None = None,
    stdin_prefix: bytes = b"",
    stdin_file: Path | None = None,
    sink: IO[bytes] | None = None,
    digest: Any = None,
) -> bytes:
    """Run ``argv``, feeding stdin from a thread while stdout is drained (no deadlock).

    Stdout goes to ``sink`` (and ``digest``) when given, else is returned. A failure
    becomes a ``BackupError`` with the end of stderr, secrets scrubbed.
    """
    log.debug("running %s", " ".join(argv[:3]))
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, env=env
            )
        except OSError as exc:
            raise BackupError(f"{what}: cannot start {argv[0]}: {exc.strerror or exc}") from None
        assert proc.stdin is not None
        assert proc.stdout is not None
        stdin = proc.stdin

        def feed() -> None:
            try:
                stdin.write(stdin_prefix)
                if stdin_file is not None:
                    with stdin_file.open("rb") as source:
                        while chunk := source.read(CHUNK):
                            stdin.write(chunk)
            except (BrokenPipeError, ValueError):
                pass  # the process ended early: its exit status tells why
            finally:
                with suppress(OSError, ValueError):
                    stdin.close()

        feeder = threading.Thread(target=feed, name="backup-stdin", daemon=True)
        feeder.start()
        collected: list[bytes] = []
        try:
            while chunk := proc.stdout.read(CHUNK):
                if sink is None:
                    collected.append(chunk)
                else:
                    sink.write(chunk)
                if digest is not None:
                    digest.update(chunk)
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            feeder.join(timeout=10)
            proc.stdout.close()
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode(errors="replace").strip()[-2000:]
            raise BackupError(f"{what} failed (exit {code}): {scrub(tail, secrets)}")
    return b"".join(collected)
