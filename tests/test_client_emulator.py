"""The client against the emulator on loopback, where a fake cannot stand in: real long polls and 408s, real read
timeouts, faults with Retry-After, add-runs reconciliation after a dropped answer, and async across event loops."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import weakref

import pytest

from parallel_integrations import (
    APITimeoutError,
    AsyncParallelClient,
    ParallelClient,
    TaskGroupStatusEvent,
    TaskRunEvent,
    TaskRunTimeoutError,
    _run_flows,
)
from parallel_integrations.emulator import Fault, Schedule
from parallel_integrations.emulator.server import RunningEmulator

FAST = Schedule(queued=0.01, running=0.04)


def test_result_wait_is_a_long_poll_reissued_on_408(
    parallel_client: ParallelClient, emulator: RunningEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_run_flows, "MAX_SERVER_WAIT", 1)  # one-second polls, so a real 408 arrives and is re-issued
    emulator.set_schedule(Schedule(queued=0.0, running=1.4))
    run = parallel_client.task_runs.create("the with statement", "lite")
    result = parallel_client.task_runs.result(run.run_id)
    assert result.run.status == "completed"
    polls = emulator.requests("GET", f"/v1/tasks/runs/{run.run_id}/result")
    assert [p.status for p in polls] == [408, 200]
    assert all("timeout=1" in p.query for p in polls)


def test_result_deadline_then_collect_later(parallel_client: ParallelClient, emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0.0, running=float("inf")))
    run = parallel_client.task_runs.create("the for statement", "lite")
    with pytest.raises(TaskRunTimeoutError) as info:
        parallel_client.task_runs.result(run.run_id, timeout=0.5)
    assert info.value.run_id == run.run_id
    emulator.complete_run(run.run_id)
    assert parallel_client.task_runs.result(run.run_id, timeout=10).run.status == "completed"


def test_read_timeout_is_a_named_error(emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault.slow("POST /alpha/search", 1.0, times=1))
    with ParallelClient(timeout=0.2, max_retries=0) as parallel_client, pytest.raises(APITimeoutError):
        parallel_client.search("decorators")


def test_rate_limit_with_retry_after_is_waited_out(parallel_client: ParallelClient, emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault.error("POST /alpha/search", 429, times=2, retry_after=0))
    assert parallel_client.search("decorators").results
    assert [r.status for r in emulator.requests("POST", "/alpha/search")] == [429, 429, 200]


def test_add_runs_whose_answer_was_lost_are_not_added_twice(
    parallel_client: ParallelClient, emulator: RunningEmulator
) -> None:
    group = parallel_client.task_groups.create()
    parallel_client.task_groups.add_runs(group.taskgroup_id, [{"input": "first", "processor": "lite"}])
    emulator.add_fault(Fault.after_handling(f"POST /v1beta/tasks/groups/{group.taskgroup_id}/runs"))
    inputs = [{"input": f"q{i}", "processor": "lite"} for i in range(3)]
    response = parallel_client.task_groups.add_runs(group.taskgroup_id, inputs)
    assert len(response.run_ids) == 3
    assert parallel_client.task_groups.retrieve(group.taskgroup_id).status.num_task_runs == 4
    snapshot = [
        e.run.run_id for e in parallel_client.task_groups.stream_runs(group.taskgroup_id) if isinstance(e, TaskRunEvent)
    ]
    assert snapshot[1:] == response.run_ids
    assert [emulator.run_input(run_id)["input"] for run_id in response.run_ids] == ["q0", "q1", "q2"]


def test_stream_runs_resumes_after_a_cut(parallel_client: ParallelClient, emulator: RunningEmulator) -> None:
    group = parallel_client.task_groups.create()
    added = parallel_client.task_groups.add_runs(
        group.taskgroup_id, [{"input": f"q{i}", "processor": "lite"} for i in range(6)]
    )
    emulator.add_fault(Fault.cut_stream(f"GET /v1beta/tasks/groups/{group.taskgroup_id}/runs", after_events=2))
    seen = [
        e.run.run_id for e in parallel_client.task_groups.stream_runs(group.taskgroup_id) if isinstance(e, TaskRunEvent)
    ]
    assert seen == added.run_ids
    assert len(emulator.requests("GET", f"/v1beta/tasks/groups/{group.taskgroup_id}/runs")) == 2


def test_group_events_follow_live_until_idle(parallel_client: ParallelClient, emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0.0, running=float("inf")))
    group = parallel_client.task_groups.create()
    added = parallel_client.task_groups.add_runs(
        group.taskgroup_id, [{"input": f"q{i}", "processor": "lite"} for i in range(3)]
    )
    timers = [threading.Timer(0.2 * (i + 1), emulator.complete_run, [run_id]) for i, run_id in enumerate(added.run_ids)]
    for timer in timers:
        timer.start()
    events = list(parallel_client.task_groups.stream_events(group.taskgroup_id))
    finished = [e.run.run_id for e in events if isinstance(e, TaskRunEvent)]
    assert finished == added.run_ids
    assert isinstance(events[-1], TaskGroupStatusEvent)
    assert not events[-1].status.is_active


def test_current_endpoints_against_the_emulator(emulator: RunningEmulator) -> None:
    with ParallelClient(endpoints="current") as parallel_client:
        response = parallel_client.search("decorators", search_queries=["decorator"], max_results=2)
        assert response.session_id
        assert len(response.results) == 2
        group = parallel_client.task_groups.create()
        parallel_client.task_groups.add_runs(group.taskgroup_id, [{"input": "x", "processor": "lite"}])
    paths = {r.path for r in emulator.requests()}
    assert "/v1/search" in paths
    assert f"/v1/tasks/groups/{group.taskgroup_id}/runs" in paths


def test_an_objective_alone_searches_on_current_endpoints(emulator: RunningEmulator) -> None:
    with ParallelClient(endpoints="current") as parallel_client:
        response = parallel_client.search("How do Python decorators work?", max_results=3)
    assert response.results
    assert any("docs.python.org" in result.url for result in response.results)
    assert [r.path for r in emulator.requests()] == ["/v1/search"]


def test_async_client_works_across_event_loops(emulator: RunningEmulator) -> None:
    parallel_client = AsyncParallelClient()

    async def search_and_close() -> int:
        found = len((await parallel_client.search("decorators", max_results=2)).results)
        await parallel_client.aclose()
        return found

    assert asyncio.run(search_and_close()) == 2
    assert asyncio.run(search_and_close()) == 2  # a new loop gets its own connection pool


def test_the_pools_of_finished_event_loops_are_released(emulator: RunningEmulator) -> None:
    parallel_client = AsyncParallelClient()
    pools: list[weakref.ref[object]] = []

    async def search() -> None:
        await parallel_client.search("decorators", max_results=2)
        pools.append(weakref.ref(parallel_client._driver.http))  # type: ignore[attr-defined]

    for _ in range(3):
        asyncio.run(search())  # never closed: each loop ends with its pool still open
    gc.collect()
    assert [pool() is None for pool in pools] == [True, True, False]  # a new loop dropped the closed loops' pools
    asyncio.run(parallel_client.aclose())
    gc.collect()
    assert pools[-1]() is None


def test_async_batch_against_the_emulator(emulator: RunningEmulator) -> None:
    emulator.script_failure("please fail")

    async def main() -> list[tuple[int, bool]]:
        async with AsyncParallelClient() as client:
            inputs = ["the for statement", "please fail", "the try statement"]
            return [(item.index, item.ok) async for item in client.task_groups.run_batch(inputs, processor="lite")]

    assert sorted(asyncio.run(main())) == [(0, True), (1, False), (2, True)]


def test_a_group_creation_retried_after_a_503_warns_of_the_empty_group_it_may_leave(
    parallel_client: ParallelClient, emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # The server creates a group, then answers 503: the retry makes a second group, the first stays empty.
    emulator.add_fault(Fault.after_handling("POST /v1beta/tasks/groups", 503))
    progress: list[str] = []
    with caplog.at_level(logging.WARNING, logger="parallel_integrations"):
        items = list(
            parallel_client.task_groups.run_batch(
                ["q0", "q1", "q2"], processor="lite", on_progress=lambda p: progress.append(p.taskgroup_id)
            )
        )
    assert sorted(item.index for item in items if item.ok) == [0, 1, 2]
    assert [r.status for r in emulator.requests("POST", "/v1beta/tasks/groups")] == [503, 200]
    assert {run.taskgroup_id for run in emulator.runs()} == set(progress)
    assert len(set(progress)) == 1
    warnings = [r for r in caplog.records if r.name == "parallel_integrations" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "an empty task group may have been left behind" in warnings[0].getMessage()
    assert "503" in warnings[0].getMessage()


def test_a_group_creation_the_server_cannot_have_acted_on_is_retried_without_a_warning(
    parallel_client: ParallelClient, emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    emulator.add_fault(Fault.error("POST /v1beta/tasks/groups", 429, retry_after=0))
    with caplog.at_level(logging.WARNING, logger="parallel_integrations"):
        group = parallel_client.task_groups.create()
    assert parallel_client.task_groups.retrieve(group.taskgroup_id).status.num_task_runs == 0
    assert [r.status for r in emulator.requests("POST", "/v1beta/tasks/groups")] == [429, 200]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
