"""The emulator killed with SIGKILL in the middle of a 2,000-input batch and restarted on its state file.

Two ways through: the client rides out the outage on its own retries (the runnable's ``batch``, ``run_batch``),
or the caller's batch fails and ``run_batch(taskgroup_id=...)`` collects the group afterwards. Either way each
input gets exactly one result, and the emulator holds exactly one run per input: nothing submitted twice.

The kill is triggered by what the test observes (half the runs in the state file, the first results delivered),
never by a sleep, and the server is paced (``_subprocess_emulator.paced``) so that the trigger comes well before the
end on any machine: each add-runs request (1,000 runs) waits ``SUBMIT_DELAY`` at the server before it is handled,
and each run takes ``RUN_SECONDS``, so the second half of the batch exists ``SUBMIT_DELAY`` after the first and
ends ``RUN_SECONDS`` after that. Both are server-side waits, which a faster machine does not shorten. After the
kill each test reads the state file and asserts the batch was really unfinished when the server died, so a kill
that came too late fails the test instead of proving nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from parallel_integrations import APIConnectionError, BatchProgress, ParallelClient, ParallelError
from parallel_integrations.langchain import ParallelTaskRunnable

from ._subprocess_emulator import RUN_SECONDS, EmulatorProcess, Held, paced

SIZE = 2_000
INPUTS = [f"statement {i}" for i in range(SIZE)]
FIRST_RESULTS = 100
"""Results delivered before the kill: enough to show collection had begun, a twentieth of the batch."""


class Answer(BaseModel):
    summary: str


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmulatorProcess]:
    process = paced(EmulatorProcess(tmp_path, running=RUN_SECONDS))
    yield process
    process.stop()


def _one_run_per_input(server: EmulatorProcess) -> None:
    inputs = [entry["input"]["input"] for entry in server.runs()]  # type: ignore[index]
    assert len(inputs) == SIZE
    assert sorted(inputs) == sorted(INPUTS)


class Outage:
    """In the background: once ``due()`` holds, kill -9 the server, note what had been delivered and what the
    state file held at that moment, and start the server again on its state file."""

    def __init__(self, server: EmulatorProcess, due: Callable[[], bool], delivered: Callable[[], int]) -> None:
        self.server = server
        self.due = due
        self.delivered = delivered
        self.delivered_at_kill: int | None = None
        self.held_at_kill: Held | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 120
        while not self.due():
            if time.monotonic() > deadline:
                return  # never due: the assertions on held_at_kill say so
            time.sleep(0.01)
        self.server.kill()
        self.delivered_at_kill = self.delivered()
        self.held_at_kill = self.server.held()
        self.server.start()

    def join(self) -> None:
        self.thread.join(60)


def test_the_runnable_batch_survives_a_kill_9_and_restart_with_one_result_per_input(
    server: EmulatorProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "k")
    runnable = ParallelTaskRunnable(output=Answer, processor="lite", base_url=server.base_url, max_retries=8)
    answers: list[Answer] = []
    # the first add-runs request of two has landed: the kill falls between them
    outage = Outage(server, due=lambda: server.runs_held() >= SIZE // 2, delivered=lambda: len(answers))
    answers += runnable.batch(INPUTS)
    outage.join()
    assert server.starts == 2
    assert outage.held_at_kill is not None
    assert SIZE // 2 <= outage.held_at_kill.runs < SIZE  # killed mid-way: half the batch was not even submitted
    assert outage.delivered_at_kill == 0
    assert len(answers) == SIZE
    assert all(isinstance(answer, Answer) for answer in answers)
    _one_run_per_input(server)


def test_run_batch_killed_midway_then_collected_by_taskgroup_id_gives_each_input_one_result(
    server: EmulatorProcess,
) -> None:
    progress: list[BatchProgress] = []
    first_pass: dict[int, str] = {}
    held_at_kill: list[Held] = []
    with ParallelClient(api_key="k", base_url=server.base_url, max_retries=0) as client:

        def first_attempt() -> None:
            for item in client.task_groups.run_batch(INPUTS, processor="lite", on_progress=progress.append):
                if not item.ok:  # a result fetch cut by the kill is that input's error; collected again below
                    assert held_at_kill, item.error
                    assert isinstance(item.error, APIConnectionError), item.error
                    continue
                first_pass[item.index] = item.run_id
                if len(first_pass) == FIRST_RESULTS:
                    server.kill()
                    held_at_kill.append(server.held())

        with pytest.raises(ParallelError):  # the server dies under the batch; with no retries it surfaces
            first_attempt()
        assert held_at_kill  # the kill happened
        assert held_at_kill[0].runs == SIZE  # every run submitted
        assert held_at_kill[0].ended < SIZE  # but the batch unfinished when the server died
        assert FIRST_RESULTS <= len(first_pass) < SIZE  # some results, not all
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
    seen: list[int] = []
    outage = Outage(server, due=lambda: len(seen) >= FIRST_RESULTS, delivered=lambda: len(seen))
    with ParallelClient(api_key="k", base_url=server.base_url, max_retries=8) as client:
        for item in client.task_groups.run_batch(INPUTS, processor="lite"):
            assert item.ok
            seen.append(item.index)
    outage.join()
    assert server.starts == 2
    assert outage.held_at_kill is not None
    assert outage.delivered_at_kill is not None
    assert FIRST_RESULTS <= outage.delivered_at_kill < SIZE  # killed while results were arriving
    assert outage.held_at_kill.ended < SIZE  # and before the server had finished the batch
    assert sorted(seen) == list(range(SIZE))
    _one_run_per_input(server)
