"""``sh:datatype`` decided as pyshacl decides it (rdflib's lexical-to-value conversion)."""

from __future__ import annotations

import itertools

import pytest
import rdflib
from pyshacl.constraints.core.value_constraints import DatatypeConstraintComponent

from dcat_quality.quality.xsd import XSD, matches_datatype

DATATYPES = (
    "date",
    "dateTime",
    "gYear",
    "gYearMonth",
    "decimal",
    "integer",
    "nonNegativeInteger",
    "duration",
    "hexBinary",
    "string",
    "boolean",
)
FORMS = (
    "",
    " ",
    "2020",
    "2020-01",
    "2020-01-01",
    "2020-1-1",
    "2020-02-29",
    "2021-02-29",
    "0000-01-01",
    "2020-01-01Z",
    "2020-01-01z",
    "2020-01-01+02:00",
    "2020-01-01-05:00",
    "-2020-01-01",
    "20200101",
    "2020-W01-1",
    "2020-001",
    "2020-01-01T10:00",
    "2020-01-01T10:00:00",
    "2020-01-01 10:00",
    "2020-01-01T24:00:00",
    "2020-01-01T10:00:00.123456789Z",
    "2020-01-01T10:00:00+01:00",
    "2020-13-01T00:00:00",
    "dd.mm.yyyy",
    "jeweils Montags",
    "1",
    "01",
    "-3",
    "+5",
    " 7 ",
    "1_000",
    "1.5",
    "1,5",
    "1e3",
    "1E-3",
    "NaN",
    "Infinity",
    "-0",
    "٣",
    "0fA1",
    "0f1",
    "zz",
    "P1D",
    "PT5M",
    "P",
    "PT",
    "1D",
    "-P1Y2M",
    "P1.5Y",
    "P1,5D",
    "P999999999999D",
    "P2020-01-01T00:00:00",
    "P0000-00-00T00:00:00",
    "true",
    "false",
    "é",
)


def _reference(text: str, datatype: str | None, rule: str, lang: str | None = None) -> bool:
    """pyshacl's own test on the rdflib literal (``DatatypeConstraintComponent``)."""
    literal = rdflib.Literal(
        text, lang=lang, datatype=rdflib.URIRef(datatype) if datatype else None, normalize=False
    )
    rule_iri = rdflib.URIRef(rule)
    if literal.datatype == rule_iri:
        if literal.ill_typed is True:
            return False
        return bool(DatatypeConstraintComponent._assert_actual_datatype(None, literal, rule_iri))  # type: ignore[arg-type]
    if rule_iri == rdflib.XSD.string and literal.datatype is None and literal.language is None:
        return True
    return rule_iri == rdflib.RDF.langString and literal.language is not None


@pytest.mark.filterwarnings("ignore:Parsing weird boolean")
@pytest.mark.parametrize("name", DATATYPES)
def test_every_form_is_judged_as_pyshacl_judges_it(name: str) -> None:
    rule = XSD + name
    disagreements = [
        form
        for form in FORMS
        if matches_datatype(form, None, None if name == "string" else rule, rule)
        != _reference(form, rule, rule)
    ]
    assert disagreements == []


def test_other_datatypes_and_plain_literals() -> None:
    date = XSD + "date"
    for text, lang, datatype, rule in itertools.product(
        ("2020-01-01", "x"),
        (None, "fr"),
        (None, XSD + "dateTime"),
        (date, XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"),
    ):
        if lang is not None and datatype is not None:
            continue
        assert matches_datatype(text, lang, datatype, rule) == _reference(
            text, datatype, rule, lang
        ), (text, lang, datatype, rule)
