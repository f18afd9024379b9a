"""The fuzz tests are slow (hundreds of hypothesis examples per property: ``make
test-fast`` skips them). Records how many examples each property executed (the issue's
"fuzz executions") on each test's report; the root conftest adds them up and prints
them, xdist or not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.fuzz import EXECUTIONS, EXECUTIONS_PROPERTY

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent == HERE:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _record_executions(request: pytest.FixtureRequest) -> Iterator[None]:
    before = Counter(EXECUTIONS)
    yield
    executed = EXECUTIONS - before
    if executed:
        request.node.user_properties.append((EXECUTIONS_PROPERTY, dict(executed)))
