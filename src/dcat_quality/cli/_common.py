"""What every command shares: the console, settings, exit codes, error reporting."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from types import FrameType
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler

from dcat_quality.config import Settings, load_settings
from dcat_quality.errors import ConfigError, DcatQualityError

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)


class ExitCode(IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    FAILED = 1
    USAGE = 2
    REJECTED = 3
    INTERRUPTED = 130


def setup_logging(level: str) -> None:
    """Only the CLI configures logging; the library just logs.

    ``debug`` is for our own loggers: the libraries' debug logs print secrets (botocore
    logs every request's headers, the S3 session token among them), so they stay at
    ``info`` at most.
    """
    logging.basicConfig(
        level=level.upper(),
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, rich_tracebacks=False)],
        force=True,
    )
    root = logging.getLogger()
    logging.getLogger("dcat_quality").setLevel(root.level)
    root.setLevel(max(root.level, logging.INFO))


def settings_from(**overrides: object) -> Settings:
    """Settings with the command-line values on top, or a clear configuration error."""
    try:
        return load_settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from None


def fail(message: str, code: ExitCode = ExitCode.FAILED) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(int(code))


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn library errors into one clear line and exit code 1, interrupts into 130."""
    try:
        yield
    except DcatQualityError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted: the run was recorded as interrupted[/]")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Kubernetes stops a pod with SIGTERM: end the run the way Ctrl-C does."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous: Callable[[int, FrameType | None], object] | int | None = None
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not in the main thread (e.g. under a test runner's thread)
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
