"""The controlled vocabularies the MQA checks need, bundled as JSON with source and version.

Each file names its ``source`` and ``version``; ``load_vocabularies()`` reads them once.

**Only IRIs count.** A value written as a literal or a label (``"CSV"``, ``"text/csv"``,
``"ESRI Shapefile (SHP)"``) is never on a vocabulary: data.europa.eu reads formats, media
types and licences as resources (``isURIResource``), and so does the Norwegian
implementation of the methodology, which keeps only named nodes before any vocabulary
lookup (``Informasjonsforvaltning/fdk-mqa-property-checker`` @ a5d919e6,
``src/metrics.rs``: ``list_formats``/``list_media_types``/``list_licenses`` keep
``Term::NamedNode``). The checks test the IRI kind from the record; the lookups here
match IRI text only.

**EU authority tables are matched exactly** (file types, access rights, licences): the
IRI as the Publications Office writes it, as piveau compares Jena resources
(``…/file-type/csv`` or ``https://publications.europa.eu/…`` is not a concept). IANA media
types are matched as ``https://www.iana.org/assignments/media-types/<type>/<subtype>``
with ``http`` or ``https``, case-insensitively (RFC 6838), and nothing else.

**Licence lists.** The default "known licence" list is the EU licence authority table
with all its ``skos:exactMatch`` (``licences_eu.json``, built by ``licence_build``).
``dcat-quality-extras`` (``licences_extras.json``) is our own addition, off by default
(``DCAT_QUALITY_LICENCE_EXTRAS``): SPDX and Etalab IRIs, and tolerant matching of every
listed IRI (http/https, trailing ``/``, case of the host and of the last path segment).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

_IRI = re.compile(r"^https?://(?P<host>[^/?#\s]+)(?P<path>/[^?#\s]*)?$", re.IGNORECASE)
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$", re.IGNORECASE)
_IANA_HOST = "www.iana.org"
_IANA_PATH = "/assignments/media-types/"
_IANA_IRI = "https://www.iana.org/assignments/media-types/"


def iri_key(value: str | None) -> str | None:
    """The form two IRIs are compared in (see module docstring), or None for a non-IRI."""
    if not value:
        return None
    match = _IRI.match(value.strip())
    if match is None:
        return None
    path = (match.group("path") or "").rstrip("/")
    head, _, last = path.rpartition("/")
    return (
        f"{match.group('host').lower()}{head}/{last.lower()}"
        if path
        else match.group("host").lower()
    )


def media_type_key(value: str | None) -> str | None:
    """``type/subtype`` in lower case from an IANA media-type IRI; None for anything else
    (a bare ``text/csv`` is a literal, not on the vocabulary)."""
    if not value:
        return None
    match = _IRI.match(value.strip())
    if match is None:
        return None
    path = (match.group("path") or "").rstrip("/")
    if match.group("host").lower() != _IANA_HOST or not path.startswith(_IANA_PATH):
        return None
    text = path[len(_IANA_PATH) :]
    return text.lower() if _MEDIA_TYPE.match(text) else None


#: Lookups are memoised per vocabulary (hot path): catalogs repeat the same few format,
#: media-type and licence values on every distribution, and turning an IRI into its
#: comparison key costs a regex and several string copies. Longer values are looked up
#: directly, so the memo never keeps a huge literal alive; a memo is emptied when it
#: reaches MEMO_SIZE values.
MEMO_MAX_LENGTH = 256
MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A set of accepted IRIs (or media types), with where it comes from.

    ``value in vocabulary`` matches as the module docstring says, memoised in the
    vocabulary itself (``_memo``, not part of its identity).
    """

    name: str
    source: str
    version: str
    keys: frozenset[str]  # matched through iri_key (or media_type_key)
    media_types: bool = False
    exact: frozenset[str] = frozenset()  # matched as written
    _memo: dict[str, bool] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        if len(value) > MEMO_MAX_LENGTH:
            return self._lookup(value)
        memo = self._memo
        found = memo.get(value)
        if found is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            found = memo[value] = self._lookup(value)
        return found

    def _lookup(self, value: str) -> bool:
        if value in self.exact:
            return True
        if not self.keys:
            return False
        key = media_type_key(value) if self.media_types else iri_key(value)
        return key is not None and key in self.keys

    def __len__(self) -> int:
        return len(self.keys | self.exact)

    def union(self, other: Vocabulary) -> Vocabulary:
        """Both vocabularies as one (names, sources and versions joined with `` + ``)."""
        return Vocabulary(
            f"{self.name} + {other.name}",
            f"{self.source} + {other.source}",
            f"{self.version} + {other.version}",
            self.keys | other.keys,
            self.media_types,
            self.exact | other.exact,
        )


