"""The project's own client against the emulator on loopback: every operation end to end, and the client's
reliability promises checked against the emulator's faults (stream resume, no duplicated paid work)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from parallel_integrations import (
    RunCreationUncertainError,
    TaskRunFailedError,
)
from parallel_integrations.emulator import Fault, Schedule

FAST = Schedule(queued=0.01, running=0.04)


class Term(BaseModel):
    term: str
    explanation: str


def test_search(parallel_client):
    answer = parallel_client.search("How do decorators work?", max_results=3)
    assert answer.search_id.startswith("search_")
    assert len(answer.results) == 3
    assert "Function definitions" in [result.title for result in answer.results]


def test_task_run_lifecycle(parallel_client):
    run = parallel_client.task_runs.create("What does the with statement do?", "base", metadata={"case": "client"})
    assert run.status == "queued"
    assert parallel_client.task_runs.retrieve(run.run_id).run_id == run.run_id
    assert parallel_client.task_runs.retrieve_input(run.run_id).input == "What does the with statement do?"
    result = parallel_client.task_runs.result(run.run_id, timeout=10)
    assert result.run.status == "completed"
    assert result.output.type == "text"


def test_execute_parses_into_the_callers_class(parallel_client):
    result = parallel_client.task_runs.execute("Explain the lambda term", "core", output=Term, timeout=10)
    assert isinstance(result.parsed, Term)
    assert result.output.basis_for("term").citations


def test_a_failed_run_raises_task_run_failed(parallel_client, emulator):
    emulator.script_failure("doomed", "no sources")
    with pytest.raises(TaskRunFailedError, match="no sources"):
        parallel_client.task_runs.execute("doomed", "lite", timeout=10)


def test_per_run_events(parallel_client):
    run = parallel_client.task_runs.create("How do generators work?", "pro", enable_events=True)
    events = list(parallel_client.task_runs.stream_events(run.run_id))
    assert events[0].type == "task_run.state"
    assert events[-1].type == "task_run.state"
    assert events[-1].output is not None


def test_group_lifecycle(parallel_client):
    group = parallel_client.task_groups.create(metadata={"batch": "1"})
    inputs = [{"input": "What is a set?", "processor": "lite"}, {"input": "What is a dict?", "processor": "lite"}]
    added = parallel_client.task_groups.add_runs(group.taskgroup_id, inputs)
    assert added.run_cursor is None
    events = list(parallel_client.task_groups.stream_events(group.taskgroup_id))
    assert events[-1].type == "task_group_status"
    assert events[-1].status.is_active is False
    runs = list(parallel_client.task_groups.stream_runs(group.taskgroup_id, include_output=True))
    assert [r.run.run_id for r in runs] == added.run_ids
    assert all(r.output is not None for r in runs)
    assert (
        parallel_client.task_groups.retrieve_run(group.taskgroup_id, added.run_ids[0]).taskgroup_id
        == group.taskgroup_id
    )


def test_group_events_resume_after_a_cut_without_loss_or_repeats(parallel_client, emulator):
    group = parallel_client.task_groups.create()
    parallel_client.task_groups.add_runs(
        group.taskgroup_id, [{"input": f"q{i}", "processor": "lite"} for i in range(3)]
    )
    full = [e.event_id for e in parallel_client.task_groups.stream_events(group.taskgroup_id)]
    emulator.add_fault(Fault.cut_stream("GET /v1/tasks/groups/*/events", after_events=2))
    emulator.add_fault(Fault.cut_stream("GET /v1beta/tasks/groups/*/events", after_events=2))
    resumed = [e.event_id for e in parallel_client.task_groups.stream_events(group.taskgroup_id)]
    assert resumed == full
    cut = [r for r in emulator.requests("GET") if r.path.endswith("/events") and r.fault]
    assert len(cut) == 1  # the stream really was cut once, and resumed


def test_a_create_that_reached_the_server_is_not_sent_twice(parallel_client, emulator):
    emulator.add_fault(Fault.after_handling("POST /v1/tasks/runs"))
    with pytest.raises(RunCreationUncertainError):
        parallel_client.task_runs.create("paid work", "ultra")
    assert len(emulator.runs()) == 1
    assert len(emulator.requests("POST", "/v1/tasks/runs")) == 1


def test_run_batch_collects_every_input(parallel_client):
    items = list(parallel_client.task_groups.run_batch(["What is a tuple?", "What is a list?"], processor="lite"))
    assert sorted(item.index for item in items) == [0, 1]
    assert all(item.ok for item in items)
