"""Dataset versions as content digests, and the set of versions a run already holds.

A version is a 16-byte digest of everything a dataset's rows are made from: its record,
its per-dataset findings, and the scoring inputs of the run (a fingerprint covering the
software, methodology and vocabulary versions, the variant and the settings that change
scores). Two runs that compute the same digest for a dataset would write the same rows,
so the second one writes nothing and scores nothing.

Light on purpose: the parse workers import it.
"""

from __future__ import annotations

import hashlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

import orjson

VERSION_BYTES = 16


def version_digest(fingerprint: str, inputs: Any) -> bytes:
    """The version of a dataset whose rows are made from ``inputs`` (records, findings:
    dataclasses, tuples, strings, numbers) under the scoring inputs ``fingerprint``."""
    try:
        data = orjson.dumps((fingerprint, inputs))
    except TypeError:  # an integer beyond 64 bits, a lone surrogate: repr is exact too
        data = b"repr:" + repr((fingerprint, inputs)).encode("utf-8", "backslashreplace")
    return hashlib.blake2b(data, digest_size=VERSION_BYTES).digest()


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
