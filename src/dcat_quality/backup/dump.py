"""Take a backup: dump atomically, verify the archive, write the sidecars, upload, prune."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dcat_quality.backup.files import (
    AGE_SUFFIX,
    _checksum_line,
    _encrypt,
    _private_dir,
    _sha,
    age_recipients,
    checksum_path,
    inspect_archive,
    is_encrypted,
    metadata_path,
)
from dcat_quality.backup.s3 import S3Destination
from dcat_quality.backup.targets import DatabaseState, KubeTarget, _Database, _database
from dcat_quality.errors import BackupError
from dcat_quality.warehouse.target import DatabaseTarget

log = logging.getLogger(__name__)

_STAMP = "%Y%m%dT%H%M%SZ"
_KIND = re.compile(r"[a-z][a-z0-9-]*")

# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class BackupResult:
    """One verified dump; ``metadata()`` is what the ``.json`` sidecar holds."""

    kind: str
    created_at: str
    mode: str
    database: str
    size: int
    sha256: str
    server_version: str
    pg_dump_version: str
    archive_entries: int
    tables: int
    rows: dict[str, int]
    metabase_schema: int | None
    metabase_changeset: str | None
    path: Path | None = None
    s3_url: str | None = None
    pruned: tuple[str, ...] = ()
    encryption: str | None = None

    @property
    def metabase_version(self) -> str | None:
        """``0.50 / 1.50`` for schema v50 (open-source / enterprise numbering)."""
        if self.metabase_schema is None:
            return None
        return f"0.{self.metabase_schema} / 1.{self.metabase_schema}"

    def metadata(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("path", "pruned"):
            data.pop(name)
        data["metabase_version"] = self.metabase_version
        data["format"] = "pg_dump custom" + (" encrypted with age" if self.encryption else "")
        return data


# ---------------------------------------------------------------------------- backup


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def _dump_to_file(
    db: _Database,
    state: DatabaseState,
    path: Path,
    *,
    kind: str,
    created: datetime,
    pg_bin: Path | None,
    recipients: list[Any] | None = None,
) -> BackupResult:
    """Dump into ``path`` atomically (a failed dump leaves an older file in place),
    verify it, and write its ``.sha256`` and ``.json`` beside it.

    With ``recipients`` (age public keys), the clear dump goes to a private temporary
    folder, is checked there, encrypted into ``path`` and deleted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(partial_name)
    digest = hashlib.sha256()
    try:
        if recipients:
            os.close(fd)
            with _private_dir() as private:
                clear = private / "clear.dump"
                with clear.open("wb") as sink:
                    tool_version = db.dump(sink, hashlib.sha256(), state.server_major)
                archive = inspect_archive(clear, pg_bin=pg_bin)
                _encrypt(clear, partial, recipients)
                clear.unlink()
            digest = _sha(partial)
        else:
            with os.fdopen(fd, "wb") as sink:
                tool_version = db.dump(sink, digest, state.server_major)
            archive = inspect_archive(partial, pg_bin=pg_bin)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    result = BackupResult(
        kind=kind,
        created_at=created.isoformat().replace("+00:00", "Z"),
        mode=db.mode,
        database=db.display,
        size=path.stat().st_size,
        sha256=digest.hexdigest(),
        server_version=state.server_version,
        pg_dump_version=tool_version,
        archive_entries=archive.entries,
        tables=state.tables,
        rows=state.rows,
        metabase_schema=state.metabase_schema,
        metabase_changeset=state.metabase_changeset,
        path=path,
        encryption="age" if recipients else None,
    )
    _write_sidecars(path, result)
    return result


def _write_sidecars(path: Path, result: BackupResult) -> None:
    checksum_path(path).write_text(_checksum_line(result.sha256, path.name), encoding="utf-8")
    metadata_path(path).write_text(
        json.dumps(result.metadata(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def backup(
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    output: Path | None = None,
    s3: S3Destination | None = None,
    keep: int | None = None,
    kind: str = "metabase",
    pg_bin: Path | None = None,
    now: datetime | None = None,
    encrypt_to: Iterable[str] = (),
) -> BackupResult:
    """Dump a database (Metabase's by default) with ``pg_dump -Fc`` and verify the dump.

    Args:
        database_url: direct mode; pg_dump runs here (its major ≥ the server's).
        kube: kube mode; pg_dump runs in the pod, the dump streams back.
        output: file to write (replaced atomically); sidecars ``.sha256`` and ``.json``.
        s3: also upload to ``<prefix>/<kind>-YYYYmmddTHHMMSSZ.dump`` with the sidecars.
        keep: after the upload, delete all but the ``keep`` newest of our dated dumps.
        kind: names the S3 keys (``metabase``, ``warehouse``).
        pg_bin: the only folder to take pg_dump / pg_restore from.
        now: the backup's timestamp (tests).
        encrypt_to: age public keys (``age1…``): write ``<dump>.age`` instead, never the
            clear dump (``output`` gets ``.age`` appended when it lacks it).
    """
    recipients = age_recipients(encrypt_to)
    if recipients and output is not None and not is_encrypted(output):
        output = output.with_name(output.name + AGE_SUFFIX)
    if not _KIND.fullmatch(kind):
        raise BackupError(f"invalid backup kind {kind!r}")
    if output is None and s3 is None:
        raise BackupError("nowhere to write the backup: give an output file and/or S3")
    if keep is not None and (s3 is None or keep < 1):
        raise BackupError("keep applies to S3 backups and must be at least 1")
    db = _database(database_url, kube, pg_bin)
    created = _now(now)
    state = db.state()
    log.info("backing up %s (PostgreSQL %s)", db.display, state.server_version)
    with tempfile.TemporaryDirectory(prefix="dcat-quality-backup-") as scratch:
        name = f"{kind}-{created.strftime(_STAMP)}.dump" + (AGE_SUFFIX if recipients else "")
        path = output if output is not None else Path(scratch) / name
        result = _dump_to_file(
            db, state, path, kind=kind, created=created, pg_bin=pg_bin, recipients=recipients
        )
        if s3 is None:
            return result
        key = s3.key(name)
        result = replace(result, s3_url=s3.url(key))
        _write_sidecars(path, result)
        s3.upload(path, key, content_type="application/octet-stream")
        s3.upload(checksum_path(path), key + ".sha256", content_type="text/plain")
        s3.upload(metadata_path(path), key + ".json", content_type="application/json")
        log.info("uploaded %s (%d bytes)", s3.url(key), result.size)
        pruned = tuple(s3.prune(kind, keep)) if keep is not None else ()
        return replace(result, path=output, pruned=tuple(s3.url(k) for k in pruned))


def backup_warehouse(
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    output: Path | None = None,
    s3: S3Destination | None = None,
    keep: int | None = None,
    pg_bin: Path | None = None,
    now: datetime | None = None,
    encrypt_to: Iterable[str] = (),
) -> BackupResult:
    """Dump the warehouse (what the historical CronJob's "Metabase config" backup really
    dumped): the same machinery, keys named ``warehouse-…``."""
    return backup(
        database_url=database_url,
        kube=kube,
        output=output,
        s3=s3,
        keep=keep,
        kind="warehouse",
        pg_bin=pg_bin,
        now=now,
        encrypt_to=encrypt_to,
    )
