"""Backups encrypted at rest with age (pyrage), on real PostgreSQL and moto S3.

Round trips reuse the Metabase-like schema and fingerprints of ``test_backup``. A watcher
thread walks the output folder and the temporary folder during the backup and records
every file that holds a clear custom-format archive (``PGDMP`` magic).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from test_backup import (  # the fixtures and helpers of the clear backups
    _change,
    _keys,
    _no_backup_env,
    backup_bucket,
    dq,
    fingerprint,
    metabase_url,
)

from dcat_quality.backup import S3Destination, backup, restore, sha256_file
from dcat_quality.backup import restoring as backup_module
from dcat_quality.config import Settings
from dcat_quality.errors import BackupError

pyrage = pytest.importorskip("pyrage")
x25519 = pyrage.x25519

__all__ = ["_no_backup_env", "backup_bucket", "metabase_url"]  # fixtures, used by name

MAGIC = b"PGDMP"
AGE_HEADER = b"age-encryption.org/v1"


def _clear_dumps(*folders: Path) -> list[Path]:
    found = []
    for folder in folders:
        for root, _dirs, files in os.walk(folder):  # tolerates folders removed meanwhile
            for name in files:
                path = Path(root) / name
                try:
                    with path.open("rb") as stream:
                        if stream.read(5) == MAGIC:
                            found.append(path)
                except OSError:
                    continue  # removed meanwhile
    return found


class ClearDumpWatcher:
    """Records, while running, every clear dump seen and the mode of its folder."""

    def __init__(self, *folders: Path) -> None:
        self.folders = folders
        self.seen: dict[Path, int] = {}
        self.passes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for path in _clear_dumps(*self.folders):
                try:
                    self.seen[path] = stat.S_IMODE(path.parent.stat().st_mode)
                except OSError:
                    continue
            self.passes += 1

    def __enter__(self) -> ClearDumpWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Any]:
    identity = x25519.Identity.generate()
    key_file = tmp_path / "keys" / "backup-key.txt"
    key_file.parent.mkdir()
    key_file.write_text(
        f"# created: test\n# public key: {identity.to_public()}\n{identity}\n", encoding="utf-8"
    )
    key_file.chmod(0o600)
    return {
        "identity": identity,
        "secret": str(identity),
        "recipient": str(identity.to_public()),
        "file": key_file,
    }


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder of this process and its children, to be scanned."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", None)
    return folder


def test_encrypted_round_trip_never_leaves_a_clear_dump(
    metabase_url: str, tmp_path: Path, keys: dict[str, Any], private_tmp: Path
) -> None:
    original = fingerprint(metabase_url)
    out = tmp_path / "out"
    out.mkdir()

    with ClearDumpWatcher(out, private_tmp) as watcher:
        result = backup(
            database_url=metabase_url,
            output=out / "metabase.dump",
            encrypt_to=[keys["recipient"]],
        )
    assert watcher.passes > 0
    # the clear archive only ever lived in a private (0700) temporary folder, never in out
    assert all(out not in path.parents for path in watcher.seen)
    assert all(mode == 0o700 for mode in watcher.seen.values())
    assert _clear_dumps(out, private_tmp) == []
    assert list(private_tmp.iterdir()) == []

    encrypted = out / "metabase.dump.age"
    assert result.path == encrypted
    assert sorted(p.name for p in out.iterdir()) == [
        "metabase.dump.age",
        "metabase.dump.age.json",
        "metabase.dump.age.sha256",
    ]
    assert encrypted.read_bytes().startswith(AGE_HEADER)
    assert result.encryption == "age"
    assert result.sha256 == sha256_file(encrypted)  # the checksum of the encrypted file
    assert (out / "metabase.dump.age.sha256").read_text() == (
        f"{result.sha256}  metabase.dump.age\n"
    )
    sidecar = json.loads((out / "metabase.dump.age.json").read_text())
    assert sidecar["encryption"] == "age"
    assert sidecar["format"] == "pg_dump custom encrypted with age"
    assert sidecar["metabase_schema"] == 50

    _change(metabase_url)
    assert fingerprint(metabase_url) != original
    with ClearDumpWatcher(out, private_tmp) as watcher:
        restored = restore(
            encrypted, database_url=metabase_url, yes=True, identity_file=keys["file"]
        )
    assert fingerprint(metabase_url) == original
    assert restored.checksum_verified
    assert restored.dump_metabase_schema == 50
    assert all(out not in path.parents for path in watcher.seen)
    assert all(mode == 0o700 for mode in watcher.seen.values())
    assert _clear_dumps(out, private_tmp) == []
    assert list(private_tmp.iterdir()) == []

    # the safety backup is encrypted to the identity's public key too
    safety = restored.safety_backup
    assert safety.path is not None
    assert safety.path.name.startswith("metabase-before-restore-")
    assert safety.path.name.endswith(".dump.age")
    assert safety.path.read_bytes().startswith(AGE_HEADER)
    assert safety.rows["report_card"] == 40
    assert safety.sha256 == sha256_file(safety.path)
    assert pyrage.decrypt(safety.path.read_bytes(), [keys["identity"]]).startswith(MAGIC)


def test_tampered_age_file_is_refused_before_decryption(
    metabase_url: str, tmp_path: Path, keys: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = tmp_path / "metabase.dump"
    result = backup(database_url=metabase_url, output=dump, encrypt_to=[keys["recipient"]])
    assert result.path is not None
    data = bytearray(result.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    result.path.write_bytes(bytes(data))
    _change(metabase_url)
    changed = fingerprint(metabase_url)

    decrypted: list[Path] = []
    monkeypatch.setattr(backup_module, "_decrypt", lambda *a: decrypted.append(a[0]))
    with pytest.raises(BackupError, match=r"checksum mismatch.*refusing"):
        restore(result.path, database_url=metabase_url, yes=True, identity_file=keys["file"])
    assert decrypted == []  # refused before any decryption
    assert fingerprint(metabase_url) == changed
    assert not list(tmp_path.glob("*before-restore*"))


def test_wrong_identity_is_refused_clearly(
    metabase_url: str, tmp_path: Path, keys: dict[str, Any]
) -> None:
    result = backup(
        database_url=metabase_url, output=tmp_path / "mb.dump", encrypt_to=[keys["recipient"]]
    )
    assert result.path is not None
    other = x25519.Identity.generate()
    wrong = tmp_path / "other-key.txt"
    wrong.write_text(f"{other}\n", encoding="utf-8")
    _change(metabase_url)
    changed = fingerprint(metabase_url)

    with pytest.raises(
        BackupError, match=r"cannot decrypt .*other-key\.txt.*other age keys"
    ) as err:
        restore(result.path, database_url=metabase_url, yes=True, identity_file=wrong)
    assert str(other) not in str(err.value)
    assert fingerprint(metabase_url) == changed
    assert not list(tmp_path.glob("*before-restore*"))

    with pytest.raises(BackupError, match=r"encrypted with age: give the identity file"):
        restore(result.path, database_url=metabase_url, yes=True)

    broken = tmp_path / "broken-key.txt"
    broken.write_text("AGE-SECRET-KEY-1NOTAKEYATALLNOTAKEYATALL\n", encoding="utf-8")
    with pytest.raises(BackupError, match=r"line 1 of the age identity file") as err:
        restore(result.path, database_url=metabase_url, yes=True, identity_file=broken)
    assert "NOTAKEY" not in str(err.value)
    assert fingerprint(metabase_url) == changed


def test_bad_recipient_and_missing_extra(
    metabase_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(BackupError, match=r"'age1nope' is not an age public key"):
        backup(database_url=metabase_url, output=tmp_path / "x.dump", encrypt_to=["age1nope"])
    monkeypatch.setitem(sys.modules, "pyrage", None)  # as if the extra were not installed
    with pytest.raises(BackupError, match=r'pip install "dcat-quality\[encryption\]"'):
        backup(database_url=metabase_url, output=tmp_path / "x.dump", encrypt_to=["age1x"])
    assert list(tmp_path.glob("x.dump*")) == []


def test_encrypted_s3_backups_and_prune(
    metabase_url: str, backup_bucket: str, s3_server: str, keys: dict[str, Any]
) -> None:
    from datetime import UTC, datetime

    destination = S3Destination.from_settings(Settings(), prefix="backups/metabase")
    results = [
        backup(
            database_url=metabase_url,
            s3=destination,
            keep=2,
            now=datetime(2024, 5, day, 3, 0, 0, tzinfo=UTC),
            encrypt_to=[keys["recipient"], str(x25519.Identity.generate().to_public())],
        )
        for day in (1, 2, 3)
    ]
    assert results[2].s3_url == (
        f"s3://{backup_bucket}/backups/metabase/metabase-20240503T030000Z.dump.age"
    )
    assert results[2].pruned == (results[0].s3_url,)
    assert _keys(s3_server, backup_bucket) == sorted(
        f"backups/metabase/metabase-2024050{day}T030000Z.dump.age{suffix}"
        for day in (2, 3)
        for suffix in ("", ".json", ".sha256")
    )
    key = "backups/metabase/metabase-20240503T030000Z.dump.age"
    body = destination.client.get_object(Bucket=backup_bucket, Key=key)["Body"].read()
    assert body.startswith(AGE_HEADER)
    assert hashlib.sha256(body).hexdigest() == results[2].sha256
    clear = pyrage.decrypt(body, [keys["identity"]])
    assert clear.startswith(MAGIC)


@pytest.mark.slow  # the CLI in subprocesses
def test_cli_encrypted_backup_restore_never_prints_the_key(
    metabase_url: str, tmp_path: Path, keys: dict[str, Any]
) -> None:
    env = {"METABASE_DATABASE_URL": metabase_url}
    outputs: list[str] = []
    done = dq(
        "metabase", "backup", "-o", "mb.dump", "--encrypt-to", keys["recipient"],
        cwd=tmp_path, env=env,
    )  # fmt: skip
    outputs += [done.stdout, done.stderr]
    assert done.returncode == 0, done.stderr
    assert "Backup verified" in done.stdout
    assert "encryption" in done.stdout
    assert (tmp_path / "mb.dump.age").is_file()
    assert not (tmp_path / "mb.dump").exists()
    original = fingerprint(metabase_url)
    _change(metabase_url)

    wrong = tmp_path / "wrong.txt"
    wrong_secret = str(x25519.Identity.generate())
    wrong.write_text(wrong_secret + "\n", encoding="utf-8")
    refused = dq(
        "metabase", "restore", "-i", "mb.dump.age", "--yes", "--identity", str(wrong),
        cwd=tmp_path, env=env,
    )  # fmt: skip
    outputs += [refused.stdout, refused.stderr]
    assert refused.returncode == 1
    assert "cannot decrypt" in refused.stderr
    assert wrong_secret not in refused.stdout + refused.stderr

    done = dq(
        "metabase", "restore", "-i", "mb.dump.age", "--yes",
        cwd=tmp_path,
        env={**env, "DCAT_QUALITY_BACKUP_AGE_IDENTITY_FILE": str(keys["file"])},
    )  # fmt: skip
    outputs += [done.stdout, done.stderr]
    assert done.returncode == 0, done.stderr
    assert "Restore done" in done.stdout
    assert fingerprint(metabase_url) == original

    done = dq(
        "metabase", "backup-warehouse", cwd=tmp_path,
        env={"DATABASE_URL": metabase_url, "DCAT_QUALITY_BACKUP_AGE_RECIPIENTS": keys["recipient"]},
    )  # fmt: skip
    outputs += [done.stdout, done.stderr]
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("warehouse-*Z.dump.age"))) == 1
    assert list(tmp_path.glob("warehouse-*Z.dump")) == []

    for text in outputs:
        assert keys["secret"] not in text
    secret = keys["secret"].encode()
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != keys["file"]:
            assert secret not in path.read_bytes(), path
    assert os.stat(keys["file"]).st_mode & 0o077 == 0
