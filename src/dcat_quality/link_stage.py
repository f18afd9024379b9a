"""The opt-in link-check stage: refresh the cache of URL checks in the warehouse.

A stage of the chain, beside ``pipeline``: it joins the warehouse (which URLs, where the
results go) and ``quality.links`` (how a URL is checked), which know nothing of each other.

It checks the URLs of the published run that were never checked or were checked longer
ago than ``max_age``; a run with link checks then scores the accessibility indicators
from the cache. URLs first seen in a run are therefore measured from the next run on
(or right after, with ``dcat-quality links``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from dcat_quality.quality.links import LinkResult, check_links
from dcat_quality.warehouse import Warehouse

_BATCH = 200


@dataclass(frozen=True, slots=True)
class LinkStageResult:
    """How many URLs were checked, and how they answered."""

    checked: int
    ok: int
    failed: int
    cached: int


def refresh_link_cache(
    warehouse: Warehouse,
    *,
    max_age: timedelta,
    per_host: int = 2,
    delay: float = 0.5,
    timeout: float = 10.0,
    on_listing: Callable[[int], None] | None = None,
    on_result: Callable[[LinkResult], None] | None = None,
) -> LinkStageResult:
    """Check the stale URLs of the published run and store the results."""
    urls = warehouse.urls_to_check(max_age.total_seconds())
    if on_listing is not None:
        on_listing(len(urls))

    async def check() -> tuple[int, int]:
        ok = failed = 0
        batch: list[LinkResult] = []
        async for result in check_links(urls, per_host=per_host, delay=delay, timeout=timeout):
            batch.append(result)
            ok += result.ok
            failed += not result.ok
            if on_result is not None:
                on_result(result)
            if len(batch) >= _BATCH:
                warehouse.write_link_results(batch)
                batch = []
        warehouse.write_link_results(batch)
        return ok, failed

    ok, failed = asyncio.run(check()) if urls else (0, 0)
    return LinkStageResult(len(urls), ok, failed, len(warehouse.link_codes()))
