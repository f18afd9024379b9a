"""JSON-LD contexts bundled so that parsing never reaches the network.

These files are written for this project from the vocabularies they name; the
schema.org one is a reduced context (``@vocab`` plus the IRI- and date-typed terms DCAT
pages use), not a copy of the 3,000-term original.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

import orjson

#: Remote context URL (without a trailing slash) → bundled file.
BUNDLED: dict[str, str] = {
    "http://www.w3.org/ns/hydra/context.jsonld": "hydra.jsonld",
    "https://www.w3.org/ns/hydra/context.jsonld": "hydra.jsonld",
    "http://schema.org": "schema-org.jsonld",
    "https://schema.org": "schema-org.jsonld",
    "http://schema.org/docs/jsonldcontext.json": "schema-org.jsonld",
    "https://schema.org/docs/jsonldcontext.json": "schema-org.jsonld",
}


@cache
def _load(name: str) -> Any:
    return orjson.loads(files(__package__).joinpath(name).read_bytes())["@context"]


def bundled_context(url: str) -> Any | None:
    """The bundled ``@context`` value for a remote context URL, or None when unknown."""
    name = BUNDLED.get(url.rstrip("/"))
    return _load(name) if name else None
