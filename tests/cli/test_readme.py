"""The README's command-line examples are exact: every ``parallel-integrations`` line parses as written (the
files they name need not exist: parsing is what is checked, running is covered by the other tests)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from parallel_integrations.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", section, re.S | re.M)
    return [line for block in blocks for line in block.splitlines() if line.startswith("parallel-integrations ")]


def parse(args: list[str]) -> None:
    """Parse ``args`` as the command line would, without running anything: global options, then the command's."""
    position = next(i for i, word in enumerate(args) if word in cli.commands)
    click.Command("parallel-integrations", params=cli.params).make_context("parallel-integrations", args[:position])
    name = args[position]
    if name != "emulator":  # its options are the emulator's own, parsed by it
        cli.commands[name].make_context(name, args[position + 1 :])


def test_the_section_shows_every_command() -> None:
    used = {word for line in command_lines() for word in shlex.split(line, comments=True) if word in cli.commands}
    assert used == set(cli.commands)


@pytest.mark.parametrize("line", command_lines())
def test_each_example_parses(line: str) -> None:
    parse(shlex.split(line, comments=True)[1:])


@pytest.mark.parametrize(
    "args", [["search", "--no-such-option"], ["--nope", "demo"], ["task"], ["batch", "in.csv", "out.csv"]]
)
def test_a_wrong_example_would_fail(args: list[str]) -> None:
    with pytest.raises(click.UsageError):
        parse(args)
