"""The built-in indicator families, registered as a custom family would be.

``default_registry()`` is an empty ``Registry`` on which each function of ``FAMILIES`` is
called in turn, exactly as a user would register their own indicators (datasette
registers its default plugins the same way). A new built-in family is a module
``quality/<family>_indicators.py`` with a ``register_<family>(registry)`` function that
calls ``registry.register(Indicator(...), check=...)``, added to ``FAMILIES``.

Dependencies run one way: ``registry`` (a leaf) ← ``*_indicators`` ← this module ←
the scorers and the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from dcat_quality.quality.ecospheres_indicators import register_ecospheres
from dcat_quality.quality.hvd_indicators import register_hvd
from dcat_quality.quality.mqa_indicators import register_mqa
from dcat_quality.quality.registry import Registry

#: Each built-in family's registration, in the order the dictionary lists them.
FAMILIES: tuple[Callable[[Registry], None], ...] = (
    register_ecospheres,
    register_mqa,
    register_hvd,
)


@cache
def default_registry() -> Registry:
    """The built-in indicators: Ecosphères, the 23 MQA ones, the HVD ones (built once)."""
    registry = Registry()
    for register in FAMILIES:
        register(registry)
    return registry
