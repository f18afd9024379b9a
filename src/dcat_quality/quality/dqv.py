"""The published measurements as W3C DQV, for tools that speak the Data Quality Vocabulary.

One ``dqv:QualityMeasurement`` per dataset and MQA check (boolean value, metric = the
data.europa.eu DQV metric), one per high-value dataset and HVD check (metric
``urn:dcat-quality:metric:hvd.*``, ours: DCAT-AP HVD defines none), plus the MQA total
and the Ecosphères fill rate as measures on metrics of our own. Triples are streamed from
the database to the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

DQV = "http://www.w3.org/ns/dqv#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: Our own metrics (no DQV metric exists for them upstream).
OWN_METRIC = "urn:dcat-quality:metric:"

Format = Literal["turtle", "jsonld"]
FORMATS = {"turtle": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
PREFIXES = {"dqv": DQV, "prov": PROV, "xsd": XSD, "pv": "https://piveau.eu/ns/voc#"}


def _node(value: str) -> ox.NamedNode | ox.BlankNode:
    if value.startswith("urn:dcat-quality:blank-dataset:") or "://" in value or ":" in value:
        return ox.NamedNode(value)
    return ox.BlankNode(hashlib.sha1(value.encode()).hexdigest())  # noqa: S324 - an id


def _measurement(
    dataset_id: str, metric: str, value: ox.Literal, when: datetime
) -> Iterator[ox.Triple]:
    digest = hashlib.sha256(f"{dataset_id}|{metric}".encode()).hexdigest()[:24]
    node = ox.BlankNode(f"m{digest}")
    yield ox.Triple(node, RDF_TYPE, ox.NamedNode(DQV + "QualityMeasurement"))
    yield ox.Triple(node, ox.NamedNode(DQV + "computedOn"), _node(dataset_id))
    yield ox.Triple(node, ox.NamedNode(DQV + "isMeasurementOf"), ox.NamedNode(metric))
    yield ox.Triple(node, ox.NamedNode(DQV + "value"), value)
    yield ox.Triple(
        node,
        ox.NamedNode(PROV + "generatedAtTime"),
        ox.Literal(when.isoformat(), datatype=ox.NamedNode(XSD + "dateTime")),
    )


def measurement_triples(
    checks: Iterable[tuple[str, str, bool]],
    scores: Iterable[tuple[str, int, float]],
    when: datetime,
) -> Iterator[ox.Triple]:
    """Triples for ``(dataset, metric IRI, passed)`` checks and ``(dataset, total, fill)``."""
    boolean = ox.NamedNode(XSD + "boolean")
    for dataset_id, metric, passed in checks:
        yield from _measurement(
            dataset_id, metric, ox.Literal("true" if passed else "false", datatype=boolean), when
        )
    for dataset_id, total, fill_rate in scores:
        yield from _measurement(
            dataset_id,
            OWN_METRIC + "mqa_total",
            ox.Literal(str(total), datatype=ox.NamedNode(XSD + "integer")),
            when,
        )
        yield from _measurement(
            dataset_id,
            OWN_METRIC + "ecospheres.fill_rate",
            ox.Literal(f"{fill_rate:.2f}", datatype=ox.NamedNode(XSD + "decimal")),
            when,
        )


def write_dqv(triples: Iterable[ox.Triple], output: Path, fmt: Format) -> None:
    """Serialise ``triples`` to ``output`` as it streams in."""
    output.parent.mkdir(parents=True, exist_ok=True)
    ox.serialize(triples, output, FORMATS[fmt], prefixes=PREFIXES)
