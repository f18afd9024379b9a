"""The PostgreSQL warehouse: schema, staged COPY loading, atomic publish, history.

Names are imported on first use (see ``dcat_quality._lazy``): the parse workers need
``warehouse.rows`` but not psycopg.
"""

from __future__ import annotations

import typing

from dcat_quality._lazy import lazy_getattr as _lazy_getattr

if typing.TYPE_CHECKING:
    from dcat_quality.warehouse.connection import DatabaseTarget, redact, resolve_database
    from dcat_quality.warehouse.embedded import (
        psql_executable,
        psql_uri,
        start_embedded,
        stop_embedded,
    )
    from dcat_quality.warehouse.warehouse import Loader, RunCounts, RunInfo, Shard, Warehouse

_CONNECTION = "dcat_quality.warehouse.connection"
_EMBEDDED = "dcat_quality.warehouse.embedded"
_WAREHOUSE = "dcat_quality.warehouse.warehouse"
_MODULES = {
    "DatabaseTarget": _CONNECTION,
    "redact": _CONNECTION,
    "resolve_database": _CONNECTION,
    "psql_executable": _EMBEDDED,
    "psql_uri": _EMBEDDED,
    "start_embedded": _EMBEDDED,
    "stop_embedded": _EMBEDDED,
    "Loader": _WAREHOUSE,
    "RunCounts": _WAREHOUSE,
    "RunInfo": _WAREHOUSE,
    "Shard": _WAREHOUSE,
    "Warehouse": _WAREHOUSE,
}

__getattr__ = _lazy_getattr(__name__, _MODULES)

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
