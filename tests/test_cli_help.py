"""The operators' commands explain themselves in Chinese (README: everything users read is Chinese): each
command's line in ``flask --app backend --help``, its own ``--help`` and every option's help; the option
names stay English."""
import re

import click
import pytest
from click.testing import CliRunner

from backend.cli import register_cli

CJK = re.compile(r"[\u4e00-\u9fff]")


def operator_commands():
    group = click.Group()
    register_cli(type("App", (), {"cli": group})())
    found = []

    def walk(command, path):
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    for name, command in group.commands.items():
        walk(command, name)
    return found


COMMANDS = operator_commands()


@pytest.mark.database_independent
@pytest.mark.parametrize("path, command", COMMANDS, ids=[path for path, _ in COMMANDS])
def test_each_command_and_option_is_explained_in_chinese(path, command):
    assert CJK.search(command.get_short_help_str(limit=80)), path
    english = [line for line in (command.help or "").splitlines()
               if re.search(r"[A-Za-z]{4,} [A-Za-z]{3,} [A-Za-z]{3,}", line) and not CJK.search(line)]
    assert english == [], path
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help and CJK.search(param.help), f"{path} {param.opts}"
            assert all(opt.startswith("--") and opt.isascii() for opt in param.opts)


def test_the_command_list_reads_chinese(app):
    result = CliRunner().invoke(app.cli, ["--help"])
    assert result.exit_code == 0, result.output
    for path, command in COMMANDS:
        if " " not in path:
            [line] = [line for line in result.output.splitlines() if line.strip().startswith(path + " ")]
            assert CJK.search(line), line
