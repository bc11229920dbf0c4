"""Load against the emulator: 1,000 concurrent async searches and a 10,000-input batch, without an error, and
with open connections, file descriptors and threads back to their baseline afterwards and memory flat across
rounds. Nothing here measures speed: the bounds are counts, and memory growth with a wide margin."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from parallel_integrations import AsyncParallelClient, ParallelClient

from ._subprocess_emulator import EmulatorProcess

TOPICS = ["statement", "item", "page", "explains", "statement item"]


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorProcess]:
    """An emulator in its own process, over a small corpus: every file descriptor, thread, connection and byte
    of memory this process holds is then the client's."""
    server = EmulatorProcess(tmp_path, running=0.05)
    server.start()
    monkeypatch.setenv("PARALLEL_BASE_URL", server.base_url)
    monkeypatch.setenv("PARALLEL_API_KEY", "k")
    yield server
    server.stop()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _settles_to(measure: Callable[[], int], baseline: int, slack: int = 0) -> int:
    """The measure once it is back within ``slack`` of ``baseline`` (sockets close asynchronously: give it up to
    20 s), else its last value, for the assertion to report."""
    deadline = time.monotonic() + 20
    value = measure()
    while value > baseline + slack and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
        value = measure()
    return value


def _emulator_connections(emulator: EmulatorProcess) -> int:
    """Established TCP connections from this process to the emulator's port."""
    port = emulator.port
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        try:
            with open(table) as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    local, remote, state = fields[1], fields[2], fields[3]
                    ports = {int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)}
                    if state == "01" and port in ports:  # 01: ESTABLISHED
                        count += 1
        except FileNotFoundError:
            continue
    return count


def test_1000_concurrent_async_searches_succeed_and_leave_nothing_open(emulator: EmulatorProcess) -> None:
    async def round_of(count: int) -> list[int]:
        async with AsyncParallelClient() as client:  # default settings, as a user would have them
            answers = await asyncio.gather(
                *(client.search(TOPICS[i % len(TOPICS)], max_results=1) for i in range(count))
            )
        return [len(answer.results) for answer in answers]

    asyncio.run(round_of(200))  # imports, buffers and the event-loop machinery are in place before the baseline
    gc.collect()
    fds, threads, rss = _open_fds(), threading.active_count(), _rss_bytes()
    assert asyncio.run(round_of(1000)) == [1] * 1000
    gc.collect()
    # No per-request leak: a thousand more requests may not hold more than 32 MB (1,000 answers kept in a list
    # are about 1 MB; a leak of a connection or a response each would be far above).
    assert _rss_bytes() - rss < 32 << 20
    assert _settles_to(_open_fds, fds) <= fds
    assert _settles_to(threading.active_count, threads) <= threads, [t.name for t in threading.enumerate()]
    assert _settles_to(lambda: _emulator_connections(emulator), 0) == 0


def test_a_10000_input_batch_gives_every_result_once_and_leaves_nothing_open(emulator: EmulatorProcess) -> None:
    gc.collect()
    fds, threads = _open_fds(), threading.active_count()
    inputs = [f"statement {i}" for i in range(10_000)]
    with ParallelClient(max_retries=1) as client:
        seen = [0] * len(inputs)
        for item in client.task_groups.run_batch(inputs, processor="lite"):
            assert item.ok, item.error
            seen[item.index] += 1
    assert seen == [1] * len(inputs)
    assert len(emulator.runs()) == len(inputs)  # one run per input: nothing submitted twice
    assert _settles_to(_open_fds, fds) <= fds
    assert _settles_to(threading.active_count, threads) <= threads, [t.name for t in threading.enumerate()]
    assert _settles_to(lambda: _emulator_connections(emulator), 0) == 0
