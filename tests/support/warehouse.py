"""Sample records, a one-call load and publish, and readers of the warehouse's tables and
views (a digest of what the dashboards see, the runs' statuses)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import psycopg
from psycopg import sql

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.quality.ecospheres import compute
from dcat_quality.warehouse import RunCounts, Warehouse

RICH = DatasetRecord(
    dataset_id="https://example.org/dataset/pprn-ajaccio",
    identifier="pprn-ajaccio",
    title="PPRN Ajaccio",
    title_lang="fr",
    description="Plan de prévention des risques naturels",
    description_lang="fr",
    issued="2023-05-04",
    created="04.05.2023",
    modified="jeweils Montags",
    access_rights=("Pas de restriction d'accès public selon INSPIRE",),
    access_rights_iris=("http://publications.europa.eu/resource/authority/access-right/PUBLIC",),
    themes=("http://example.org/theme/risques",),
    keywords=("risques", "zone de bruit"),
    creator="DDTM 2A",
    rights_holder="Préfecture",
    publisher="DDTM",
    contact_name="Service risques",
    contact_email="risques@example.org",
    status="http://purl.org/adms/status/COMPLETED",
    catalog="Ecosphères",
    spatial=(
        "http://id.insee.fr/geo/commune/2A004",
        "http://id.insee.fr/geo/commune/97411",
        "https://sws.geonames.org/3038638/",
    ),
    bbox="POLYGON((8 41, 9 41, 9 42, 8 42, 8 41))",
    licenses=("https://www.etalab.gouv.fr/licence-ouverte-open-licence",),
    landing_page="https://example.org/pprn",
    languages=("http://publications.europa.eu/resource/authority/language/FRA",),
    temporal_start="2020",
    temporal_end="2024-12-31T00:00:00+01:00",
    accrual_periodicity="http://purl.org/cld/freq/annual",
    distributions=(
        DistributionRecord(
            distribution_id="https://example.org/dist/1",
            title="Zonage",
            download_url="https://example.org/zonage.zip",
            format="SHP",
            license="https://www.etalab.gouv.fr/licence-ouverte-open-licence",
            byte_size=123456789012,
            issued="2023-05-04T12:00:00",
            modified="not a date",
        ),
    ),
)

BLANK = DatasetRecord(dataset_id="_:b0f3a9", is_blank_node=True, is_series=True, title="Série")


def record(number: int, **fields: Any) -> DatasetRecord:
    """A small distinct dataset."""
    values: dict[str, Any] = {
        "title": f"Dataset {number}",
        "keywords": (f"k{number}",),
        "spatial": ("http://id.insee.fr/geo/departement/974",),
    }
    values.update(fields)
    return DatasetRecord(dataset_id=f"https://example.org/d/{number}", **values)


def load_and_publish(
    warehouse: Warehouse, records: Iterable[DatasetRecord], source: str = "test"
) -> int:
    """One complete run of these records; returns its run id."""
    run_id = warehouse.begin_run(source, "test")
    with warehouse.loader(run_id) as loader:
        for rec in records:
            loader.add(rec, compute(rec), "page-1.json")
    counts = RunCounts(1, 0, loader.loaded, loader.loaded, 0)
    warehouse.publish(run_id, counts)
    return run_id


def query(
    conn: psycopg.Connection[Any],
    template: str,
    schema: str = "dcat_quality",
    params: tuple[Any, ...] = (),
) -> list[tuple[Any, ...]]:
    """Rows of a query whose ``{schema}`` is the quoted schema name."""
    statement = sql.SQL(template).format(schema=sql.Identifier(schema))  # type: ignore[arg-type]
    return conn.execute(statement, params).fetchall()


def partitions(conn: psycopg.Connection[Any], schema: str = "dcat_quality") -> set[str]:
    """Names of the run partitions in the schema."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname ~ '_r[0-9]+$'",
        (schema,),
    ).fetchall()
    return {name for (name,) in rows}


#: The views a dashboard reads: the digest covers every row of each.
VIEWS = (
    "datasets",
    "distributions",
    "dataset_keywords",
    "dataset_themes",
    "dataset_territories",
    "dataset_checks",
    "dataset_scores",
    "historical_datasets",
)


def published_digest(conn: psycopg.Connection[Any], schema: str = "dcat_quality") -> str:
    """A digest of every row the published views show, in a stable order."""
    digest = hashlib.sha256()
    for view in VIEWS:
        rows = conn.execute(
            sql.SQL("SELECT t::text FROM {}.{} t ORDER BY 1").format(
                sql.Identifier(schema), sql.Identifier(view)
            )
        ).fetchall()
        digest.update(f"{view}:{len(rows)}\n".encode())
        for (text,) in rows:
            digest.update(text.encode() + b"\n")
    return digest.hexdigest()


def run_statuses(conn: psycopg.Connection[Any], schema: str = "dcat_quality") -> dict[int, str]:
    rows = conn.execute(
        sql.SQL("SELECT run_id, status FROM {}.runs ORDER BY run_id").format(sql.Identifier(schema))
    ).fetchall()
    return {int(run_id): str(status) for run_id, status in rows}


def traces(conn: psycopg.Connection[Any], run_id: int, schema: str = "dcat_quality") -> int:
    """Spans and staged rows that run ``run_id`` wrote (0 once an unpublished run is undone)."""
    row = conn.execute(
        sql.SQL(
            "SELECT (SELECT count(*) FROM {s}.dataset_spans WHERE first_run = %(r)s"
            "  OR end_run = %(r)s)"
            " + (SELECT count(*) FROM {s}.page_spans WHERE first_run = %(r)s OR end_run = %(r)s)"
            " + (SELECT count(*) FROM {s}.run_staged_datasets WHERE run_id = %(r)s)"
            " + (SELECT count(*) FROM {s}.run_staged_pages WHERE run_id = %(r)s)"
        ).format(s=sql.Identifier(schema)),
        {"r": run_id},
    ).fetchone()
    assert row is not None
    return int(row[0])
