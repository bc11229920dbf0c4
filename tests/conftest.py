from __future__ import annotations

from collections.abc import Iterator

import pytest

from parallel_integrations import ParallelClient
from parallel_integrations.emulator import Schedule
from parallel_integrations.emulator.server import RunningEmulator
from tests.fakes import FakeAPI


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def emulator(parallel_emulator: RunningEmulator) -> RunningEmulator:
    """The test's emulator on a fast schedule."""
    parallel_emulator.set_schedule(Schedule(queued=0.01, running=0.04))
    return parallel_emulator


@pytest.fixture
def parallel_client(emulator: RunningEmulator) -> Iterator[ParallelClient]:
    """This package's client, configured from the environment the emulator fixture sets."""
    with ParallelClient() as client:
        yield client
