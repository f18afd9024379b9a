"""Lenient date reading for DCAT date literals.

Real catalogs publish ``xsd:date``, ``xsd:dateTime`` (with or without timezone, with
microseconds), ``gYear``, ``gYearMonth``, untyped strings, ``dd.mm.yyyy`` and free text
("jeweils Montags"). We keep the lexical form in the record and derive a calendar date
when one can be read; free text gives ``None`` (the raw text stays visible).
"""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?(?:Z|[+-]\d{2}:?\d{2})?\s*$")
_DOTTED = re.compile(r"^\s*(\d{1,2})[./](\d{1,2})[./](\d{4})\s*$")


def parse_date(text: str | None) -> date | None:
    """The calendar date a DCAT date literal names, or None when it names none."""
    if not text:
        return None
    match = _ISO.match(text)
    if match:
        year, month, day = match.group(1), match.group(2) or "1", match.group(3) or "1"
    else:
        match = _DOTTED.match(text)
        if not match:
            return None
        day, month, year = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None
