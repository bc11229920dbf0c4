"""The batch runner against an HTTP-level fake group: chunking, exactly-once delivery, failures, resume."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from parallel_integrations import (
    AsyncParallelClient,
    BatchItem,
    BatchProgress,
    ParallelClient,
    ParallelValidationError,
    SchemaError,
    TaskRunFailedError,
    TaskRunInput,
)
from parallel_integrations.emulator import Fault, Schedule
from tests.fakes import FakeAPI, error_body, run_json, sse

GROUP = "tgrp_" + "d" * 32
BASE = f"/v1beta/tasks/groups/{GROUP}"


class Answer(BaseModel):
    value: str


class BatchServer:
    """A group whose runs finish as soon as they are added; inputs containing "fail" fail."""

    def __init__(self, api: FakeAPI, *, report_runs: bool = True, snapshot_outputs: bool = True) -> None:
        self.report_runs = report_runs
        self.snapshot_outputs = snapshot_outputs
        self.asynchronous = False
        self.inputs: dict[str, Any] = {}
        self.order: list[str] = []
        self.add_bodies: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        group = {
            "taskgroup_id": GROUP,
            "metadata": None,
            "created_at": None,
            "status": {
                "num_task_runs": 0,
                "task_run_status_counts": {},
                "is_active": False,
                "status_message": None,
                "modified_at": None,
            },
        }
        api.on("POST", "/v1beta/tasks/groups", httpx.Response(200, json=group))
        api.on("POST", f"{BASE}/runs", self.add)
        api.on("GET", f"{BASE}/events", self.events)
        api.on("GET", f"{BASE}/runs", self.snapshot)
        self.api = api
        self.api.handle = self._dispatch(api.handle)  # type: ignore[method-assign]

    def _dispatch(self, fallback: Any) -> Any:
        def handle(request: httpx.Request) -> Any:
            if request.url.path.endswith("/result"):
                return self.aresult(request) if self.asynchronous else self.result(request)
            return fallback(request)

        return handle

    def status(self, run_id: str) -> str:
        return "failed" if "fail" in json.dumps(self.inputs[run_id]) else "completed"

    def add(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.add_bodies.append(body)
        ids = []
        for item in body["inputs"]:
            run_id = f"trun_{len(self.order):032x}"
            self.inputs[run_id] = item["input"]
            self.order.append(run_id)
            ids.append(run_id)
        counts = {
            "num_task_runs": len(self.order),
            "task_run_status_counts": {},
            "is_active": True,
            "status_message": None,
            "modified_at": None,
        }
        return httpx.Response(200, json={"status": counts, "run_ids": ids, "run_cursor": None, "event_cursor": None})

    def run(self, run_id: str) -> dict[str, Any]:
        state = self.status(run_id)
        error = {"ref_id": "r", "message": "could not research", "detail": None} if state == "failed" else None
        return run_json(run_id, state, taskgroup_id=GROUP, error=error)

    def events(self, request: httpx.Request) -> httpx.Response:
        events = [
            {"type": "task_run.state", "event_id": str(i), "run": self.run(r), "input": None, "output": None}
            for i, r in enumerate(self.order)
            if self.report_runs
        ]
        events.append(
            {
                "type": "task_group_status",
                "event_id": "end",
                "status": {
                    "num_task_runs": len(self.order),
                    "task_run_status_counts": {},
                    "is_active": False,
                    "status_message": None,
                    "modified_at": None,
                },
            }
        )
        return httpx.Response(200, content=sse(*events))

    def snapshot(self, request: httpx.Request) -> httpx.Response:
        with_output = self.snapshot_outputs and request.url.params.get("include_output") == "true"
        events = []
        for i, run_id in enumerate(self.order):
            event = {"type": "task_run.state", "event_id": str(i), "run": self.run(run_id)}
            if with_output and self.status(run_id) == "completed":
                event["output"] = self.output(run_id)
            events.append(event)
        return httpx.Response(200, content=sse(*events))

    def output(self, run_id: str) -> dict[str, Any]:
        return {"type": "json", "content": {"value": f"answer to {self.inputs[run_id]}"}, "basis": []}

    def answer(self, request: httpx.Request) -> httpx.Response:
        run_id = request.url.path.split("/")[-2]
        if self.status(run_id) == "failed":
            return httpx.Response(404, json=error_body("Run failed or run id not found"))
        return httpx.Response(200, json={"run": self.run(run_id), "output": self.output(run_id)})

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def result(self, request: httpx.Request) -> httpx.Response:
        self.enter()
        try:
            time.sleep(0.0005)  # lets concurrent fetches overlap, so the in-flight bound is exercised
            return self.answer(request)
        finally:
            self.leave()

    async def aresult(self, request: httpx.Request) -> httpx.Response:
        self.enter()
        try:
            await asyncio.sleep(0.001)
            return self.answer(request)
        finally:
            self.leave()


def test_batch_of_2500_yields_every_result_once(api: FakeAPI) -> None:
    server = BatchServer(api)
    inputs = [f"company {i}" for i in range(2_500)]
    inputs[1234] = "please fail"
    progress: list[BatchProgress] = []
    client = api.sync_client()
    items = list(
        client.task_groups.run_batch(
            iter(inputs), processor="lite", output=Answer, max_concurrency=8, on_progress=progress.append
        )
    )
    assert [len(b["inputs"]) for b in server.add_bodies] == [1000, 1000, 500]
    assert all(b["default_task_spec"]["output_schema"]["type"] == "json" for b in server.add_bodies)
    assert sorted(item.index for item in items) == list(range(2_500))
    failed = [item for item in items if not item.ok]
    assert [f.index for f in failed] == [1234]
    assert isinstance(failed[0].error, TaskRunFailedError)
    for item in items:
        if item.ok:
            assert item.parsed == Answer(value=f"answer to company {item.index}")
            assert item.result is not None
            assert item.result.output.parsed is item.parsed  # as execute's results read
            assert item.run_id == server.order[item.index]
    assert 1 < server.max_in_flight <= 8
    # Runs ended faster than answers could be fetched one by one: the rest came from one snapshot with outputs.
    fetched = [r for r in api.requests if r.url.path.endswith("/result")]
    snapshots = [r for r in api.requests if r.method == "GET" and r.url.path == f"{BASE}/runs"]
    assert len(fetched) < 500
    assert [r.url.params.get("include_output") for r in snapshots] == ["true"]
    assert progress[-1] == BatchProgress(GROUP, 2_500, 2_499, 1)
    assert progress[0].submitted == 1000


def test_batch_resume_collects_without_submitting(api: FakeAPI) -> None:
    server = BatchServer(api)
    client = api.sync_client()
    list(client.task_groups.run_batch(["a", "b", "fail c"], processor="lite"))
    posts_before = len(api.calls("POST", f"{BASE}/runs")) + len(api.calls("POST", "/v1beta/tasks/groups"))
    items = sorted(client.task_groups.run_batch(taskgroup_id=GROUP), key=lambda i: i.index)
    posts_after = len(api.calls("POST", f"{BASE}/runs")) + len(api.calls("POST", "/v1beta/tasks/groups"))
    assert posts_after == posts_before
    assert [i.ok for i in items] == [True, True, False]
    assert items[0].unwrap().output.content == {"value": "answer to a"}
    assert items[0].unwrap().output.parsed is None  # no output class: nothing parsed, but the field is there
    with pytest.raises(TaskRunFailedError):
        items[2].unwrap()
    assert len(server.order) == 3


def test_batch_accepts_dicts_and_per_input_specs(api: FakeAPI) -> None:
    server = BatchServer(api)
    spec = {"output_schema": {"type": "text", "description": "short"}}
    inputs: list[Any] = [{"company": "Acme"}, TaskRunInput(input="x", processor="core", task_spec=spec)]
    items = list(api.sync_client().task_groups.run_batch(inputs, processor="base"))
    assert server.add_bodies[0]["inputs"] == [
        {"input": {"company": "Acme"}, "processor": "base"},
        {"input": "x", "processor": "core", "task_spec": {"output_schema": {"type": "text", "description": "short"}}},
    ]
    assert "default_task_spec" not in server.add_bodies[0]
    assert {i.index for i in items} == {0, 1}


def test_batch_argument_errors(api: FakeAPI) -> None:
    client = api.sync_client()
    with pytest.raises(ParallelValidationError, match="taskgroup_id"):
        list(client.task_groups.run_batch())
    BatchServer(api)
    with pytest.raises(ParallelValidationError, match="processor"):
        list(client.task_groups.run_batch(["no processor"]))
    with pytest.raises(ParallelValidationError, match="max_concurrency"):
        list(client.task_groups.run_batch(["x"], processor="lite", max_concurrency=0))


def test_async_batch(api: FakeAPI) -> None:
    server = BatchServer(api)
    client = api.async_client()

    async def main() -> list[BatchItem[Any]]:
        return [
            item
            async for item in client.task_groups.run_batch(
                [f"q{i}" for i in range(1_200)] + ["fail"], processor="lite", output=Answer, max_concurrency=4
            )
        ]

    items = asyncio.run(main())
    assert [len(b["inputs"]) for b in server.add_bodies] == [1000, 201]
    assert sorted(i.index for i in items) == list(range(1_201))
    assert [i.index for i in items if not i.ok] == [1_200]
    assert all(item.parsed is not None for item in items if item.ok)


def test_resume_reads_ended_runs_from_one_snapshot(api: FakeAPI) -> None:
    BatchServer(api)
    client = api.sync_client()
    list(client.task_groups.run_batch(["a", "b", "fail c"], processor="lite", output=Answer))
    before = len(api.requests)
    items = sorted(client.task_groups.run_batch(taskgroup_id=GROUP, output=Answer), key=lambda i: i.index)
    resumed = [f"{r.method} {r.url.path}" for r in api.requests[before:]]
    assert resumed == [f"GET {BASE}/runs"]
    assert [i.parsed for i in items] == [Answer(value="answer to a"), Answer(value="answer to b"), None]
    assert isinstance(items[2].error, TaskRunFailedError)


def test_runs_the_events_stream_missed_are_collected_from_a_snapshot(api: FakeAPI, kind: str) -> None:
    BatchServer(api, report_runs=False)
    client = api.client(kind)
    inputs = [f"q{i}" for i in range(30)]
    if kind == "sync":
        items = list(client.task_groups.run_batch(inputs, processor="lite", output=Answer))
    else:

        async def main() -> list[BatchItem[Any]]:
            return [i async for i in client.task_groups.run_batch(inputs, processor="lite", output=Answer)]

        items = asyncio.run(main())
    assert sorted(i.index for i in items) == list(range(30))
    assert all(i.ok for i in items)
    assert not [r for r in api.requests if r.url.path.endswith("/result")]


def test_async_leftover_fetches_stay_bounded(api: FakeAPI) -> None:
    server = BatchServer(api, report_runs=False, snapshot_outputs=False)
    server.asynchronous = True
    client = api.async_client()

    async def main() -> list[BatchItem[Any]]:
        inputs = [f"q{i}" for i in range(60)]
        return [i async for i in client.task_groups.run_batch(inputs, processor="lite", max_concurrency=4)]

    items = asyncio.run(main())
    assert sorted(i.index for i in items) == list(range(60))
    assert 1 < server.max_in_flight <= 4


def test_bad_input_deep_in_a_generator_is_named_by_its_absolute_position(api: FakeAPI) -> None:
    BatchServer(api)
    inputs = (" " if i == 1_500 else f"q{i}" for i in range(2_000))
    with pytest.raises(ParallelValidationError, match=r"inputs\[1500\]\.input"):
        list(api.sync_client().task_groups.run_batch(inputs, processor="lite"))


class Node(BaseModel):
    children: list[Node]


def test_schema_errors_surface_when_run_batch_is_called(api: FakeAPI, kind: str) -> None:
    client = api.client(kind)
    with pytest.raises(SchemaError, match="recursive"):
        client.task_groups.run_batch(["x"], processor="lite", output=Node)
    with pytest.raises(SchemaError, match="input_schema"):
        client.task_groups.run_batch(["x"], processor="lite", input_schema={"type": "array"})
    assert api.requests == []


class Consumer:
    """Runs a batch of ``inputs`` on its own thread (for the async client, on its own event loop), keeping what
    arrives; with ``stop_after``, the loop breaks after that many items."""

    def __init__(self, kind: str, inputs: list[str], stop_after: int | None = None) -> None:
        self.kind = kind
        self.inputs = inputs
        self.stop_after = stop_after
        self.items: list[BatchItem[Any]] = []
        self.error: BaseException | None = None
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self.consume, daemon=True)
        self.thread.start()

    def consume(self) -> None:
        try:
            if self.kind == "sync":
                with ParallelClient() as client:
                    for item in client.task_groups.run_batch(self.inputs, processor="lite"):
                        if self.keep(item):
                            break
            else:
                asyncio.run(self.consume_async())
        except BaseException as exc:
            self.error = exc
        with self.changed:
            self.changed.notify_all()

    async def consume_async(self) -> None:
        async with AsyncParallelClient() as client:
            async for item in client.task_groups.run_batch(self.inputs, processor="lite"):
                if self.keep(item):
                    break

    def keep(self, item: BatchItem[Any]) -> bool:
        with self.changed:
            self.items.append(item)
            self.changed.notify_all()
        return len(self.items) == self.stop_after

    def wait_for(self, count: int) -> list[BatchItem[Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len(self.items) >= count or self.error is not None, timeout=30)
        assert self.error is None
        return list(self.items)

    def join(self) -> None:
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        assert self.error is None


def wait_until(condition: Any) -> None:
    for _ in range(3_000):  # a generous bound (30 s); returns as soon as the condition holds
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the condition never held")


def started_runs(emulator: Any, count: int) -> list[str]:
    """The ids of the ``count`` runs a batch creates, once they exist, on a schedule where they never end alone."""
    wait_until(lambda: len(emulator.runs()) == count)
    return [run.run_id for run in emulator.runs()]


def test_answers_are_handed_over_while_other_runs_go_on(parallel_emulator: Any, kind: str) -> None:
    parallel_emulator.set_schedule(Schedule(queued=0.0, running=float("inf")))
    consumer = Consumer(kind, [f"question {i}" for i in range(5)])
    runs = started_runs(parallel_emulator, 5)
    for run_id in runs[:3]:
        parallel_emulator.complete_run(run_id)
    # Two runs are still running, and no other event comes until they end: the three answers are handed over.
    early = consumer.wait_for(3)
    assert sorted(item.index for item in early) == [0, 1, 2]
    assert all(item.ok for item in early)
    for run_id in runs[3:]:
        parallel_emulator.complete_run(run_id)
    items = consumer.wait_for(5)
    consumer.join()
    assert sorted(item.index for item in items) == list(range(5))
    assert [item.run_id for item in sorted(items, key=lambda i: i.index)] == runs


def test_leaving_a_batch_early_while_runs_go_on_returns(parallel_emulator: Any, kind: str) -> None:
    parallel_emulator.set_schedule(Schedule(queued=0.0, running=float("inf")))
    consumer = Consumer(kind, [f"question {i}" for i in range(4)], stop_after=1)
    runs = started_runs(parallel_emulator, 4)
    parallel_emulator.complete_run(runs[2])
    # The loop breaks after the first item, with the events stream open and three runs running: closing the batch
    # (and then the client) neither waits for them nor fails.
    consumer.join()
    assert [(item.index, item.ok) for item in consumer.items] == [(2, True)]
    assert len(parallel_emulator.requests("GET", f"/v1/tasks/runs/{runs[2]}/result")) == 1


LEAVE_EARLY_AND_EXIT = """
import sys
from parallel_integrations import ParallelClient

client = ParallelClient(api_key="k", base_url=sys.argv[1])  # never closed, as in many a script
for item in client.task_groups.run_batch([f"question {i}" for i in range(3)], processor="lite"):
    print(item.index, flush=True)
    break
print("left", flush=True)
"""


def test_a_program_that_leaves_a_batch_early_exits_while_fetches_are_in_flight(parallel_emulator: Any) -> None:
    # Every run ends at once, but the first answer read takes a minute to come back: the loop leaves after the
    # answer of a run whose read was not slowed, with the slow read still in flight. The program (which never closes
    # its client) must exit without waiting for it.
    parallel_emulator.set_schedule(Schedule(queued=0.0, running=0.0))
    parallel_emulator.add_fault(Fault.slow("GET /v1/tasks/runs/*/result", 60.0, times=1))
    process = subprocess.Popen(
        [sys.executable, "-c", LEAVE_EARLY_AND_EXIT, parallel_emulator.base_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=40)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert stdout.split()[-1] == "left"
    assert any(record.path.endswith("/result") for record in parallel_emulator.requests("GET"))
