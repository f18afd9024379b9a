"""S3 source against moto's S3 server over HTTP, configured the way MinIO is on SSPCloud."""

from __future__ import annotations

import gzip
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from dcat_quality.config import Settings
from dcat_quality.errors import (
    EmptySourceError,
    PageError,
    SourceError,
    TransientSourceError,
)
from dcat_quality.sources import S3Source, iter_pages, open_source, require_pages
from dcat_quality.sources.s3 import s3_client
from support.loopback import free_port

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ACCESS = "minio-access-AKIA1234"
SECRET = "very-secret-Zq9/xyz+42"
PREFIX = "DUMP_INTEGRATION_JSON"


@pytest.fixture
def minio_env(monkeypatch: pytest.MonkeyPatch, s3_server: str) -> str:
    """The historical variable names of the Ecosphères deployment, pointing at moto."""
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("ACCESS_KEY", ACCESS)
    monkeypatch.setenv("SECRET_KEY", SECRET)
    return s3_server


@pytest.fixture
def client(s3_server: str) -> S3Client:
    return s3_client(endpoint_url=s3_server, access_key=ACCESS, secret_key=SECRET)


@pytest.fixture
def bucket(client: S3Client) -> str:
    name = f"dump-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    return name


def test_lists_and_reads_pages_with_awkward_keys(
    minio_env: str, client: S3Client, bucket: str
) -> None:
    objects = {
        f"{PREFIX}/page 1.json": b'{"p": 1}',
        f"{PREFIX}/données+été.jsonld": b'{"p": "\xc3\xa9"}',
        f"{PREFIX}/sub/page-3.ttl.gz": gzip.compress(b"<a> <b> <c> ."),
        f"{PREFIX}/notes.txt": b"skip me",
        f"{PREFIX}/": b"",  # a folder marker, as some tools create
        f"{PREFIX}_OLD/page.json": b"{}",  # outside the location
        "elsewhere/page.json": b"{}",
    }
    for key, body in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)

    source = open_source(f"s3://{bucket}/{PREFIX}", Settings())
    refs = require_pages(source)
    assert [r.key for r in refs] == [
        f"s3://{bucket}/{PREFIX}/données+été.jsonld",
        f"s3://{bucket}/{PREFIX}/page 1.json",
        f"s3://{bucket}/{PREFIX}/sub/page-3.ttl.gz",
    ]
    assert list(source.skipped) == [f"s3://{bucket}/{PREFIX}/", f"s3://{bucket}/{PREFIX}/notes.txt"]
    assert refs[1].size == len(b'{"p": 1}')
    assert source.read(refs[0]) == '{"p": "é"}'.encode()
    assert source.read(refs[2]) == b"<a> <b> <c> ."
    described = source.describe()
    assert bucket in described
    assert minio_env in described
    assert SECRET not in described
    assert ACCESS not in described


def test_prefetching_reader_over_s3(minio_env: str, client: S3Client, bucket: str) -> None:
    for i in range(12):
        body = b"\x1f\x8bbroken" if i == 5 else gzip.compress(f"page {i}".encode())
        client.put_object(Bucket=bucket, Key=f"{PREFIX}/p{i:02d}.json.gz", Body=body)
    source = open_source(f"s3://{bucket}/{PREFIX}/", Settings())
    results = list(iter_pages(source, require_pages(source), prefetch=4))
    assert len(results) == 12
    assert isinstance(results[5][1], PageError)
    assert results[5][1].file == f"s3://{bucket}/{PREFIX}/p05.json.gz"
    assert results[11][1] == b"page 11"


@pytest.mark.slow
def test_listing_paginates_beyond_1000_keys(minio_env: str, client: S3Client, bucket: str) -> None:
    keys = [f"{PREFIX}/p{i:05d}.json" for i in range(1105)]
    keys += [f"{PREFIX}/x{i:03d}.csv" for i in range(20)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda k: client.put_object(Bucket=bucket, Key=k, Body=b"{}"), keys))
    source = open_source(f"s3://{bucket}/{PREFIX}/", Settings())
    refs = list(source.list_pages())
    assert len(refs) == 1105
    assert [r.key for r in refs] == sorted(r.key for r in refs)
    assert len(source.skipped) == 20


