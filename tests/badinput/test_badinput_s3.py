"""S3 keys with unusual characters, through moto's S3 server and the whole chain.

Spaces, accents, ``+``, ``%``, ``#``, ``&``, ``=`` and a quote in object keys: every page
is listed, read and loaded under its exact key (``s3://bucket/<key>`` in ``source_file``
and ``rejections``); relative IRIs resolve against the key, percent-encoded.
"""

from __future__ import annotations

import gzip
from typing import Any

import psycopg

from dcat_quality.pipeline import PageOutcome, run_chain
from dcat_quality.sources import S3Source
from dcat_quality.sources.s3 import s3_client
from dcat_quality.warehouse import DatabaseTarget, Warehouse
from support.badinput import DCAT, DCT, dataset, iri, jsonld

BUCKET = "bad-keys"
PREFIX = "DUMP_INTEGRATION_JSON/"

_RELATIVE_TTL = (
    f'@prefix dcat: <{DCAT}> .\n<d1> a dcat:Dataset ; <{DCT}title> "relative" .\n'
).encode()

#: key (under the prefix) → (bytes, datasets loaded; None = page rejected)
PAGES: dict[str, tuple[bytes, int | None]] = {
    "page with spaces.json": (jsonld(dataset("s3-space")), 1),
    "données-été.json": (jsonld(dataset("s3-accent")), 1),
    "a+b=c&d.json": (jsonld(dataset("s3-plus")), 1),
    "100%25 sure %.json": (jsonld(dataset("s3-percent")), 1),
    "hash#fragment.json": (jsonld(dataset("s3-hash")), 1),
    "what?100%.ttl": (f"<#it> a <{DCAT}Dataset> .".encode(), 1),
    "it's.jsonld": (jsonld(dataset("s3-quote")), 1),
    "sous dossier/é #1.ttl": (_RELATIVE_TTL, 1),
    "zipped ü.json.gz": (gzip.compress(jsonld(dataset("s3-gzip"))), 1),
    "truncated ü.json.gz": (gzip.compress(jsonld(dataset("s3-truncated")))[:-20], None),
    "broken #2.json": (b'{"@context": {', None),
}


def _rows(url: str, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_unusual_s3_keys_are_read_and_named_exactly(s3_server: str, database_url: str) -> None:
    client = s3_client(
        endpoint_url=s3_server, access_key="test-access", secret_key="test-secret-value"
    )
    client.create_bucket(Bucket=BUCKET)
    for key, (body, _) in PAGES.items():
        client.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=body)
    source = S3Source(
        BUCKET,
        PREFIX,
        endpoint_url=s3_server,
        access_key="test-access",
        secret_key="test-secret-value",
        max_attempts=2,
    )
    outcomes: dict[str, PageOutcome] = {}
    with Warehouse.open(DatabaseTarget(database_url, "test")) as warehouse:
        result = run_chain(
            source,
            warehouse,
            workers=1,
            on_page=lambda outcome: outcomes.__setitem__(outcome.ref.key, outcome),
        )
    urls = {f"s3://{BUCKET}/{PREFIX}{key}": expected for key, (_, expected) in PAGES.items()}
    assert set(outcomes) == set(urls)
    rejected = {url for url, expected in urls.items() if expected is None}
    loaded = sum(expected for expected in urls.values() if expected is not None)
    counts = result.counts
    assert (counts.pages_read, counts.pages_rejected) == (len(PAGES), len(rejected))
    assert (counts.datasets_read, counts.datasets_loaded, counts.datasets_rejected) == (
        loaded,
        loaded,
        0,
    )
    for url, expected in urls.items():
        outcome = outcomes[url]
        if expected is None:
            assert outcome.failure is not None
            assert outcome.failure.file == url
        else:
            assert outcome.failure is None, outcome.failure.message
            ((n,),) = _rows(
                database_url,
                "select count(*) from dcat_quality.datasets where source_file = %s",
                (url,),
            )
            assert n == expected, url
    files = dict(_rows(database_url, "select file, reason from dcat_quality.rejections"))
    assert set(files) == rejected
    truncated = files[f"s3://{BUCKET}/{PREFIX}truncated ü.json.gz"]
    assert "cannot gunzip" in truncated
    assert "upload it again" in truncated
    broken = files[f"s3://{BUCKET}/{PREFIX}broken #2.json"]
    assert "invalid JSON" in broken
    assert "(line 1, column" in broken
    # relative IRIs: resolved against the object's URL, spaces and accents percent-encoded
    ((relative,),) = _rows(
        database_url,
        "select dataset_id from dcat_quality.datasets where source_file like %s",
        ("%sous dossier%",),
    )
    assert relative == f"s3://{BUCKET}/{PREFIX}sous%20dossier/d1"
    ((fragment,),) = _rows(
        database_url,
        "select dataset_id from dcat_quality.datasets where source_file like %s",
        ("%what?100%%",),
    )
    # "?", "#" and "%" belong to the key: escaped, so "#it" is a fragment of the page
    assert fragment == f"s3://{BUCKET}/{PREFIX}what%3F100%25.ttl#it"
    assert _rows(
        database_url,
        "select dataset_id from dcat_quality.datasets where dataset_id = %s",
        (iri("s3-hash"),),
    )
