"""The emulator killed with SIGKILL in the middle of a 2,000-input batch and restarted on its state file.

Two ways through: the client rides out the outage on its own retries (the runnable's ``batch``, ``run_batch``),
or the caller's batch fails and ``run_batch(taskgroup_id=...)`` collects the group afterwards. Either way each
input gets exactly one result, and the emulator holds exactly one run per input: nothing submitted twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import BaseModel

from parallel_integrations import BatchProgress, ParallelClient, ParallelError
from parallel_integrations.langchain import ParallelTaskRunnable

from ._subprocess_emulator import EmulatorProcess

SIZE = 2_000
INPUTS = [f"statement {i}" for i in range(SIZE)]


class Answer(BaseModel):
    summary: str


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(tmp_path)
    process.start()
    yield process
    process.stop()


def _one_run_per_input(server: EmulatorProcess) -> None:
    inputs = [entry["input"]["input"] for entry in server.runs()]  # type: ignore[index]
    assert len(inputs) == SIZE
    assert sorted(inputs) == sorted(INPUTS)


def _kill_and_restart_when(server: EmulatorProcess, ready: threading.Event) -> threading.Thread:
    """In the background: once ``ready`` is set, kill -9 the server and start it again on its state file."""

    def outage() -> None:
        ready.wait(120)
        server.kill()
        server.start()

    thread = threading.Thread(target=outage, daemon=True)
    thread.start()
    return thread


def test_the_runnable_batch_survives_a_kill_9_and_restart_with_one_result_per_input(
    server: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "k")
    runnable = ParallelTaskRunnable(output=Answer, processor="lite", base_url=server.base_url, max_retries=8)
    half = threading.Event()
    outage = _kill_and_restart_when(server, half)
    watcher = threading.Thread(target=_set_when_half_submitted, args=(server, half), daemon=True)
    watcher.start()
    answers = runnable.batch(INPUTS)
    outage.join(60)
    assert server.starts == 2  # the outage really happened during the batch
    assert len(answers) == SIZE
    assert all(isinstance(answer, Answer) for answer in answers)
    _one_run_per_input(server)


def _set_when_half_submitted(server: EmulatorProcess, event: threading.Event) -> None:
    """Set ``event`` once the server holds half the batch's runs: the first add-runs request of two has landed."""
    while not event.is_set():
        try:
            held = len(server.runs())
        except httpx.TransportError:
            continue
        if held >= SIZE // 2:
            event.set()
        time.sleep(0.05)


def test_run_batch_killed_midway_then_collected_by_taskgroup_id_gives_each_input_one_result(
    server: EmulatorProcess,
) -> None:
    progress: list[BatchProgress] = []
    first_pass: dict[int, str] = {}
    with ParallelClient(api_key="k", base_url=server.base_url, max_retries=0) as client:

        def first_attempt() -> None:
            for item in client.task_groups.run_batch(INPUTS, processor="lite", on_progress=progress.append):
                assert item.ok
                first_pass[item.index] = item.run_id
                if len(first_pass) == 200:
                    server.kill()

        with pytest.raises(ParallelError):  # the server dies under the batch; with no retries it surfaces
            first_attempt()
        assert progress
        taskgroup_id = progress[-1].taskgroup_id
        server.start()
        collected = {}
        for item in client.task_groups.run_batch(taskgroup_id=taskgroup_id):
            assert item.ok
            assert item.index not in collected  # exactly once
            collected[item.index] = item.run_id
    assert sorted(collected) == list(range(SIZE))
    assert all(collected[index] == run_id for index, run_id in first_pass.items())  # the same runs, not new ones
    _one_run_per_input(server)


def test_run_batch_rides_out_a_kill_9_and_restart_on_its_retries(server: EmulatorProcess) -> None:
    collecting = threading.Event()
    outage = _kill_and_restart_when(server, collecting)
    seen: list[int] = []
    with ParallelClient(api_key="k", base_url=server.base_url, max_retries=8) as client:
        for item in client.task_groups.run_batch(INPUTS, processor="lite"):
            assert item.ok
            seen.append(item.index)
            if len(seen) == 100:
                collecting.set()  # results are arriving: the kill lands in the collecting half
    outage.join(60)
    assert server.starts == 2
    assert sorted(seen) == list(range(SIZE))
    _one_run_per_input(server)