def test_missing_bucket_is_a_clear_source_error(minio_env: str) -> None:
    source = open_source("s3://no-such-bucket-here/DUMP_INTEGRATION_JSON/", Settings())
    with pytest.raises(SourceError) as info:
        list(source.list_pages())
    assert not isinstance(info.value, TransientSourceError)
    message = str(info.value)
    assert "no-such-bucket-here" in message
    assert "does not exist" in message
    assert "BUCKET_NAME" in message


def test_empty_prefix_raises_empty_source(minio_env: str, client: S3Client, bucket: str) -> None:
    client.put_object(Bucket=bucket, Key=f"{PREFIX}/readme.md", Body=b"x")
    with pytest.raises(EmptySourceError) as info:
        require_pages(open_source(f"s3://{bucket}/{PREFIX}/", Settings()))
    assert f"s3://{bucket}/{PREFIX}/" in str(info.value)
    assert "readme.md" in str(info.value)


def test_object_deleted_after_listing_is_a_page_error(
    minio_env: str, client: S3Client, bucket: str
) -> None:
    client.put_object(Bucket=bucket, Key=f"{PREFIX}/gone.json", Body=b"{}")
    source = open_source(f"s3://{bucket}/{PREFIX}/", Settings())
    [ref] = source.list_pages()
    client.delete_object(Bucket=bucket, Key=f"{PREFIX}/gone.json")
    with pytest.raises(PageError, match="disappeared"):
        source.read(ref)


def test_connection_refused_is_transient_and_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("S3_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-SECRET-777")
    source = open_source(
        "s3://dump/DUMP_INTEGRATION_JSON/", Settings(), max_attempts=2, connect_timeout=1
    )
    with pytest.raises(TransientSourceError) as info:
        list(source.list_pages())
    message = str(info.value)
    assert endpoint in message
    assert "s3://dump/DUMP_INTEGRATION_JSON/" in message
    assert "check the endpoint" in message
    rendered = "".join(traceback.format_exception(info.value)) + repr(source) + message
    for secret in (SECRET, "session-token-SECRET-777"):
        assert secret not in rendered


def test_host_only_endpoint_gets_https(monkeypatch: pytest.MonkeyPatch) -> None:
    """SSPCloud's AWS_S3_ENDPOINT is a bare host; TLS is then assumed."""
    port = free_port()
    monkeypatch.setenv("AWS_S3_ENDPOINT", f"127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    source = open_source("s3://dump/", Settings(), max_attempts=1, connect_timeout=1)
    assert isinstance(source, S3Source)
    assert f"https://127.0.0.1:{port}" in source.describe()
    with pytest.raises(TransientSourceError, match=f"https://127.0.0.1:{port}"):
        list(source.list_pages())


def test_endpoint_user_info_is_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3_ENDPOINT_URL", "https://user:pa55word@minio.example.org:9000/")
    source = open_source("s3://dump/x/", Settings())
    assert "pa55word" not in source.describe()
    assert "minio.example.org:9000" in source.describe()


def test_missing_credentials_say_what_to_set(
    monkeypatch: pytest.MonkeyPatch, s3_server: str
) -> None:
    monkeypatch.setenv("S3_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    source = open_source("s3://dump/", Settings())
    with pytest.raises(SourceError, match="AWS_ACCESS_KEY_ID"):
        list(source.list_pages())


@pytest.mark.parametrize(
    ("code", "status", "kind", "words"),
    [
        ("AccessDenied", 403, SourceError, "access denied"),
        ("InvalidAccessKeyId", 403, SourceError, "credentials"),
        ("SlowDown", 503, TransientSourceError, "run again later"),
        ("InternalError", 500, TransientSourceError, "run again later"),
    ],
)
def test_service_errors_are_classified(
    code: str, status: int, kind: type[Exception], words: str
) -> None:
    source = S3Source(
        "dump", "p/", endpoint_url="http://127.0.0.1:1", access_key=ACCESS, secret_key=SECRET
    )
    response: Any = {
        "Error": {"Code": code, "Message": f"key {SECRET} rejected"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    error = ClientError(response, "ListObjectsV2")
    translated = source._translate(error, "list")
    assert type(translated) is kind
    assert words in str(translated)
    assert SECRET not in str(translated)
