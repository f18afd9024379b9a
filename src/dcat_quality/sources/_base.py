"""What every source shares: page references, the page-name rule, prefetching."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from dcat_quality.errors import EmptySourceError, PageError

#: Extensions of the files read as dump pages, each optionally followed by ``.gz``.
PAGE_EXTENSIONS = (".json", ".jsonld", ".ttl", ".rdf", ".owl", ".xml", ".nt")


@dataclass(frozen=True, slots=True)
class PageRef:
    """One page of the dump; ``key`` is what errors and the rejections table name.

    ``fingerprint`` identifies the page's bytes without reading them, when the listing
    tells (S3: ETag and size); an incremental run then skips an unchanged page unread.
    """

    key: str
    size: int | None = None
    fingerprint: str | None = None


@runtime_checkable
class Source(Protocol):
    """Lists and reads the pages of a dump, one page at a time."""

    def describe(self) -> str:
        """Human-readable location, never a secret."""
        ...

    def list_pages(self) -> Iterator[PageRef]:
        """Pages sorted by key; other objects go to ``skipped``."""
        ...

    def read(self, ref: PageRef) -> bytes:
        """The page's bytes, gunzipped when compressed."""
        ...

    def read_raw(self, ref: PageRef) -> bytes:
        """The page's bytes as stored (still gzipped): ``decode_page`` turns them into
        what ``read`` returns. The run gunzips in its parse workers, not while reading."""
        ...

    @property
    def skipped(self) -> Sequence[str]:
        """Keys of the objects the last listing did not take as pages."""
        ...


def is_page_name(name: str) -> bool:
    """True when ``name`` looks like a dump page (see ``PAGE_EXTENSIONS``)."""
    lowered = name.lower()
    if lowered.endswith(".gz"):
        lowered = lowered[:-3]
    return lowered.endswith(PAGE_EXTENSIONS)


def require_pages(source: Source) -> list[PageRef]:
    """List every page (names only), raising ``EmptySourceError`` when there is none."""
    pages = list(source.list_pages())
    if pages:
        return pages
    skipped = list(source.skipped)
    looked_for = ", ".join(f"*{ext}" for ext in PAGE_EXTENSIONS)
    message = (
        f"no dump page found in {source.describe()}: looked for {looked_for} "
        f"(optionally gzipped, *.gz)"
    )
    if skipped:
        shown = ", ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")
        message += f"; {len(skipped)} other object(s) skipped: {shown}"
    message += "; check the location (bucket, prefix or folder) and that the dump was uploaded"
    raise EmptySourceError(message)


def iter_pages(
    source: Source,
    refs: Iterable[PageRef],
    *,
    prefetch: int = 4,
    raw: bool = False,
    unread: Callable[[PageRef], bool] | None = None,
) -> Iterator[tuple[PageRef, bytes | PageError | None]]:
    """Read pages in order, ``prefetch`` of them ahead in threads (memory stays bounded).

    ``raw`` yields the bytes as stored (``read_raw``), for the caller to ``decode_page``.
    A page that cannot be read yields its ``PageError`` (to quarantine it) instead of
    stopping the run; ``SourceError`` (the whole source is unusable) is raised. A page
    for which ``unread`` says True is not read: it comes with None.
    """
    source_read = source.read_raw if raw else source.read

    def read(ref: PageRef) -> bytes | None:
        return None if unread is not None and unread(ref) else source_read(ref)

    if prefetch < 1:
        for ref in refs:
            yield ref, _read_or_error(read, ref)
        return
    with ThreadPoolExecutor(max_workers=prefetch, thread_name_prefix="page-reader") as pool:
        pending: deque[tuple[PageRef, Future[bytes | PageError | None]]] = deque()
        try:
            for ref in refs:
                pending.append((ref, pool.submit(_read_or_error, read, ref)))
                if len(pending) > prefetch:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
        finally:
            for _, future in pending:
                future.cancel()


def _read_or_error(
    read: Callable[[PageRef], bytes | None], ref: PageRef
) -> bytes | PageError | None:
    try:
        return read(ref)
    except PageError as exc:
        return exc
