"""The installed version, in a module of its own so any module can import it early."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dcat-quality")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
