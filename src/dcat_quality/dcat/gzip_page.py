"""Gunzip a dump page, or say clearly why it cannot be.

Apart from the sources so that the parse workers, which gunzip the pages they parse
(the loading process only moves the compressed bytes), need not import them.
"""

from __future__ import annotations

import gzip
import zlib

from dcat_quality.errors import PageError

GZIP_MAGIC = b"\x1f\x8b"


def decode_page(key: str, data: bytes) -> bytes:
    """Gunzip ``data`` when the name or the magic number says gzip; corrupt → ``PageError``."""
    if not (key.lower().endswith(".gz") or data.startswith(GZIP_MAGIC)):
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        # EOFError: truncated stream; BadGzipFile (an OSError): not gzip; zlib.error: corrupt
        raise PageError(
            key,
            f"cannot gunzip the page ({type(exc).__name__}: {exc})",
            hint="the file is truncated or corrupt: upload it again or remove it",
        ) from exc
