from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from parallel_integrations.cli import cli
from parallel_integrations.emulator import Schedule
from parallel_integrations.emulator.server import RunningEmulator

SECRET_KEY = "sk-cli-SECRET-7f3a9c"
"""A key easy to spot in any output."""

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run the command line in-process; a wide terminal so table cells are not folded."""
    monkeypatch.setenv("COLUMNS", "250")

    def run(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(
            cli, list(args), input=input, catch_exceptions=False, prog_name="parallel-integrations"
        )

    return run


@pytest.fixture
def emulator(parallel_emulator: RunningEmulator) -> RunningEmulator:
    """The test's emulator (environment pointing at it) on a fast schedule."""
    parallel_emulator.set_schedule(Schedule(queued=0.01, running=0.03))
    return parallel_emulator


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARALLEL_API_KEY", raising=False)
    monkeypatch.delenv("PARALLEL_BASE_URL", raising=False)
