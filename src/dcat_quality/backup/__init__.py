"""Back up and restore a PostgreSQL database: a BI tool's application DB, or the warehouse.

Two ways to reach the database, so that the historical Makefile's use keeps working:

- **direct** (a connection URL): pg_dump / pg_restore run here. The password is taken
  out of the connection string and handed to them in a private temporary ``PGPASSFILE``
  (mode 0600, deleted afterwards), never in an argument list.
- **kube** (a pod name): pg_dump / pg_restore / psql run inside the database pod through
  ``kubectl exec -i <pod> [-n ns] [-c container] -- sh -c '<script>' sh <user> <db>``.
  The password is the **first line of stdin**, read by the script into ``PGPASSWORD``
  (``IFS= read -r``, which reads a pipe byte by byte and so leaves the rest of stdin to
  the tool); the dump then streams back on stdout (backup) or follows the password line
  on stdin (restore). Running inside the pod also gives a client of the server's own
  version (the SSPCloud app DB is PostgreSQL 12; the images ship a newer client).

Every dump is a custom-format archive checked with ``pg_restore --list``, with a
``<dump>.sha256`` (sha256sum format) and a ``<dump>.json`` sidecar (metadata, no secret)
beside it, on disk and in S3 (``<prefix>/<kind>-YYYYmmddTHHMMSSZ.dump``).

Encryption at rest (``recipients``: age public keys, through pyrage): the dump is written
as ``<dump>.age``; the clear archive only exists in a private temporary folder (0700)
while ``pg_restore --list`` checks it. The ``.sha256`` is that of the encrypted file, and
a restore verifies it *before* decrypting (with an identity file) into a private
temporary file.

Which Metabase a database belongs to: Metabase migrates its schema with Liquibase, and
since 0.45 its changeset ids start with the major version (``v50.2024-02-26T…`` for
0.50 / 1.50). The highest such ``vNN.`` id in ``databasechangelog`` is the schema level,
i.e. the oldest Metabase able to open the database. Older numeric ids (``1``…``4xx``)
give no version. The ``setting`` table is not used: its ``version-info`` row caches
the *latest available* release from the update check, not the running one.

Modules, each depending only on those before it: ``tools`` (pg_dump, pg_restore, psql:
found, version-checked, run), ``files`` (checksums, sidecars, age encryption, archive
headers), ``targets`` (direct or kube database, its state), ``s3`` (dated keys,
retention), ``dump`` (take a backup), ``restoring`` (restore, in steps).
"""

from dcat_quality.backup.dump import BackupResult, backup, backup_warehouse
from dcat_quality.backup.files import inspect_archive, sha256_file
from dcat_quality.backup.restoring import RestoreResult, restore
from dcat_quality.backup.s3 import S3Destination
from dcat_quality.backup.targets import (
    KubeTarget,
    database_target,
    metabase_location,
    superset_location,
)
from dcat_quality.backup.tools import pick_pg_tool

__all__ = [
    "BackupResult",
    "KubeTarget",
    "RestoreResult",
    "S3Destination",
    "backup",
    "backup_warehouse",
    "database_target",
    "inspect_archive",
    "metabase_location",
    "pick_pg_tool",
    "restore",
    "sha256_file",
    "superset_location",
]
