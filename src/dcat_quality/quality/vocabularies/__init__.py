"""The controlled vocabularies the MQA checks need, bundled as JSON with source and version.

Each file names its ``source`` and ``version``; ``load_vocabularies()`` reads them once.

Matching is tolerant in these ways only, because catalogs write the same IRI so:

* ``http://`` and ``https://`` are the same;
* a trailing ``/`` is ignored;
* the host and the **last path segment** are compared case-insensitively
  (``…/file-type/csv`` is ``…/file-type/CSV``; ``…/licenses/Etalab-2.0`` is ``…/etalab-2.0``);
* a media type may be the IANA IRI (``https://www.iana.org/assignments/media-types/text/csv``)
  or the bare ``text/csv``, compared case-insensitively as RFC 6838 says.

Nothing else matches: not a label (``CSV``, ``ESRI Shapefile (SHP)``), not a media type with
parameters (``text/csv; charset=utf-8``), not a ``.html`` or query-string variant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

_IRI = re.compile(r"^https?://(?P<host>[^/?#\s]+)(?P<path>/[^?#\s]*)?$", re.IGNORECASE)
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$", re.IGNORECASE)
_IANA_HOST = "www.iana.org"
_IANA_PATH = "/assignments/media-types/"


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
    """``type/subtype`` in lower case, from a bare media type or an IANA IRI; else None."""
    if not value:
        return None
    text = value.strip()
    match = _IRI.match(text)
    if match is not None:
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
    keys: frozenset[str]
    media_types: bool = False
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
        key = media_type_key(value) if self.media_types else iri_key(value)
        return key is not None and key in self.keys

    def __len__(self) -> int:
        return len(self.keys)


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
    data = _read(name)
    prefix = data["iri_prefix"]
    keys = {iri_key(prefix + entry["code"]) for entry in data["entries"]}
    return Vocabulary(
        data["name"], data["source"], data["version"], frozenset(k for k in keys if k)
    )


def _format_list(name: str, file_type_prefix: str) -> FormatList:
    data = _read(name)
    types = {iri_key(file_type_prefix + code) for code in data["file_types"]}
    media = {media_type_key(m) for m in data["media_types"]}
    return FormatList(
        data["name"],
        data["source"],
        data["version"],
        Vocabulary(data["name"], data["source"], data["version"], frozenset(k for k in types if k)),
        Vocabulary(
            data["name"],
            data["source"],
            data["version"],
            frozenset(k for k in media if k),
            media_types=True,
        ),
    )


@cache
def load_vocabularies() -> Vocabularies:
    """The bundled vocabularies (read once per process)."""
    file_types = _read("file_types.json")
    media = _read("media_types.json")
    licences = _read("licences.json")
    licence_keys = {iri_key(entry["iri"]) for entry in licences["entries"]}
    prefix = file_types["iri_prefix"]
    return Vocabularies(
        file_types=_coded("file_types.json"),
        media_types=Vocabulary(
            media["name"],
            media["source"],
            media["version"],
            frozenset(k for k in (media_type_key(e["media_type"]) for e in media["entries"]) if k),
            media_types=True,
        ),
        access_rights=_coded("access_rights.json"),
        licences=Vocabulary(
            licences["name"],
            licences["source"],
            licences["version"],
            frozenset(k for k in licence_keys if k),
        ),
        non_proprietary=_format_list("non_proprietary.json", prefix),
        machine_readable=_format_list("machine_readable.json", prefix),
    )
