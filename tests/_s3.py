"""A boto3 client for moto's S3 server (the ``s3_server`` fixture), as the tests set up
their buckets. Each test passes its own credentials: some are distinctive on purpose, so
that a leak of them can be searched for."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def s3_client(endpoint: str, access_key: str, secret_key: str) -> S3Client:
    """A path-style client of ``endpoint`` (MinIO's addressing, which moto accepts)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
