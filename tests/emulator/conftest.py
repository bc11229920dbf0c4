"""Fixtures for driving the emulator over raw HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from parallel_integrations.emulator import Schedule
from parallel_integrations.emulator.server import RunningEmulator

FAST = Schedule(queued=0.01, running=0.04)


@pytest.fixture(scope="module")
def http(parallel_emulator_server: RunningEmulator) -> Iterator[httpx.Client]:
    # One client per module: building an httpx.Client costs tens of milliseconds (its SSL context).
    with httpx.Client(base_url=parallel_emulator_server.base_url, headers={"x-api-key": "test"}, timeout=10) as c:
        yield c


@pytest.fixture
def client(parallel_emulator: RunningEmulator, http: httpx.Client) -> httpx.Client:
    """Raw HTTP to a freshly reset emulator on the fast schedule."""
    parallel_emulator.set_schedule(FAST)
    return http


@pytest.fixture(scope="session", autouse=True)
def default_corpus_cache() -> None:
    """Build (or read) the default corpus once, first: command-line emulators started by tests then find its
    standard-library pages in the cache instead of each building them."""
    from parallel_integrations.emulator.corpus import Corpus

    Corpus.default()
