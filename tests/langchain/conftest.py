from __future__ import annotations

import pytest

from parallel_integrations.emulator import RunningEmulator, Schedule

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
