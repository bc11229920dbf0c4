from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from parallel_integrations import ParallelClient
from parallel_integrations.emulator import Schedule
from parallel_integrations.emulator.server import RunningEmulator
from tests.fakes import FakeAPI

# A suite started in the background of a non-interactive shell inherits Ctrl-C ignored, and so would every process
# it starts, which the tests that interrupt a real CLI process depend on. With a handler installed here, the
# processes the tests start get the default disposition back (an ignored signal survives exec; a handled one
# does not).
signal.signal(signal.SIGINT, signal.default_int_handler)


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
