"""The PostgreSQL warehouse: schema, staged COPY loading, atomic publish, history.

Where things live: ``target`` (a database and its redaction), ``embedded`` (the bundled
server), ``connection`` (which database, connecting), ``schema`` (migrations), ``runs``
(the run lifecycle), ``shards``, ``versions`` (history as versions, retention), ``rows``
(records → rows), ``digest`` (versions as digests), ``loader`` (COPY), ``indicators``,
``link_cache``, ``queries`` (reading the published run), and ``warehouse`` (the
``Warehouse`` the chain uses).

Names are imported on first use (see ``dcat_quality._lazy``): the parse workers need
``warehouse.rows`` but not psycopg.
"""

from __future__ import annotations

import typing

from dcat_quality._lazy import lazy_getattr as _lazy_getattr

if typing.TYPE_CHECKING:
    from dcat_quality.warehouse.connection import resolve_database
    from dcat_quality.warehouse.embedded import (
        psql_executable,
        psql_uri,
        start_embedded,
        stop_embedded,
    )
    from dcat_quality.warehouse.loader import Loader
    from dcat_quality.warehouse.runs import RunCounts, RunInfo
    from dcat_quality.warehouse.shards import Shard
    from dcat_quality.warehouse.target import DatabaseTarget, redact
    from dcat_quality.warehouse.warehouse import Warehouse

_EMBEDDED = "dcat_quality.warehouse.embedded"
_RUNS = "dcat_quality.warehouse.runs"
_TARGET = "dcat_quality.warehouse.target"
_MODULES = {
    "DatabaseTarget": _TARGET,
    "redact": _TARGET,
    "resolve_database": "dcat_quality.warehouse.connection",
    "psql_executable": _EMBEDDED,
    "psql_uri": _EMBEDDED,
    "start_embedded": _EMBEDDED,
    "stop_embedded": _EMBEDDED,
    "Loader": "dcat_quality.warehouse.loader",
    "RunCounts": _RUNS,
    "RunInfo": _RUNS,
    "Shard": "dcat_quality.warehouse.shards",
    "Warehouse": "dcat_quality.warehouse.warehouse",
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
