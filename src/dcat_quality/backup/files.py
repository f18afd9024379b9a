"""Dump files: checksums (``.sha256``, sha256sum format), the ``.json`` sidecar path,
age encryption at rest (pyrage), and the archive's own header read with ``pg_restore --list``.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dcat_quality.backup.tools import CHUNK, _major, find_pg_tools
from dcat_quality.errors import BackupError

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------ checksums


def sha256_file(path: Path) -> str:
    return str(_sha(path).hexdigest())


def _sha(path: Path) -> Any:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest


def checksum_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".sha256")


def metadata_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".json")


def _checksum_line(digest: str, name: str) -> str:
    return f"{digest}  {name}\n"  # sha256sum -c reads it


def read_checksum(dump: Path) -> str | None:
    """The digest recorded beside ``dump``, or None when there is no ``.sha256``."""
    path = checksum_path(dump)
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8").strip()
    digest = text.split()[0].lower() if text else ""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise BackupError(f"{path} does not hold a SHA-256 checksum")
    return digest


# ------------------------------------------------------------------------ encryption

AGE_SUFFIX = ".age"
_INSTALL_HINT = 'pip install "dcat-quality[encryption]"'


def _pyrage() -> Any:
    try:
        return importlib.import_module("pyrage")
    except ImportError:
        raise BackupError(
            f"age encryption needs the pyrage library, which is not installed: {_INSTALL_HINT}"
        ) from None


def is_encrypted(path: Path) -> bool:
    return path.name.endswith(AGE_SUFFIX)


def age_recipients(values: Iterable[str]) -> list[Any]:
    """Parse age public keys (``age1…``; a value may hold several, comma-separated)."""
    keys = [k.strip() for value in values for k in value.split(",") if k.strip()]
    if not keys:
        return []
    pyrage = _pyrage()
    recipients = []
    for key in keys:
        try:
            recipients.append(pyrage.x25519.Recipient.from_str(key))
        except pyrage.RecipientError as exc:
            raise BackupError(
                f"{key!r} is not an age public key ({exc}): give age1… keys, as printed by "
                "age-keygen (--encrypt-to or DCAT_QUALITY_BACKUP_AGE_RECIPIENTS)"
            ) from None
    return recipients


def load_age_identities(path: Path) -> list[Any]:
    """The age private keys of an identity file (``age-keygen`` format: comments and
    ``AGE-SECRET-KEY-1…`` lines). Errors never quote the file's content."""
    pyrage = _pyrage()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise BackupError(f"cannot read the age identity file {path}: {reason}") from None
    identities = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            raise BackupError(
                f"line {number} of the age identity file {path} is not an age private key "
                "(AGE-SECRET-KEY-1…, as written by age-keygen)"
            ) from None
    if not identities:
        raise BackupError(f"the age identity file {path} holds no private key")
    return identities


@contextmanager
def _private_dir() -> Iterator[Path]:
    """A private temporary folder (mode 0700) for a clear dump, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="dcat-quality-clear-") as name:
        os.chmod(name, 0o700)
        yield Path(name)


def _encrypt(clear: Path, target: Path, recipients: list[Any]) -> None:
    pyrage = _pyrage()
    try:
        pyrage.encrypt_file(str(clear), str(target), recipients)
    except pyrage.EncryptError as exc:
        raise BackupError(f"age encryption of the dump failed: {exc}") from None


def _decrypt(encrypted: Path, clear: Path, identities: list[Any], identity_file: Path) -> None:
    pyrage = _pyrage()
    try:
        pyrage.decrypt_file(str(encrypted), str(clear), identities)
    except pyrage.DecryptError as exc:
        raise BackupError(
            f"cannot decrypt {encrypted} with the identity file {identity_file} ({exc}): it "
            "was encrypted to other age keys — give the identity matching one of the "
            "recipients of the backup"
        ) from None


# ----------------------------------------------------------------------- archives


@dataclass(frozen=True)
class ArchiveInfo:
    """What ``pg_restore --list`` tells about a dump."""

    format: str
    dumped_from: str | None
    dumped_by: str | None
    entries: int
    tables: int
    table_data: int

    @property
    def dumped_from_major(self) -> int | None:
        return _major(self.dumped_from)

    @property
    def dumped_by_major(self) -> int | None:
        return _major(self.dumped_by)


def _header(listing: str, key: str) -> str | None:
    match = re.search(rf"^;\s+{re.escape(key)}:\s*(.+)$", listing, re.MULTILINE)
    return match.group(1).strip() if match else None


def inspect_archive(path: Path, *, pg_bin: Path | None = None) -> ArchiveInfo:
    """Check that ``path`` is a readable custom-format archive (``pg_restore --list``)."""
    tools = find_pg_tools("pg_restore", pg_bin)
    if not tools:
        raise BackupError(
            "pg_restore not found: install the PostgreSQL client (postgresql-client) or "
            "set DCAT_QUALITY_PG_BIN"
        )
    newest = max(tools, key=lambda t: t.major)  # reads every older archive version
    done = subprocess.run(
        [newest.path, "--list", str(path)], capture_output=True, timeout=600, check=False
    )
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise BackupError(
            f"{path} is not a valid custom-format PostgreSQL archive "
            f"({Path(newest.path).name} {newest.version}: {detail}) — it was truncated, "
            "corrupted, or not written by pg_dump -Fc"
        )
    listing = done.stdout.decode(errors="replace")
    archive_format = _header(listing, "Format") or "?"
    if archive_format != "CUSTOM":
        raise BackupError(f"{path} is a {archive_format} archive; a custom-format one is needed")
    lines = [line for line in listing.splitlines() if line and not line.startswith(";")]
    return ArchiveInfo(
        format=archive_format,
        dumped_from=_header(listing, "Dumped from database version"),
        dumped_by=_header(listing, "Dumped by pg_dump version"),
        entries=len(lines),
        tables=sum(1 for line in lines if " TABLE " in line and " TABLE DATA " not in line),
        table_data=sum(1 for line in lines if " TABLE DATA " in line),
    )
