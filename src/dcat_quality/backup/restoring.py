"""Restore a dump, safely, in steps: verify the checksum, decrypt, preflight checks
(PostgreSQL and Metabase versions, other sessions), safety backup of the target, then
``pg_restore`` in one transaction.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dcat_quality.backup.dump import _STAMP, BackupResult, _dump_to_file, _now
from dcat_quality.backup.files import (
    AGE_SUFFIX,
    ArchiveInfo,
    _decrypt,
    _private_dir,
    checksum_path,
    inspect_archive,
    is_encrypted,
    load_age_identities,
    metadata_path,
    read_checksum,
    sha256_file,
)
from dcat_quality.backup.targets import DatabaseState, KubeTarget, _Database, _database
from dcat_quality.errors import BackupError
from dcat_quality.warehouse.target import DatabaseTarget

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestoreResult:
    """What a restore checked, where the safety backup is, and what the target holds."""

    input: Path
    database: str
    mode: str
    sha256: str
    checksum_verified: bool
    safety_backup: BackupResult
    dump_server_version: str | None
    target_server_version: str
    dump_metabase_schema: int | None
    target_metabase_schema_before: int | None
    warnings: tuple[str, ...]
    tables: int
    rows: dict[str, int]
    metabase_schema: int | None
    seconds: float


def _sidecar_metadata(dump: Path) -> dict[str, Any]:
    path = metadata_path(dump)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is not readable JSON: {exc}") from None
    return data if isinstance(data, dict) else {}


def restore(
    input: Path,
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    yes: bool = False,
    force: bool = False,
    allow_unverified: bool = False,
    pg_bin: Path | None = None,
    now: datetime | None = None,
    identity_file: Path | None = None,
) -> RestoreResult:
    """Replace a database's content with a dump, safely.

    Refuses unless ``yes``; verifies the ``.sha256`` beside the dump (refuses when it is
    missing unless ``allow_unverified``, and always on a mismatch); refuses a dump from a
    newer PostgreSQL, a Metabase downgrade, or a target with other sessions open (Metabase
    still running) unless ``force``; then takes a safety backup of the target beside the
    input (``<stem>-before-restore-<ts>.dump``) and runs ``pg_restore --clean --if-exists
    --no-owner --exit-on-error --single-transaction`` (all or nothing).

    An encrypted dump (``….age``) needs ``identity_file`` (age private keys): its checksum
    is verified first, then it is decrypted into a private temporary file, and the safety
    backup is encrypted to the identity's public keys.
    """
    with _private_dir() as private:
        return _restore(
            input,
            private,
            database_url=database_url,
            kube=kube,
            yes=yes,
            force=force,
            allow_unverified=allow_unverified,
            pg_bin=pg_bin,
            now=now,
            identity_file=identity_file,
        )


def _restore(
    input: Path,
    private: Path,
    *,
    database_url: str | DatabaseTarget | None,
    kube: KubeTarget | None,
    yes: bool,
    force: bool,
    allow_unverified: bool,
    pg_bin: Path | None,
    now: datetime | None,
    identity_file: Path | None,
) -> RestoreResult:
    """The steps, in order: confirm, verify, decrypt, preflight, safety backup, restore."""
    started = time.monotonic()
    db = _database(database_url, kube, pg_bin)
    if not yes:
        raise BackupError(
            f"refusing to restore {input} into {db.display} without confirmation: the "
            "restore replaces every object the dump holds (Metabase's whole instance: "
            "users, questions, dashboards, settings). Stop Metabase first, then confirm "
            "with --yes"
        )
    digest, recorded = _verify(input, allow_unverified=allow_unverified)
    archive_path, recipients = _decrypted(input, private, identity_file)
    archive = inspect_archive(archive_path, pg_bin=pg_bin)
    meta = _sidecar_metadata(input)
    dump_schema = (
        meta.get("metabase_schema") if isinstance(meta.get("metabase_schema"), int) else None
    )
    before = db.state()
    warnings = _preflight(archive, dump_schema, before, force=force)
    safety = _safety_backup(db, before, input, recipients, pg_bin=pg_bin, now=now)
    db.restore(archive_path, archive, before.server_major)
    after = db.state()
    return RestoreResult(
        input=input,
        database=db.display,
        mode=db.mode,
        sha256=digest,
        checksum_verified=recorded is not None,
        safety_backup=safety,
        dump_server_version=archive.dumped_from,
        target_server_version=before.server_version,
        dump_metabase_schema=dump_schema,
        target_metabase_schema_before=before.metabase_schema,
        warnings=tuple(warnings),
        tables=after.tables,
        rows=after.rows,
        metabase_schema=after.metabase_schema,
        seconds=time.monotonic() - started,
    )


def _verify(input: Path, *, allow_unverified: bool) -> tuple[str, str | None]:
    """The dump's SHA-256 and the one its ``.sha256`` records (None: no checksum file)."""
    if not input.is_file():
        raise BackupError(f"{input} does not exist")
    digest = sha256_file(input)
    recorded = read_checksum(input)
    if recorded is None and not allow_unverified:
        raise BackupError(
            f"{checksum_path(input)} is missing, so {input} cannot be verified — restore "
            "only a dump this tool wrote, or accept it unverified with --allow-unverified"
        )
    if recorded is not None and recorded != digest:
        raise BackupError(
            f"checksum mismatch: {input} has SHA-256 {digest}, {checksum_path(input).name} "
            f"says {recorded} — the file is damaged or not the one backed up; refusing"
        )
    return digest, recorded


