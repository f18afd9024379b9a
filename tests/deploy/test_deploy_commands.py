"""The command lines the CronJob and the compose stack run exist, with those options."""

from __future__ import annotations

from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from dcat_quality.cli import app
from support.deploy import BASE as BASE_FOLDER
from support.deploy import (
    COMPOSE,
    OVERLAYS,
    Doc,
    compose_command,
    kubectl,
    render,
    require_kubectl,
    subcommand_and_options,
)


def _command_lines() -> dict[str, list[str]]:
    """Every command line of the rendered CronJobs (when kubectl can render them) and of
    the compose services."""
    lines: dict[str, list[str]] = {}
    rendered = [BASE_FOLDER, *OVERLAYS] if kubectl() else []
    for folder in rendered:
        for doc in render(folder):
            if doc["kind"] != "CronJob":
                continue
            pod = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            for container in [*pod.get("initContainers", []), *pod["containers"]]:
                lines[f"{folder.name} {container['name']}"] = [str(a) for a in container["args"]]
    services: dict[str, Doc] = yaml.safe_load(COMPOSE.read_text())["services"]
    for name, service in services.items():
        if "build" in service:
            lines[f"compose {name}"] = compose_command(service)
    return lines


COMMAND_LINES = _command_lines()


def test_the_manifests_run_commands() -> None:
    require_kubectl()  # else only the compose lines are there
    assert any(line[:1] == ["run"] for line in COMMAND_LINES.values())
    assert any(line[:2] == ["metabase", "backup"] for line in COMMAND_LINES.values())


@pytest.mark.parametrize("where", COMMAND_LINES)
def test_every_option_is_in_the_commands_help(where: str) -> None:
    """``dcat-quality <the line> --help``: an unknown option or command fails the parse
    before --help prints; each option used is in the help shown."""
    _words, options = subcommand_and_options(COMMAND_LINES[where])
    env = {"COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    done = CliRunner().invoke(app, [*COMMAND_LINES[where], "--help"], env=env)
    assert done.exit_code == 0, done.output
    for option in options:
        assert option in done.output.split() or f" {option} " in done.output, (where, option)


@pytest.mark.parametrize("where", COMMAND_LINES)
def test_every_command_line_parses(where: str) -> None:
    """The arguments parse (types and ranges included) without running anything."""
    args = COMMAND_LINES[where]
    command: Any = typer.main.get_command(app)
    context = command.make_context("dcat-quality", list(args), resilient_parsing=False)
    while hasattr(command, "resolve_command"):  # a group: descend into the sub-command
        pending = [*getattr(context, "_protected_args", []), *context.args]
        name, sub, rest = command.resolve_command(context, pending)
        assert sub is not None, name
        context = sub.make_context(name, rest, parent=context)
        command = sub
    assert not context.args, f"{where}: left over {context.args}"
    assert command.name == subcommand_and_options(args)[0][-1]
