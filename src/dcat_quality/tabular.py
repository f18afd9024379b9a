"""Flat files for the manual mode (``extract`` → ``transform`` → ``load``).

One row per dataset. Scalars are written as they are; lists and distributions as JSON
text, so a row reads back into exactly the record it came from. CSV uses ``;`` like the
historical ``metadata.csv``; Parquet (extra ``parquet``) holds the same string columns.
Files are written and read in batches: never the whole catalog in memory.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from dcat_quality.dcat.records import DatasetRecord, DistributionRecord
from dcat_quality.errors import ConfigError
from dcat_quality.quality.ecospheres import EcospheresIndicators

_RECORD_FIELDS = list(dataclasses.fields(DatasetRecord))
_DISTRIBUTION_FIELDS = [f.name for f in dataclasses.fields(DistributionRecord)]
_DISTRIBUTION_SETS = [
    f.name for f in dataclasses.fields(DistributionRecord) if f.type == "frozenset[str]"
]
RECORD_COLUMNS = ["source_file"] + [f.name for f in _RECORD_FIELDS]
INDICATOR_COLUMNS = [
    "fill_rate",
    "filled_fields",
    "universe",
    "communes",
    "departements",
    "geo_coverage",
    "open_access",
    "status_code",
    "status_label",
]
_BATCH = 2000
csv.field_size_limit(sys.maxsize)


def _plain(value: Any) -> Any:
    """A value orjson writes (sets of property IRIs as sorted lists)."""
    return sorted(value) if isinstance(value, frozenset) else value


def _encode(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        if value and isinstance(value[0], DistributionRecord):
            return orjson.dumps(
                [{k: _plain(v) for k, v in dataclasses.asdict(d).items()} for d in value]
            ).decode()
        return orjson.dumps(list(value)).decode()
    if isinstance(value, frozenset):
        return orjson.dumps(sorted(value)).decode()
    return str(value)


def _distribution(data: dict[str, Any]) -> DistributionRecord:
    values: dict[str, Any] = {k: data.get(k) for k in _DISTRIBUTION_FIELDS if k in data}
    for name in _DISTRIBUTION_SETS:
        if name in values:
            values[name] = frozenset(values[name] or ())
    return DistributionRecord(**values)


def record_row(record: DatasetRecord, source_file: str) -> dict[str, str | None]:
    """A record as a flat row of text."""
    row: dict[str, str | None] = {"source_file": source_file}
    for f in _RECORD_FIELDS:
        row[f.name] = _encode(getattr(record, f.name))
    return row


def indicator_row(indicators: EcospheresIndicators) -> dict[str, str | None]:
    """The historical indicators as flat text columns."""
    return {name: _encode(getattr(indicators, name)) for name in INDICATOR_COLUMNS}


def row_record(row: dict[str, Any], where: str) -> DatasetRecord:
    """The record a row was written from; ``where`` names the row in errors."""
    values: dict[str, Any] = {}
    try:
        for f in _RECORD_FIELDS:
            text = row.get(f.name)
            if text is None or text == "":
                if f.name == "dataset_id":
                    raise ValueError("dataset_id is empty")
                continue
            if f.name == "distributions":
                values[f.name] = tuple(_distribution(d) for d in orjson.loads(text))
            elif f.type in ("tuple[str, ...]",):
                values[f.name] = tuple(orjson.loads(text))
            elif f.type == "frozenset[str]":
                values[f.name] = frozenset(orjson.loads(text))
            elif f.type == "bool":
                values[f.name] = text == "true"
            else:
                values[f.name] = text
        return DatasetRecord(**values)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise ConfigError(
            f"{where}: cannot read this row back into a dataset ({exc}); the file must come "
            "from `dcat-quality extract` or `transform`"
        ) from exc


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise ConfigError(f"{path}: unknown table format {suffix!r}; use .csv or .parquet")


def _pyarrow() -> Any:
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional extra
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError as exc:
        raise ConfigError(
            'Parquet needs pyarrow: pip install "dcat-quality[parquet]", or write .csv'
        ) from exc
    return pa, pq


def write_table(path: Path, columns: list[str], rows: Iterable[dict[str, str | None]]) -> int:
    """Stream rows to ``path`` (.csv or .parquet); returns the number of rows written."""
    fmt = _format_of(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, delimiter=";")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    pa, pq = _pyarrow()
    schema = pa.schema([(name, pa.string()) for name in columns])
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, str | None]] = []
        for row in rows:
            batch.append(row)
            count += 1
            if len(batch) >= _BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or count == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return count


def read_table(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of a .csv or .parquet table, each with where it is (for error messages)."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    fmt = _format_of(path)
    if fmt == "csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter=";")
            for number, row in enumerate(reader, start=2):
                yield f"{path}:line {number}", row
        return
    _, pq = _pyarrow()
    parquet = pq.ParquetFile(str(path))
    index = 0
    for batch in parquet.iter_batches(batch_size=_BATCH):
        for row in batch.to_pylist():
            index += 1
            yield f"{path}:row {index}", row
