"""Dump pages in an S3-compatible object store (MinIO on SSPCloud, or AWS S3).

MinIO needs a custom endpoint and path-style addressing; botocore's "standard" retry mode
retries throttling, 5xx and connection errors a bounded number of times, after which the
failure becomes a ``TransientSourceError``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.errors import PageError, SourceError, TransientSourceError
from dcat_quality.redaction import scrub
from dcat_quality.sources._base import PageRef, is_page_name

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0

_DENIED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AllAccessDisabled",
}
_THROTTLED = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "ServiceUnavailable",
    "InternalError",
    "TooManyRequests",
    "RequestLimitExceeded",
}


def split_s3_url(location: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix)."""
    rest = location[len("s3://") :] if location.startswith("s3://") else location
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise SourceError(f"no bucket in S3 location {location!r} — write s3://bucket/prefix")
    return bucket, prefix


def public_endpoint(endpoint_url: str | None) -> str:
    """The endpoint without user info or query, safe to print."""
    if not endpoint_url:
        return "the default AWS S3 endpoint"
    parts = urlsplit(endpoint_url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def s3_client(
    *,
    endpoint_url: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    session_token: str | None = None,
    region: str = "us-east-1",
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    max_pool_connections: int = 16,
) -> S3Client:
    """A boto3 client fit for MinIO: path-style, custom endpoint, bounded retries."""
    options: dict[str, Any] = {
        "region_name": region,
        "signature_version": "s3v4",
        "s3": {"addressing_style": "path"},  # MinIO: no virtual-host buckets
        # total_max_attempts counts the first request too ("max_attempts" counts retries)
        "retries": {"mode": "standard", "total_max_attempts": max_attempts},
        "connect_timeout": connect_timeout,
        "read_timeout": read_timeout,
        "max_pool_connections": max_pool_connections,
        "user_agent_extra": "dcat-quality",
    }
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:
        # botocore ≥ 1.36 adds CRC checksums by default, which older MinIO refuses
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    session = boto3.session.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        region_name=region,
    )
    return session.client("s3", endpoint_url=endpoint_url, config=Config(**options))


class S3Source:
    """Pages under ``s3://bucket/prefix``; a prefix without trailing slash is a folder or a key.

    Keys are reported as ``s3://bucket/key``. The client is thread-safe, so one source can
    serve a prefetching reader.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        region: str = "us-east-1",
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_pool_connections: int = 16,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self._secrets = tuple(s for s in (access_key, secret_key, session_token) if s)
        self._max_attempts = max_attempts
        self._skipped: list[str] = []
        self._client = s3_client(
            endpoint_url=endpoint_url,
            access_key=access_key,
            secret_key=secret_key,
            session_token=session_token,
            region=region,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool_connections,
        )

    @property
    def skipped(self) -> Sequence[str]:
        return tuple(self._skipped)

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix} at {public_endpoint(self.endpoint_url)}"

    def _url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def _in_location(self, key: str) -> bool:
        # "s3://b/DUMP" means the folder DUMP/ (or the key DUMP), not DUMP_OLD/…
        if not self.prefix or self.prefix.endswith("/"):
            return True
        return key == self.prefix or key.startswith(self.prefix + "/")

    def list_pages(self) -> Iterator[PageRef]:
        """Page objects sorted by key (names only are held, never contents)."""
        self._skipped = []
        found: list[tuple[str, int, str | None]] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for response in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in response.get("Contents", []):
                    key = item["Key"]
                    if not self._in_location(key):
                        continue
                    if is_page_name(key) and not key.endswith("/"):
                        size, etag = item.get("Size", 0), item.get("ETag")
                        found.append((key, size, f"s3:{etag}:{size}" if etag else None))
                    else:
                        self._skipped.append(self._url(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._translate(exc, "list") from None
        self._skipped.sort()
        if self._skipped:
            log.info(
                "%d object(s) under %s are not dump pages", len(self._skipped), self.describe()
            )
        for key, size, fingerprint in sorted(found):
            yield PageRef(self._url(key), size, fingerprint)

    def read(self, ref: PageRef) -> bytes:
        return decode_page(ref.key, self.read_raw(ref))

    def read_raw(self, ref: PageRef) -> bytes:
        origin = f"s3://{self.bucket}/"
        if not ref.key.startswith(origin):
            raise PageError(
                ref.key,
                f"not an object of {self.describe()}",
                hint="read a page with the source that listed it",
            )
        key = ref.key[len(origin) :]
        for attempt in range(1, self._max_attempts + 1):
            try:  # botocore retries the request itself (total_max_attempts)
                response = self._client.get_object(Bucket=self.bucket, Key=key)
            except (BotoCoreError, ClientError) as exc:
                raise self._translate(exc, "read", key) from None
            try:
                data = response["Body"].read()
                break
            except HTTPClientError as exc:
                # the body stream broke after the call succeeded: botocore does not retry it
                if attempt == self._max_attempts:
                    raise self._translate(exc, "read", key) from None
                log.warning("retrying %s after %s", ref.key, type(exc).__name__)
        return data

    def _redact(self, text: str) -> str:
        return scrub(text, self._secrets)

    def _translate(self, exc: Exception, action: str, key: str | None = None) -> Exception:
        """One botocore/S3 error → our error, saying what, where and what to do."""
        where = self._url(key) if key else f"s3://{self.bucket}/{self.prefix}"
        endpoint = public_endpoint(self.endpoint_url)
        doing = f"cannot {action} {where} at {endpoint}"
        detail = self._redact(str(exc))
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return SourceError(
                f"{doing}: no complete S3 credentials — set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or ACCESS_KEY and SECRET_KEY)"
            )
        if isinstance(exc, BotoConnectionError | HTTPClientError):
            return TransientSourceError(
                f"{doing} after {self._max_attempts} attempt(s): {type(exc).__name__}: "
                f"{detail} — check the endpoint (S3_ENDPOINT_URL / AWS_S3_ENDPOINT), that "
                "the service is up and reachable from here, then run again"
            )
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            if code == "NoSuchBucket" or (status == 404 and key is None):
                return SourceError(
                    f"{doing}: bucket {self.bucket!r} does not exist — check BUCKET_NAME or "
                    "the s3://bucket/prefix location, and the endpoint"
                )
            if code in ("NoSuchKey", "404") and key is not None:
                return PageError(
                    self._url(key),
                    "the object disappeared after the listing",
                    hint="run again once the dump upload is complete",
                )
            if code in _DENIED or status in (401, 403):
                return SourceError(
                    f"{doing}: access denied ({code or status}) — check the S3 credentials "
                    "and the policy on this bucket; SSPCloud temporary keys expire "
                    "(renew AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
                )
            if code in _THROTTLED or status == 429 or status >= 500:
                return TransientSourceError(
                    f"{doing}: the service answered {code or status} after "
                    f"{self._max_attempts} attempt(s) — it is overloaded or down; run again "
                    "later"
                )
            return SourceError(f"{doing}: {code or status}: {detail}")
        return SourceError(f"{doing}: {type(exc).__name__}: {detail}")
