"""pytest fixtures for testing code that calls the Parallel API, offline (installed as a pytest plugin with the
``emulator`` extra; nothing to configure).

- ``parallel_emulator``: a running emulator (:class:`~.server.RunningEmulator`) with fresh state for each test;
  ``PARALLEL_BASE_URL`` points at it and ``PARALLEL_API_KEY`` holds a dummy key for the test's duration::

      def test_my_chain(parallel_emulator):
          parallel_emulator.script_output("What is 2+2?", "4")
          assert my_chain("What is 2+2?") == "4"

- ``parallel_emulator_server``: the session's server behind it (started once, on first use).

starlette and uvicorn are imported only when a fixture is used, so the plugin costs nothing when they are
not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .server import RunningEmulator

__all__ = ["DUMMY_API_KEY", "parallel_emulator", "parallel_emulator_server"]

DUMMY_API_KEY = "emulator-test-key"
"""The ``PARALLEL_API_KEY`` the ``parallel_emulator`` fixture sets (the emulator accepts any key)."""


@pytest.fixture(scope="session")
def parallel_emulator_server() -> Iterator[RunningEmulator]:
    """One emulator for the whole test session, on a free loopback port, its corpus loaded before the first test
    (the first session on a machine builds the standard-library pages into the cache: 10 to 20 s, announced on
    stderr), so no test's timeout pays for it."""
    from .server import serve

    with serve() as emulator:
        _ = emulator.app.context.engine.corpus  # loads it
        yield emulator


@pytest.fixture
def parallel_emulator(parallel_emulator_server: RunningEmulator, monkeypatch: pytest.MonkeyPatch) -> RunningEmulator:
    """The session's emulator, reset for this test, with ``PARALLEL_BASE_URL`` and ``PARALLEL_API_KEY`` set."""
    parallel_emulator_server.reset()
    monkeypatch.setenv("PARALLEL_BASE_URL", parallel_emulator_server.base_url)
    monkeypatch.setenv("PARALLEL_API_KEY", DUMMY_API_KEY)
    return parallel_emulator_server
