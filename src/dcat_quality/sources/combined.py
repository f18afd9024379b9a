"""Several sources read as one, so one run scores them together.

What it is for: scoring a catalogue at its source and where it is harvested in the same
run (e.g. a GeoNetwork CSW in ISO 19139 and the DCAT dump of the catalogue that harvests
it), so that the warehouse can compare the two readings of each dataset
(``harvest_comparison``). Pages keep the keys their own source gives them; two sources
holding a page of the same key are refused, since the rejections, the repairs and each
dataset's ``source_file`` name a page by its key alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Self

from dcat_quality.errors import SourceError
from dcat_quality.sources._base import PageRef, Source


class CombinedSource:
    """The pages of every source, one source after the other, in the order given."""

    def __init__(self, sources: Sequence[Source]) -> None:
        if not sources:
            raise ValueError("a combined source needs at least one source")
        self.sources = tuple(sources)
        self._owner: dict[str, Source] = {}

    def describe(self) -> str:
        return " + ".join(source.describe() for source in self.sources)

    def list_pages(self) -> Iterator[PageRef]:
        """Each source's pages in its own order; a key two sources share is refused."""
        self._owner = {}
        for source in self.sources:
            for ref in source.list_pages():
                other = self._owner.setdefault(ref.key, source)
                if other is not source:
                    raise SourceError(
                        f"two sources hold a page named {ref.key!r}: {other.describe()} and "
                        f"{source.describe()} — give sources whose page names differ (e.g. "
                        "folders with different file names)"
                    )
                yield ref

    def _source_of(self, ref: PageRef) -> Source:
        try:
            return self._owner[ref.key]
        except KeyError:
            raise SourceError(
                f"page {ref.key!r} was not listed by {self.describe()}: list the pages first"
            ) from None

    def read(self, ref: PageRef) -> bytes:
        return self._source_of(ref).read(ref)

    def read_raw(self, ref: PageRef) -> bytes:
        return self._source_of(ref).read_raw(ref)

    @property
    def skipped(self) -> Sequence[str]:
        return tuple(key for source in self.sources for key in source.skipped)

    def close(self) -> None:
        """Close the sources that hold something (the spooled pages of HTTP and CSW)."""
        for source in self.sources:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
