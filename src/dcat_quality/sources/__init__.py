"""Sources: list the pages of a DCAT dump and stream their bytes, one page at a time.

``open_source`` turns a location (folder, file, ``s3://bucket/prefix`` or a DCAT
endpoint's ``https://`` URL) into a ``Source``, ``open_sources`` several locations into
one (``CombinedSource``); ``require_pages`` lists it and fails clearly when it holds no
page; ``iter_pages`` reads pages in order with a bounded prefetch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr

from dcat_quality.config import Settings
from dcat_quality.dcat.gzip_page import decode_page
from dcat_quality.sources._base import (
    PAGE_EXTENSIONS,
    PageRef,
    Source,
    is_page_name,
    iter_pages,
    require_pages,
)
from dcat_quality.sources.combined import CombinedSource
from dcat_quality.sources.csw import CswSource, is_csw_location
from dcat_quality.sources.http import HttpSource
from dcat_quality.sources.local import LocalSource
from dcat_quality.sources.s3 import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_READ_TIMEOUT,
    S3Source,
    split_s3_url,
)

__all__ = [
    "PAGE_EXTENSIONS",
    "CombinedSource",
    "CswSource",
    "HttpSource",
    "LocalSource",
    "PageRef",
    "S3Source",
    "Source",
    "decode_page",
    "is_page_name",
    "iter_pages",
    "open_source",
    "open_sources",
    "require_pages",
]


def open_source(
    location: str,
    settings: Settings,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> Source:
    """The source at ``location``: a local folder or file, ``s3://bucket/prefix``, a CSW
    catalogue (``csw+https://…``, or an ``https://…/csw`` address), or the ``http(s)://``
    URL of a DCAT endpoint's first page (harvested along its Hydra links).

    S3 endpoint, credentials and region, and the HTTP token and page limit, come from
    ``settings``; the retry and timeout options apply to S3 and HTTP.
    """
    if location.startswith("s3://"):
        bucket, prefix = split_s3_url(location)
        return S3Source(
            bucket,
            prefix,
            endpoint_url=settings.s3_endpoint_url,
            access_key=_secret(settings.s3_access_key),
            secret_key=_secret(settings.s3_secret_key),
            session_token=_secret(settings.s3_session_token),
            region=settings.s3_region,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
    if is_csw_location(location):
        return CswSource(
            location,
            page_size=settings.csw_page_size,
            output_schema=None
            if settings.csw_output_schema == "auto"
            else settings.csw_output_schema,
            token=_secret(settings.http_token),
            max_pages=settings.http_max_pages,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
    if location.startswith(("http://", "https://")):
        return HttpSource(
            location,
            token=_secret(settings.http_token),
            max_pages=settings.http_max_pages,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
    if location.startswith("file://"):
        location = location[len("file://") :]
    return LocalSource(Path(location))


def open_sources(
    locations: Sequence[str],
    settings: Settings,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
) -> Source:
    """``open_source`` of one location; several are read one after the other as one
    source (``CombinedSource``), e.g. a catalogue at its source and where it is harvested."""
    opened = [
        open_source(
            location,
            settings,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        for location in locations
    ]
    if not opened:
        raise ValueError("no source location given")
    return opened[0] if len(opened) == 1 else CombinedSource(opened)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None
