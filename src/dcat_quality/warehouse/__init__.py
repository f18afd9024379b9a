"""The PostgreSQL warehouse: schema, staged COPY loading, atomic publish, history."""

from dcat_quality.warehouse.connection import DatabaseTarget, redact, resolve_database
from dcat_quality.warehouse.embedded import (
    psql_executable,
    psql_uri,
    start_embedded,
    stop_embedded,
)
from dcat_quality.warehouse.warehouse import Loader, RunCounts, RunInfo, Shard, Warehouse

__all__ = [
    "DatabaseTarget",
    "Loader",
    "RunCounts",
    "RunInfo",
    "Shard",
    "Warehouse",
    "psql_executable",
    "psql_uri",
    "redact",
    "resolve_database",
    "start_embedded",
    "stop_embedded",
]
