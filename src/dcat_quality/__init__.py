"""dcat-quality: a metadata-quality observatory for DCAT data catalogs."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dcat-quality")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
