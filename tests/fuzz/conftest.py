"""Prints how many examples each fuzz property executed (the issue's "fuzz executions")."""

from __future__ import annotations

import pytest

from support.fuzz import EXECUTIONS, PROFILE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not EXECUTIONS:
        return
    terminalreporter.section(f"fuzz executions (hypothesis profile {PROFILE})")
    for name, runs in sorted(EXECUTIONS.items()):
        terminalreporter.write_line(f"{name}: {runs}")
    terminalreporter.write_line(f"total: {sum(EXECUTIONS.values())}")
