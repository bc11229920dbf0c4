"""The client against the emulator on loopback under injected faults: 429 bursts with Retry-After, 5xx bursts on
reads and on creation requests, streams cut at random points, slow answers and long polls.

Every assertion counts (requests, runs, events); the only clock checks are lower bounds the server imposes and
upper bounds with a generous margin, never a comparison of speeds."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from parallel_integrations import (
    APITimeoutError,
    InternalServerError,
    ParallelClient,
    RateLimitError,
    RunCreationUncertainError,
    TaskRunEvent,
    TaskRunTimeoutError,
)
from parallel_integrations.emulator import Fault, Schedule
from parallel_integrations.emulator.server import RunningEmulator

from ._support import run_inputs, statuses

SEARCH = "POST /alpha/search"


# --- 429 bursts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("burst", [1, 3])
def test_a_429_burst_is_waited_out_as_told_and_the_call_succeeds(emulator: RunningEmulator, burst: int) -> None:
    emulator.add_fault(Fault.error(SEARCH, 429, times=burst, retry_after=0.3))
    started = time.monotonic()
    with ParallelClient(max_retries=burst) as client:
        assert client.search("decorators", max_results=2).results
    waited = time.monotonic() - started
    assert statuses(emulator, "POST", "/alpha/search") == [429] * burst + [200]
    assert waited >= 0.3 * burst  # each Retry-After was honoured, not skipped
    assert waited < 0.3 * burst + 20  # and nothing else was added beyond a generous margin


def test_a_429_burst_longer_than_the_retries_raises_rate_limit_error_after_max_retries(
    emulator: RunningEmulator,
) -> None:
    emulator.add_fault(Fault.error(SEARCH, 429, times=10, retry_after=0))
    with ParallelClient(max_retries=2) as client, pytest.raises(RateLimitError) as info:
        client.search("decorators")
    assert info.value.status_code == 429
    assert statuses(emulator, "POST", "/alpha/search") == [429, 429, 429]


@pytest.mark.parametrize(("asked", "cap"), [(3600, None), (2, 0.5)])
def test_a_retry_after_over_the_callers_cap_is_not_waited_out_but_raised_at_once_with_the_value(
    emulator: RunningEmulator, asked: float, cap: float | None
) -> None:
    emulator.add_fault(Fault.error(SEARCH, 429, times=1, retry_after=asked))
    started = time.monotonic()
    with ParallelClient(max_retries=3, max_retry_after=cap) as client, pytest.raises(RateLimitError) as info:
        client.search("decorators")
    assert time.monotonic() - started < 20  # not the hour (or the 2 s) asked for
    assert info.value.retry_after == asked  # the server's value, for the caller to schedule a later attempt
    assert statuses(emulator, "POST", "/alpha/search") == [429]


def test_no_retries_means_no_wait(emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault.error(SEARCH, 429, times=1, retry_after=30))
    started = time.monotonic()
    with ParallelClient(max_retries=0) as client, pytest.raises(RateLimitError):
        client.search("decorators")
    assert time.monotonic() - started < 20
    assert statuses(emulator, "POST", "/alpha/search") == [429]


# --- 5xx bursts on reads ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_bursts_on_every_read_are_retried_and_succeed(emulator: RunningEmulator, status: int) -> None:
    with ParallelClient(max_retries=2) as client:
        run = client.task_runs.create("the with statement", "lite")
        group = client.task_groups.create()
        client.task_groups.add_runs(group.taskgroup_id, [{"input": "the for statement", "processor": "lite"}])
        gid, rid = group.taskgroup_id, run.run_id
        reads = {
            f"GET /v1/tasks/runs/{rid}": lambda: client.task_runs.retrieve(rid).run_id == rid,
            f"GET /v1/tasks/runs/{rid}/input": lambda: (
                client.task_runs.retrieve_input(rid).input == "the with statement"
            ),
            f"GET /v1/tasks/runs/{rid}/result": lambda: client.task_runs.result(rid).run.status == "completed",
            f"GET /v1beta/tasks/groups/{gid}": lambda: client.task_groups.retrieve(gid).taskgroup_id == gid,
            f"GET /v1beta/tasks/groups/{gid}/runs": lambda: len(list(client.task_groups.stream_runs(gid))) == 1,
            SEARCH: lambda: bool(client.search("decorators").results),
        }
        for route, read in reads.items():
            emulator.add_fault(Fault.error(route, status, times=2, retry_after=0))
            assert read(), route
            method, path = route.split(" ")
            assert statuses(emulator, method, path)[-3:] == [status, status, 200], route


def test_a_5xx_burst_longer_than_the_retries_is_a_named_error_with_the_status(emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault.error(SEARCH, 502, times=5, retry_after=0))
    with ParallelClient(max_retries=1) as client, pytest.raises(InternalServerError) as info:
        client.search("decorators")
    assert info.value.status_code == 502
    assert len(emulator.requests("POST", "/alpha/search")) == 2


# --- 5xx and dropped answers on creation ---------------------------------------------------------------------

# Factories, not instances: the emulator uses up a fault's ``times`` in place.
CREATE_FAULTS: dict[str, Callable[[], Fault]] = {
    "503 before handling": lambda: Fault.error("POST /v1/tasks/runs", 503, times=3, retry_after=0),
    "500 after handling": lambda: Fault(route="POST /v1/tasks/runs", status=500, reached_server=True, times=3),
    "dropped after handling": lambda: Fault.after_handling("POST /v1/tasks/runs", times=3),
}


@pytest.mark.parametrize("fault", CREATE_FAULTS.values(), ids=CREATE_FAULTS.keys())
def test_a_failed_create_is_never_resent_and_the_error_says_what_is_known(
    emulator: RunningEmulator, fault: Callable[[], Fault]
) -> None:
    emulator.add_fault(fault())
    with ParallelClient(max_retries=3) as client, pytest.raises(RunCreationUncertainError) as info:
        client.task_runs.create("the while statement", "lite", metadata={"job": "7"})
    assert len(emulator.requests("POST", "/v1/tasks/runs")) == 1  # one attempt, never a second paid run
    assert len(emulator.runs()) <= 1
    error = info.value
    assert error.request.input == "the while statement"  # what was sent, to check and re-create by hand
    assert error.request.metadata == {"job": "7"}
    assert "may or may not" in str(error)
    assert error.cause is not None


ADD_ROUTE = "POST /v1beta/tasks/groups/*/runs"
ADD_FAULTS: dict[str, Callable[[], Fault]] = {
    "503 before handling": lambda: Fault.error(ADD_ROUTE, 503, times=2, retry_after=0),
    "500 after handling": lambda: Fault(route=ADD_ROUTE, status=500, reached_server=True, times=2),
    "dropped after handling": lambda: Fault.after_handling(ADD_ROUTE, times=2),
}


@pytest.mark.parametrize("fault", ADD_FAULTS.values(), ids=ADD_FAULTS.keys())
def test_add_runs_under_5xx_and_dropped_answers_lands_every_run_exactly_once(
    emulator: RunningEmulator, fault: Callable[[], Fault]
) -> None:
    with ParallelClient(max_retries=3) as client:
        group = client.task_groups.create()
        emulator.add_fault(fault())
        inputs = [{"input": f"question {i}", "processor": "lite"} for i in range(5)]
        response = client.task_groups.add_runs(group.taskgroup_id, inputs)
        assert len(response.run_ids) == 5
        assert client.task_groups.retrieve(group.taskgroup_id).status.num_task_runs == 5
    assert sorted(map(str, run_inputs(emulator))) == [f"question {i}" for i in range(5)]


@pytest.mark.parametrize("fault", ADD_FAULTS.values(), ids=ADD_FAULTS.keys())
def test_run_batch_under_creation_faults_gives_each_input_one_result_and_one_run(
    emulator: RunningEmulator, fault: Callable[[], Fault]
) -> None:
    emulator.add_fault(fault())
    inputs = [f"statement {i}" for i in range(30)]
    with ParallelClient(max_retries=3) as client:
        items = list(client.task_groups.run_batch(inputs, processor="lite"))
    assert sorted(item.index for item in items) == list(range(30))
    assert all(item.ok for item in items)
    assert sorted(map(str, run_inputs(emulator))) == sorted(inputs)


def test_a_lost_group_creation_answer_costs_no_run_and_no_result(emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault.after_handling("POST /v1beta/tasks/groups"))
    inputs = [f"statement {i}" for i in range(10)]
    with ParallelClient(max_retries=2) as client:
        items = list(client.task_groups.run_batch(inputs, processor="lite"))
    assert sorted(item.index for item in items) == list(range(10))
    assert sorted(map(str, run_inputs(emulator))) == sorted(inputs)  # the runs went into one group, once


# --- streams cut at random points ---------------------------------------------------------------------------


def _finished_group(client: ParallelClient, size: int) -> tuple[str, list[str]]:
    group = client.task_groups.create()
    added = client.task_groups.add_runs(
        group.taskgroup_id, [{"input": f"item {i}", "processor": "lite"} for i in range(size)]
    )
    for _ in client.task_groups.stream_events(group.taskgroup_id):
        pass  # follows the group until it is idle: every run has ended
    return group.taskgroup_id, added.run_ids


@pytest.mark.parametrize("seed", range(4))
def test_group_event_stream_cut_many_times_at_random_points_delivers_each_event_once_in_order(
    parallel_client: ParallelClient, emulator: RunningEmulator, seed: int
) -> None:
    gid, _ = _finished_group(parallel_client, 12)
    reference = [event.model_dump() for event in parallel_client.task_groups.stream_events(gid)]
    assert len(reference) > 12
    cuts = random.Random(seed).choices(range(len(reference)), k=8)
    for after in cuts:
        emulator.add_fault(Fault.cut_stream(f"GET /v1beta/tasks/groups/{gid}/events", after_events=after))
    with ParallelClient(max_retries=len(cuts) + 1) as client:
        seen = [event.model_dump() for event in client.task_groups.stream_events(gid)]
    assert seen == reference
    assert len(emulator.requests("GET", f"/v1beta/tasks/groups/{gid}/events")) >= 2  # it was cut, and resumed


@pytest.mark.parametrize("seed", range(4))
def test_group_runs_stream_cut_many_times_at_random_points_delivers_each_run_once_in_order(
    parallel_client: ParallelClient, emulator: RunningEmulator, seed: int
) -> None:
    gid, run_ids = _finished_group(parallel_client, 15)
    cuts = random.Random(seed).choices(range(len(run_ids)), k=8)
    for after in cuts:
        emulator.add_fault(Fault.cut_stream(f"GET /v1beta/tasks/groups/{gid}/runs", after_events=after))
    with ParallelClient(max_retries=len(cuts) + 1) as client:
        seen = [e.run.run_id for e in client.task_groups.stream_runs(gid) if isinstance(e, TaskRunEvent)]
    assert seen == run_ids
    assert len(emulator.requests("GET", f"/v1beta/tasks/groups/{gid}/runs")) >= 2


def test_a_live_event_stream_cut_while_runs_are_ending_misses_nothing(emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0.0, running=0.3))
    with ParallelClient(max_retries=6) as client:
        group = client.task_groups.create()
        added = client.task_groups.add_runs(
            group.taskgroup_id, [{"input": f"live {i}", "processor": "lite"} for i in range(6)]
        )
        for after in (1, 0, 2, 1, 3):
            emulator.add_fault(Fault.cut_stream(f"GET /v1beta/tasks/groups/{group.taskgroup_id}/events", after))
        events = list(client.task_groups.stream_events(group.taskgroup_id))
    ids = [getattr(e, "event_id", None) for e in events]
    assert len(ids) == len(set(ids))  # nothing twice
    ended = [e.run.run_id for e in events if isinstance(e, TaskRunEvent) and not e.run.is_active]
    assert sorted(ended) == sorted(added.run_ids)  # nothing lost


# --- slow answers and long polls -----------------------------------------------------------------------------


def test_an_answer_slower_than_the_timeout_is_a_named_timeout_error_not_a_hang(emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault.slow(SEARCH, 30.0, times=3))
    started = time.monotonic()
    with ParallelClient(timeout=0.5, max_retries=1) as client, pytest.raises(APITimeoutError):
        client.search("decorators")
    assert time.monotonic() - started < 0.5 * 2 + 15  # two attempts of 0.5 s, plus backoff and a margin


def test_a_result_wait_past_its_deadline_is_task_run_timeout_error(emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0.0, running=float("inf")))
    with ParallelClient() as client:
        run = client.task_runs.create("the for statement", "lite")
        started = time.monotonic()
        with pytest.raises(TaskRunTimeoutError) as info:
            client.task_runs.result(run.run_id, timeout=1.5)
    assert info.value.run_id == run.run_id
    assert time.monotonic() - started < 1.5 + 15
    polls = statuses(emulator, "GET", f"/v1/tasks/runs/{run.run_id}/result")
    assert set(polls) == {408}  # long polls, answered 408 by the server, never a sleep loop
