"""Whether a literal matches an ``sh:datatype``, decided as the reference validator does.

The DCAT-AP compliance verdict must equal pyshacl's with the official SEMIC shapes
(issue 13), and pyshacl's ``sh:datatype`` check is rdflib's idea of a well-formed
literal: the datatype IRI must be equal, then, for the datatypes rdflib knows, its
lexical-to-value conversion must succeed (pyshacl 0.40
``DatatypeConstraintComponent.evaluate`` and ``_assert_actual_datatype``; rdflib 7.6
``term._castLexicalToPython``, ``_check_well_formed_types`` and ``xsd_datetime``). That
is not XSD's lexical space: rdflib reads ``xsd:date`` and ``xsd:dateTime`` with Python's
``fromisoformat`` (so ``"2020-01-01 10:00"^^xsd:dateTime`` passes and ``"2020-1-1"``
fails), ``xsd:decimal`` with ``Decimal`` (so ``"1e3"`` and ``" 12 "`` pass) and knows no
``gYear``/``gYearMonth`` conversion at all (so any text passes). This module restates
those rules for the datatypes the DCAT-AP shapes use, written from the behaviour the
differential tests pin (``tests/quality/test_xsd.py`` compares every rule with rdflib on
real and generated lexical forms); a datatype not listed here passes on an equal IRI,
as it does in pyshacl.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDFS_LITERAL = "http://www.w3.org/2000/01/rdf-schema#Literal"
RDFS_DATATYPE = "http://www.w3.org/2000/01/rdf-schema#Datatype"

# An ISO 8601 duration with designators: sign, P, then Y M W D, then T H M S, each an
# optional number with an optional fraction (either separator).
_NUMBER = r"[0-9]+(?:[,.][0-9]+)?"
_PERIOD = re.compile(
    rf"^(?P<sign>[+-])?P(?!\b)(?:(?P<Y>{_NUMBER})Y)?(?:(?P<Mo>{_NUMBER})M)?"
    rf"(?:(?P<W>{_NUMBER})W)?(?:(?P<D>{_NUMBER})D)?"
    rf"(?:T(?:(?P<H>{_NUMBER})H)?(?:(?P<Mi>{_NUMBER})M)?(?:(?P<S>{_NUMBER})S)?)?$"
)


def _date_value(text: str) -> bool:
    """rdflib's ``xsd:date`` reading: drop a time zone or time part, then fromisoformat."""
    if text[-1:] in ("Z", "z"):
        text = text[:-1]
    negative = text.startswith("-")
    if negative:
        text = text[1:]
    if "T" in text:
        text = text.partition("T")[0]  # a time part (and its zone) is ignored
    else:
        plus = text.rfind("+")
        if plus > 0:
            text = text[:plus]  # a +hh:mm zone
        else:
            head, dash, tail = text.rpartition("-")
            if dash and ":" in tail:
                text = head  # a -hh:mm zone
    if "-" not in text:
        return False
    try:
        date.fromisoformat("-" + text if negative else text)
    except ValueError:
        return False
    return True


def _datetime_value(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def _duration_value(text: str) -> bool:
    """rdflib's ``xsd:duration`` reading: the designator form, else P + an ISO datetime."""
    match = _PERIOD.match(text)
    if match is None:
        if not text.startswith("P"):
            return False
        try:
            moment = datetime.fromisoformat(text[1:])
        except ValueError:
            return False
        try:
            timedelta(
                days=moment.day,
                hours=moment.hour,
                minutes=moment.minute,
                seconds=moment.second,
                microseconds=moment.microsecond,
            )
        except OverflowError:
            return False
        return True
    try:  # the value rdflib builds: a timedelta (inside a Duration when Y or M is set)
        timedelta(
            days=_number(match["D"]),
            hours=_number(match["H"]),
            minutes=_number(match["Mi"]),
            seconds=_number(match["S"]),
            weeks=_number(match["W"]),
        )
    except OverflowError:
        return False
    return True


def _decimal_value(text: str) -> bool:
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    return True


def _integer(minimum: int | None) -> Callable[[str], bool]:
    def valid(text: str) -> bool:
        try:
            value = int(text)
        except ValueError:
            return False
        return minimum is None or value >= minimum

    return valid


def _hex_value(text: str) -> bool:
    try:
        binascii.unhexlify(text.encode())
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


#: Datatype → lexical check, for the datatypes rdflib converts that the shapes use.
_CHECKS: dict[str, Callable[[str], bool]] = {
    XSD + "date": _date_value,
    XSD + "dateTime": _datetime_value,
    XSD + "duration": _duration_value,
    XSD + "decimal": _decimal_value,
    XSD + "integer": _integer(None),
    XSD + "nonNegativeInteger": _integer(0),
    XSD + "hexBinary": _hex_value,
    XSD + "boolean": lambda text: text in ("true", "false", "1", "0"),
}


def matches_datatype(value: str, lang: str | None, datatype: str | None, rule: str) -> bool:
    """True when a literal (lexical ``value``, ``lang``, ``datatype``; ``None`` for
    ``xsd:string``) satisfies ``sh:datatype rule`` as pyshacl decides it."""
    if datatype == rule:
        check = _CHECKS.get(rule)
        return check is None or check(value)
    if rule == RDFS_LITERAL:
        return True
    if rule == RDFS_DATATYPE:
        return datatype is not None
    if rule == XSD_STRING:
        return datatype is None and lang is None
    if rule == RDF_LANGSTRING:
        return lang is not None
    return False


def known_datatypes() -> frozenset[str]:
    """The datatypes whose lexical form is checked (the others pass on an equal IRI)."""
    return frozenset(_CHECKS)
