"""dcat-quality: a metadata-quality observatory for DCAT data catalogs.

The public API is what ``__all__`` lists; everything else may change without notice.
"""

from __future__ import annotations

from dcat_quality._version import __version__
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
