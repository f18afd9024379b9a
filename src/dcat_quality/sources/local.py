"""Dump pages in a local folder (read recursively) or a single local file."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.errors import PageError, SourceError
from dcat_quality.sources._base import PageRef, is_page_name


class LocalSource:
    """A folder read recursively, or one file; keys are paths relative to the root."""

    def __init__(self, location: str | os.PathLike[str]) -> None:
        path = Path(location).expanduser()
        if not path.exists():
            raise SourceError(
                f"local source not found: {path.absolute()} — give an existing folder or "
                "file, or an s3://bucket/prefix location"
            )
        self._path = path.absolute()
        self._single = path.is_file()
        self._root = self._path.parent if self._single else self._path
        self._skipped: list[str] = []

    @property
    def root(self) -> Path:
        """Folder the keys are relative to."""
        return self._root

    @property
    def skipped(self) -> Sequence[str]:
        return tuple(self._skipped)

    def describe(self) -> str:
        return f"local {'file' if self._single else 'folder'} {self._path}"

    def list_pages(self) -> Iterator[PageRef]:
        """Page files sorted by relative path; an explicitly named file is always a page."""
        self._skipped = []
        if self._single:
            yield PageRef(self._path.name, self._path.stat().st_size)
            return
        found: list[tuple[str, int]] = []
        try:
            # os.walk hides errors unless asked: an unreadable folder must not look empty
            for folder, dirs, files in os.walk(self._path, onerror=_raise):
                dirs.sort()
                base = Path(folder)
                for name in files:
                    full = base / name
                    key = full.relative_to(self._path).as_posix()
                    if is_page_name(name) and full.is_file():
                        found.append((key, full.stat().st_size))
                    else:
                        self._skipped.append(key)
        except OSError as exc:
            raise SourceError(
                f"cannot list local folder {self._path}: {exc.strerror or exc} — check that "
                "it exists and is readable"
            ) from exc
        self._skipped.sort()
        for key, size in sorted(found):
            yield PageRef(key, size)

    def read(self, ref: PageRef) -> bytes:
        return decode_page(ref.key, self.read_raw(ref))

    def read_raw(self, ref: PageRef) -> bytes:
        path = self._root / ref.key
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise PageError(
                ref.key,
                "the file disappeared after the listing",
                hint="run again once the dump is complete",
            ) from exc
        except OSError as exc:
            raise PageError(
                ref.key,
                f"cannot read the file: {exc.strerror or exc}",
                hint="check the file's permissions",
            ) from exc
        return data


def _raise(error: OSError) -> None:
    raise error
