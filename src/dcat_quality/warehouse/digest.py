"""Dataset versions as content digests, and the set of versions a run already holds.

A version is a 16-byte digest of everything a dataset's rows are made from: its record,
its per-dataset findings, and the scoring inputs of the run (a fingerprint covering the
software, methodology and vocabulary versions, the variant and the settings that change
scores). Two runs that compute the same digest for a dataset would write the same rows,
so the second one writes nothing and scores nothing.

Light on purpose: the parse workers import it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

import orjson

VERSION_BYTES = 16


def version_digest(fingerprint: str, inputs: Any) -> bytes:
    """The version of a dataset whose rows are made from ``inputs`` (records, findings:
    dataclasses — every field, ``repr=False`` ones too —, tuples, sets, strings, numbers)
    under the scoring inputs ``fingerprint``."""
    try:
        data = orjson.dumps((fingerprint, inputs), default=_default)
    except TypeError:  # an integer beyond 64 bits: a slower walk, as exact
        data = b"canonical:" + orjson.dumps(_canonical((fingerprint, inputs)))
    return hashlib.blake2b(data, digest_size=VERSION_BYTES).digest()


def _default(value: Any) -> Any:
    """What orjson does not write itself: named tuples (RDF literals), sets (sorted)."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not part of a dataset's inputs")


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data, integers of any size included."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else {"int": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(item) for item in value), key=repr)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not part of a dataset's inputs")


def rows_digest(rows: Any) -> bytes:
    """The version of a dataset given its rows only (``load`` of a table: no scoring)."""
    return version_digest("rows", rows)


class KnownVersions:
    """The versions of the published run, as sorted 64-bit prefixes (8 bytes each).

    A prefix match says "this dataset is unchanged": a changed dataset would have to
    collide on 64 bits with one of them to be taken for unchanged, and the loader checks
    at the end of the run that every version it was told is stored exists.
    """

    __slots__ = ("_keys",)

    def __init__(self, versions: Iterable[bytes] = ()) -> None:
        self._keys = array("Q", sorted(_prefix(v) for v in versions))

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, version: object) -> bool:
        if not isinstance(version, bytes):
            return False
        key = _prefix(version)
        keys = self._keys
        index = bisect_left(keys, key)
        return index < len(keys) and keys[index] == key


def _prefix(version: bytes) -> int:
    return int.from_bytes(version[:8], "big")
