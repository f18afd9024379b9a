"""Lazy package attributes (PEP 562).

The parse workers import only the parsing and scoring modules; a package ``__init__``
that imported its whole public API eagerly would load boto3, psycopg and pydantic into
every worker (about 40 MB each). Packages list their public names here instead, and
import them for type checkers under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` importing ``names[attribute]`` on first use."""
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups skip this function
        return value

    return __getattr__