@dataclass(frozen=True, slots=True)
class FormatList:
    """A list of formats (EU file types) and media types sharing one property.

    Used for the non-proprietary and machine-readable lists: a distribution is on the
    list when its format IRI or its media type is.
    """

    name: str
    source: str
    version: str
    file_types: Vocabulary
    media_types: Vocabulary

    def matches(self, format_: str | None, media_type: str | None) -> bool:
        """True when the format or the media type is on the list."""
        return format_ in self.file_types or media_type in self.media_types


@dataclass(frozen=True, slots=True)
class Vocabularies:
    """Every vocabulary the MQA checks use."""

    file_types: Vocabulary
    media_types: Vocabulary
    access_rights: Vocabulary
    licences: Vocabulary
    non_proprietary: FormatList
    machine_readable: FormatList

    def describe(self) -> dict[str, str]:
        """Vocabulary name → ``source (version)``, for reports and run metadata."""
        out: dict[str, str] = {}
        for item in (
            self.file_types,
            self.media_types,
            self.access_rights,
            self.licences,
            self.non_proprietary,
            self.machine_readable,
        ):
            out[item.name] = f"{item.source} ({item.version})"
        return out


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads(files(__package__).joinpath(name).read_bytes())
    return data


def _coded(name: str) -> Vocabulary:
    """An EU authority table: its concept IRIs, matched exactly."""
    data = _read(name)
    prefix = data["iri_prefix"]
    return Vocabulary(
        data["name"],
        data["source"],
        data["version"],
        frozenset(),
        exact=frozenset(prefix + entry["code"] for entry in data["entries"]),
    )


def _iana(name: str, source: str, version: str, types: Iterable[str]) -> Vocabulary:
    keys = (media_type_key(_IANA_IRI + t) for t in types)
    return Vocabulary(name, source, version, frozenset(k for k in keys if k), media_types=True)


def _format_list(name: str, file_type_prefix: str) -> FormatList:
    data = _read(name)
    return FormatList(
        data["name"],
        data["source"],
        data["version"],
        Vocabulary(
            data["name"],
            data["source"],
            data["version"],
            frozenset(),
            exact=frozenset(file_type_prefix + code for code in data["file_types"]),
        ),
        _iana(data["name"], data["source"], data["version"], data["media_types"]),
    )


#: Licence lists by id: the file holding each.
LICENCE_LISTS: dict[str, str] = {
    "eu-licence-authority": "licences_eu.json",
    "dcat-quality-extras": "licences_extras.json",
}
#: What data.europa.eu counts as a known licence: the EU table alone.
DEFAULT_LICENCE_LISTS: tuple[str, ...] = ("eu-licence-authority",)


def licence_list(list_id: str) -> Vocabulary:
    """One licence list: exact IRIs (EU table) or tolerant keys (the extras, which also
    accept the EU table's IRIs and exact matches written loosely)."""
    data = _read(LICENCE_LISTS[list_id])
    iris = [e["iri"] for e in data["entries"]]
    iris += [m for e in data["entries"] for m in e.get("exact_match", ())]
    if data["matching"] == "exact":
        return Vocabulary(
            data["name"], data["source"], data["version"], frozenset(), exact=frozenset(iris)
        )
    eu = _read(LICENCE_LISTS["eu-licence-authority"])["entries"]
    iris += [e["iri"] for e in eu] + [m for e in eu for m in e["exact_match"]]
    keys = frozenset(k for k in map(iri_key, iris) if k)
    return Vocabulary(data["name"], data["source"], data["version"], keys)


@cache
def load_vocabularies(licence_lists: tuple[str, ...] = DEFAULT_LICENCE_LISTS) -> Vocabularies:
    """The bundled vocabularies, with the given licence lists (read once per process)."""
    unknown = [name for name in licence_lists if name not in LICENCE_LISTS]
    if unknown or not licence_lists:
        raise ValueError(f"unknown licence lists {unknown}: choose among {sorted(LICENCE_LISTS)}")
    file_types = _read("file_types.json")
    media = _read("media_types.json")
    licences = licence_list(licence_lists[0])
    for other in licence_lists[1:]:
        licences = licences.union(licence_list(other))
    prefix = file_types["iri_prefix"]
    return Vocabularies(
        file_types=_coded("file_types.json"),
        media_types=_iana(
            media["name"],
            media["source"],
            media["version"],
            (e["media_type"] for e in media["entries"]),
        ),
        access_rights=_coded("access_rights.json"),
        licences=licences,
        non_proprietary=_format_list("non_proprietary.json", prefix),
        machine_readable=_format_list("machine_readable.json", prefix),
    )
