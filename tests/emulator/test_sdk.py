"""The official SDK (``parallel-web`` 1.3.7, a test dependency only) works unchanged against the emulator: search,
task runs (create, retrieve, input, result, execute with a pydantic class, events) and task groups (create,
add_runs, retrieve, get_runs, events, retrieve_run), sync and async, with its error classes and retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from parallel_integrations.emulator import Fault, Schedule
from parallel_integrations.emulator.server import RunningEmulator

parallel = pytest.importorskip("parallel")

FAST = Schedule(queued=0.01, running=0.04)


class Definition(BaseModel):
    term: str
    explanation: str
    pages_found: int


@pytest.fixture(scope="module")
def sdk(parallel_emulator_server: RunningEmulator) -> Iterator[parallel.Parallel]:
    client = parallel.Parallel(api_key="test", base_url=parallel_emulator_server.base_url, max_retries=2)
    yield client
    client.close()


@pytest.fixture
def emulator(parallel_emulator: RunningEmulator) -> RunningEmulator:
    parallel_emulator.set_schedule(FAST)
    return parallel_emulator


def test_search_on_the_v1_path(sdk, emulator):
    result = sdk.search(
        search_queries=["decorator syntax"], objective="How do decorators work?", advanced_settings={"max_results": 3}
    )
    assert result.search_id.startswith("search_")
    assert result.session_id.startswith("session_")
    assert len(result.results) == 3
    assert "decorator" in " ".join(result.results[0].excerpts).lower()
    if hasattr(sdk.beta, "search"):  # SDKs before 1.x searched at /v1beta/search
        assert sdk.beta.search(objective="How do decorators work?").results


def test_task_run_create_retrieve_input_and_result(sdk, emulator):
    run = sdk.task_run.create(input="What does the yield statement do?", processor="core", metadata={"case": "sdk"})
    assert run.status == "queued"
    assert run.is_active
    assert run.task_group_id is None
    assert sdk.task_run.retrieve(run.run_id).run_id == run.run_id
    run_input = sdk.task_run.retrieve_input(run.run_id)
    assert run_input.input == "What does the yield statement do?"
    assert run_input.processor == "core"
    result = sdk.task_run.result(run.run_id, api_timeout=10)
    assert result.run.status == "completed"
    assert result.output.type == "text"
    assert result.output.content
    assert result.output.basis[0].citations[0].url.startswith("https://docs.python.org/")


def test_execute_with_a_pydantic_class_returns_a_parsed_instance(sdk, emulator):
    result = sdk.task_run.execute(input="Explain the decorator term", processor="base", output=Definition)
    assert isinstance(result.output.parsed, Definition)
    assert result.output.parsed.term
    assert isinstance(result.output.parsed.pages_found, int)
    assert {b.field for b in result.output.basis} == {"term", "explanation", "pages_found"}
    poll = emulator.requests("POST", "/v1/tasks/runs")[-1]
    assert poll.headers["x-stainless-poll-helper"] == "true"


def test_execute_returns_a_scripted_answer(sdk, emulator):
    emulator.script_output("What is 2+2?", "4")
    assert sdk.task_run.execute(input="What is 2+2?", processor="lite").output.content == "4"


def test_per_run_events_stream(sdk, emulator):
    run = sdk.task_run.create(input="How do generators work?", processor="pro")
    events = list(sdk.task_run.events(run.run_id))
    kinds = [e.type for e in events]
    assert kinds[0] == "task_run.state"
    assert kinds[-1] == "task_run.state"
    assert "task_run.progress_stats" in kinds
    assert events[-1].run.status == "completed"
    assert events[-1].output is not None


def test_task_group_flow(sdk, emulator):
    group = sdk.task_group.create(metadata={"batch": "sdk"})
    assert group.task_group_id.startswith("tgrp_")
    assert group.status.num_task_runs == 0
    added = sdk.task_group.add_runs(
        group.task_group_id,
        inputs=[
            {"input": "What is a lambda?", "processor": "lite"},
            {"input": "What is a class?", "processor": "lite"},
        ],
    )
    assert len(added.run_ids) == 2
    assert added.run_cursor is None
    assert added.event_cursor is None
    events = list(sdk.task_group.events(group.task_group_id))
    assert events[-1].type == "task_group_status"
    assert events[-1].status.is_active is False
    assert sorted(e.run.run_id for e in events if e.type == "task_run.state") == sorted(added.run_ids)
    status = sdk.task_group.retrieve(group.task_group_id).status
    assert status.task_run_status_counts == {"completed": 2}
    runs = list(sdk.task_group.get_runs(group.task_group_id, include_input=True, include_output=True))
    assert [r.run.run_id for r in runs] == added.run_ids
    assert runs[0].input.input == "What is a lambda?"
    assert runs[0].output.content
    one = sdk.task_group.retrieve_run(added.run_ids[1], task_group_id=group.task_group_id)
    assert one.task_group_id == group.task_group_id


def test_error_statuses_map_to_the_sdk_exceptions(sdk, emulator):
    with pytest.raises(parallel.NotFoundError):
        sdk.task_run.retrieve("trun_0123456789abcdef0123456789abcdef")
    with pytest.raises(parallel.PermissionDeniedError):
        sdk.task_run.create(input="x", processor="hyper")
    with pytest.raises(parallel.UnprocessableEntityError):
        sdk.task_run.create(input="x", processor="base", metadata={"a_much_too_long_key": "v"})
    with pytest.raises(parallel.AuthenticationError):
        parallel.Parallel(api_key="", base_url=emulator.base_url, max_retries=0).task_run.retrieve("trun_x")


def test_the_sdk_retries_a_503_and_honours_retry_after(sdk, emulator):
    emulator.add_fault(Fault.error("POST /v1/tasks/runs", 503, times=2, retry_after=0.05))
    run = sdk.task_run.create(input="What is a module?", processor="lite")
    attempts = emulator.requests("POST", "/v1/tasks/runs")
    assert [a.status for a in attempts] == [503, 503, 202]
    assert [a.headers["x-stainless-retry-count"] for a in attempts] == ["0", "1", "2"]
    assert run.run_id == emulator.runs()[0].run_id


async def test_the_async_client_runs_a_task_and_streams_a_group(parallel_emulator_server, emulator):
    async with parallel.AsyncParallel(api_key="test", base_url=parallel_emulator_server.base_url) as client:
        result = await client.task_run.execute(input="What is an iterator?", processor="base", output=Definition)
        assert isinstance(result.output.parsed, Definition)
        group = await client.task_group.create()
        await client.task_group.add_runs(group.task_group_id, inputs=[{"input": "What is a set?", "processor": "lite"}])
        events = [event async for event in await client.task_group.events(group.task_group_id)]
        assert events[-1].type == "task_group_status"
        assert not events[-1].status.is_active
        found = await client.search(search_queries=["lambda expression"])
        assert found.results[0].url.startswith("https://docs.python.org/")