def _decrypted(input: Path, private: Path, identity_file: Path | None) -> tuple[Path, list[Any]]:
    """The clear archive to restore (the input itself unless encrypted), and the public
    keys the safety backup is then encrypted to."""
    if not is_encrypted(input):
        return input, []
    if identity_file is None:
        raise BackupError(
            f"{input} is encrypted with age: give the identity file holding its private "
            "key with --identity (or DCAT_QUALITY_BACKUP_AGE_IDENTITY_FILE)"
        )
    identities = load_age_identities(identity_file)
    archive_path = private / "restore.dump"
    _decrypt(input, archive_path, identities, identity_file)
    return archive_path, [identity.to_public() for identity in identities]


def _preflight(
    archive: ArchiveInfo, dump_schema: int | None, before: DatabaseState, *, force: bool
) -> list[str]:
    """Refuse what would break the target (unless ``force``); return the warnings."""
    refusals: list[str] = []
    warnings: list[str] = []
    dump_major = archive.dumped_from_major
    if dump_major is not None and dump_major > before.server_major:
        refusals.append(
            f"the dump comes from PostgreSQL {archive.dumped_from}, newer than the target's "
            f"{before.server_version}: objects may not restore"
        )
    if dump_schema is not None and before.metabase_schema is not None:
        if dump_schema > before.metabase_schema:
            refusals.append(
                f"the dump holds Metabase schema v{dump_schema}, the target runs v"
                f"{before.metabase_schema}: Metabase cannot downgrade — start a Metabase "
                f">= x.{dump_schema} on the restored database instead"
            )
        elif dump_schema < before.metabase_schema:
            warnings.append(
                f"the dump holds Metabase schema v{dump_schema}, older than the target's v"
                f"{before.metabase_schema}: start the same or a newer Metabase after the "
                "restore (it migrates forward)"
            )
    elif before.is_metabase and dump_schema is None:
        warnings.append("the dump's Metabase version is not recorded: not compared")
    if before.other_sessions:
        refusals.append(
            f"{before.other_sessions} other session(s) are connected to the target "
            f"(applications: {before.other_applications or '?'}) — stop Metabase first "
            "(e.g. kubectl scale deployment/metabase --replicas=0)"
        )
    if refusals and not force:
        raise BackupError("refusing to restore: " + "; ".join(refusals) + " (override: --force)")
    warnings += [f"forced: {r}" for r in refusals]
    for warning in warnings:
        log.warning("%s", warning)
    return warnings


def _safety_backup(
    db: _Database,
    before: DatabaseState,
    input: Path,
    recipients: list[Any],
    *,
    pg_bin: Path | None,
    now: datetime | None,
) -> BackupResult:
    """Dump the target beside the input (``<stem>-before-restore-<ts>.dump``) first."""
    created = _now(now)
    stem = Path(input.name.removesuffix(AGE_SUFFIX)).stem
    safety_name = f"{stem}-before-restore-{created.strftime(_STAMP)}.dump"
    safety_path = input.with_name(safety_name + (AGE_SUFFIX if recipients else ""))
    safety = _dump_to_file(
        db,
        before,
        safety_path,
        kind="safety",
        created=created,
        pg_bin=pg_bin,
        recipients=recipients or None,
    )
    log.info("safety backup of %s written to %s", db.display, safety_path)
    return safety
