from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from parallel_integrations.emulator import RunningEmulator, Schedule


class Statement(BaseModel):
    """The answer most task tests ask for."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


STANDARD_SUITES = "tests/langchain/test_standard.py"

SECRET = "sk-RECOGNISABLE-7c4e19b2a8"
"""A key that must never show up anywhere: every leak test searches for it."""


@pytest.fixture
def emulator(parallel_emulator: RunningEmulator) -> RunningEmulator:
    """The test's emulator on a fast schedule."""
    parallel_emulator.set_schedule(Schedule(queued=0.01, running=0.04))
    return parallel_emulator


@pytest.fixture
def secret_env(emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The recognisable key as PARALLEL_API_KEY, the emulator as PARALLEL_BASE_URL."""
    monkeypatch.setenv("PARALLEL_API_KEY", SECRET)
    return SECRET


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A standard-suite test that skips counts as a failure: the suites must run in full."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.nodeid.startswith(STANDARD_SUITES) and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} was skipped; every standard test must run ({report.longrepr})"
