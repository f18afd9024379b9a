"""Backups in S3: dated keys under a prefix, upload with the sidecars, retention."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from dcat_quality.config import Settings
from dcat_quality.errors import BackupError, ConfigError
from dcat_quality.sources.s3 import public_endpoint, s3_client

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class S3Destination:
    """Where dated backups go: ``s3://bucket/prefix/<kind>-YYYYmmddTHHMMSSZ.dump``."""

    client: S3Client = field(repr=False)
    bucket: str
    prefix: str
    endpoint: str = "S3"

    @classmethod
    def from_settings(
        cls, settings: Settings, *, prefix: str, bucket: str | None = None
    ) -> S3Destination:
        """The destination the settings name (``DCAT_QUALITY_BACKUP_BUCKET`` or
        ``BUCKET_NAME``), with the same MinIO-friendly client as the sources."""
        name = bucket or settings.backup_bucket or settings.bucket_name
        if not name:
            raise ConfigError(
                "no bucket for the backups: set DCAT_QUALITY_BACKUP_BUCKET (or BUCKET_NAME)"
            )

        def secret(value: Any) -> str | None:
            return value.get_secret_value() if value is not None else None

        client = s3_client(
            endpoint_url=settings.s3_endpoint_url,
            access_key=secret(settings.s3_access_key),
            secret_key=secret(settings.s3_secret_key),
            session_token=secret(settings.s3_session_token),
            region=settings.s3_region,
        )
        return cls(client, name, prefix.strip("/"), public_endpoint(settings.s3_endpoint_url))

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _fail(self, action: str, key: str, exc: Exception) -> BackupError:
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            detail = f"{error.get('Code', '')} {error.get('Message', '')}".strip()
        else:
            detail = type(exc).__name__
        return BackupError(
            f"cannot {action} {self.url(key)} at {self.endpoint}: {detail} — check the bucket "
            "(DCAT_QUALITY_BACKUP_BUCKET / BUCKET_NAME), the S3 credentials and the endpoint"
        )

    def upload(self, path: Path, key: str, *, content_type: str) -> None:
        try:
            self.client.upload_file(
                str(path), self.bucket, key, ExtraArgs={"ContentType": content_type}
            )
            size = self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("upload", key, exc) from None
        if size != path.stat().st_size:
            raise BackupError(
                f"{self.url(key)} holds {size} bytes after upload, {path.stat().st_size} sent"
            )

    def backups(self, kind: str) -> list[str]:
        """Our dated dumps of ``kind``, oldest first (other objects are never listed)."""
        pattern = re.compile(re.escape(self.key(f"{kind}-")) + r"\d{8}T\d{6}Z\.dump(\.age)?")
        keys: list[str] = []
        try:
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key(f"{kind}-")):
                keys += [o["Key"] for o in page.get("Contents", []) if pattern.fullmatch(o["Key"])]
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("list", self.key(""), exc) from None
        return sorted(keys)

    def prune(self, kind: str, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest dated dumps of ``kind`` and their sidecars
        (``.sha256``, ``.json``, and the dashboard bundle a Superset backup keeps)."""
        old = self.backups(kind)[:-keep] if keep > 0 else []
        for key in old:
            bundle = key.removesuffix(".age") + ".bundle.zip"
            for name in (key, key + ".sha256", key + ".json", bundle):
                try:
                    self.client.delete_object(Bucket=self.bucket, Key=name)
                except (BotoCoreError, ClientError) as exc:
                    raise self._fail("delete", name, exc) from None
            log.info("pruned %s", self.url(key))
        return old
