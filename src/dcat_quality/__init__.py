"""dcat-quality: a metadata-quality observatory for DCAT data catalogs.

The public API is what ``__all__`` lists; everything else may change without notice.
Names are imported on first use (see ``_lazy``), so that importing one module of the
package does not load the whole of it.
"""

from __future__ import annotations

import typing

from dcat_quality._lazy import lazy_getattr as _lazy_getattr
from dcat_quality._version import __version__

if typing.TYPE_CHECKING:
    from dcat_quality.config import Settings, load_settings
    from dcat_quality.dcat.parse import parse_page
    from dcat_quality.dcat.records import (
        DatasetRecord,
        DistributionRecord,
        HydraPage,
        ParsedPage,
    )
    from dcat_quality.errors import (
        ConfigError,
        DcatQualityError,
        EmptySourceError,
        PageError,
        SourceError,
        WarehouseError,
    )
    from dcat_quality.pipeline import RunResult, run_chain
    from dcat_quality.quality.ecospheres import EcospheresIndicators
    from dcat_quality.sample import write_sample
    from dcat_quality.sources import PageRef, Source, open_source
    from dcat_quality.warehouse import (
        DatabaseTarget,
        RunCounts,
        Warehouse,
        resolve_database,
    )

_MODULES = {
    "ConfigError": "dcat_quality.errors",
    "DatabaseTarget": "dcat_quality.warehouse",
    "DatasetRecord": "dcat_quality.dcat.records",
    "DcatQualityError": "dcat_quality.errors",
    "DistributionRecord": "dcat_quality.dcat.records",
    "EcospheresIndicators": "dcat_quality.quality.ecospheres",
    "EmptySourceError": "dcat_quality.errors",
    "HydraPage": "dcat_quality.dcat.records",
    "PageError": "dcat_quality.errors",
    "PageRef": "dcat_quality.sources",
    "ParsedPage": "dcat_quality.dcat.records",
    "RunCounts": "dcat_quality.warehouse",
    "RunResult": "dcat_quality.pipeline",
    "Settings": "dcat_quality.config",
    "Source": "dcat_quality.sources",
    "SourceError": "dcat_quality.errors",
    "Warehouse": "dcat_quality.warehouse",
    "WarehouseError": "dcat_quality.errors",
    "load_settings": "dcat_quality.config",
    "open_source": "dcat_quality.sources",
    "parse_page": "dcat_quality.dcat.parse",
    "resolve_database": "dcat_quality.warehouse",
    "run_chain": "dcat_quality.pipeline",
    "write_sample": "dcat_quality.sample",
}

__getattr__ = _lazy_getattr(__name__, _MODULES)

__all__ = [
    "ConfigError",
    "DatabaseTarget",
    "DatasetRecord",
    "DcatQualityError",
    "DistributionRecord",
    "EcospheresIndicators",
    "EmptySourceError",
    "HydraPage",
    "PageError",
    "PageRef",
    "ParsedPage",
    "RunCounts",
    "RunResult",
    "Settings",
    "Source",
    "SourceError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "load_settings",
    "open_source",
    "parse_page",
    "resolve_database",
    "run_chain",
    "write_sample",
]
