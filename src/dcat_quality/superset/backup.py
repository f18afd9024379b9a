"""Superset's metadata database backed up (and restored) like Metabase's, plus a bundle.

The dump is the same verified ``pg_dump -Fc`` with its ``.sha256`` and ``.json``, taken
from here (a URL) or inside the database pod (``kubectl exec``, as for Metabase), on disk
and/or in S3 under dated keys (``superset-YYYYmmddTHHMMSSZ.dump``), with the same
retention; a restore goes through ``dcat_quality.backup.restore`` (checksum, safety
backup, one transaction, ``--yes``). Beside the dump, when the Superset is reachable, the
managed dashboard's import/export bundle (``<dump>.bundle.zip``: dashboard, charts,
datasets, the database without its password) is kept: it re-creates the dashboard on any
Superset through *Dashboards → Import*, even one that cannot take the dump (another
version).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dcat_quality.backup import BackupResult, KubeTarget, S3Destination, backup
from dcat_quality.superset.client import SupersetClient
from dcat_quality.warehouse.target import DatabaseTarget

log = logging.getLogger(__name__)

BUNDLE_SUFFIX = ".bundle.zip"


@dataclass(frozen=True)
class SupersetBackup:
    """The verified dump, and the dashboard bundle kept beside it (if Superset answered)."""

    dump: BackupResult
    bundle: Path | None = None
    bundle_s3_url: str | None = None


def bundle_path(dump: Path) -> Path:
    return dump.with_name(dump.name.removesuffix(".age") + BUNDLE_SUFFIX)


def backup_superset(
    *,
    database_url: str | DatabaseTarget | None = None,
    kube: KubeTarget | None = None,
    output: Path | None = None,
    s3: S3Destination | None = None,
    keep: int | None = None,
    client: SupersetClient | None = None,
    dashboard_slug: str | None = None,
    pg_bin: Path | None = None,
    now: datetime | None = None,
    encrypt_to: Iterable[str] = (),
) -> SupersetBackup:
    """Dump Superset's metadata database; keep the managed dashboard's bundle beside it.

    Args:
        database_url: Superset's metadata database (``SUPERSET_METADATA_DATABASE_URL``),
            dumped from here (direct mode); or
        kube: the pod running it (``SUPERSET_KUBE_POD``), dumped inside the pod through
            ``kubectl exec``, the password on stdin (kube mode).
        output, s3, keep, pg_bin, now, encrypt_to: as for ``dcat_quality.backup.backup``.
        client: a client of the running Superset, to export the bundle (None: no bundle).
        dashboard_slug: the dashboard to export (the one ``superset provision`` manages).
    """
    dump = backup(
        database_url=database_url,
        kube=kube,
        output=output,
        s3=s3,
        keep=keep,
        kind="superset",
        pg_bin=pg_bin,
        now=now,
        encrypt_to=encrypt_to,
    )
    if client is None or dashboard_slug is None:
        return SupersetBackup(dump)
    found = [d for d in client.find_dashboards(dashboard_slug) if d.get("slug") == dashboard_slug]
    if not found:
        log.warning("no dashboard %s in Superset: no bundle kept beside the dump", dashboard_slug)
        return SupersetBackup(dump)
    data = client.export_dashboards(int(found[0]["id"]))
    with tempfile.TemporaryDirectory(prefix="dcat-quality-bundle-") as scratch:
        if dump.path is not None:
            path = bundle_path(dump.path)
        else:
            name = (dump.s3_url or "superset.dump").rsplit("/", 1)[-1]
            path = bundle_path(Path(scratch) / name)
        path.write_bytes(data)
        s3_url = None
        if s3 is not None and dump.s3_url is not None:
            key = s3.key(path.name)
            s3.upload(path, key, content_type="application/zip")
            s3_url = s3.url(key)
        log.info("dashboard bundle kept: %s", s3_url or path)
        return SupersetBackup(dump, path if dump.path is not None else None, s3_url)
