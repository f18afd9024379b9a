"""The public API is exactly ``__all__``: a change to it is deliberate."""

from __future__ import annotations

import dcat_quality


def test_all_names_exist() -> None:
    for name in dcat_quality.__all__:
        assert hasattr(dcat_quality, name), name


def test_public_names_are_exported() -> None:
    public = {
        name
        for name, value in vars(dcat_quality).items()
        if not name.startswith("_")
        and not isinstance(value, type(dcat_quality))
        and name not in {"annotations"}
    }
    assert public == set(dcat_quality.__all__) - {"__version__"}
