"""Task groups: the six operations, chunked add_runs with reconciliation, and SSE streams with resumption."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from parallel_integrations import (
    RunCreationUncertainError,
    StreamError,
    TaskGroupStatusEvent,
    TaskRunEvent,
    TaskRunInput,
    UnknownEvent,
)
from tests.fakes import CutStream, FakeAPI, call, collect, error_body, run_json, sse

GROUP = "tgrp_" + "b" * 32
BASE = f"/v1beta/tasks/groups/{GROUP}"


def status(count: int, active: bool = True) -> dict[str, Any]:
    return {
        "num_task_runs": count,
        "task_run_status_counts": {"queued": count} if count else {},
        "is_active": active,
        "status_message": None,
        "modified_at": "2025-07-02T00:00:00.000000Z",
    }


def group_json(count: int = 0, active: bool = False) -> dict[str, Any]:
    return {
        "taskgroup_id": GROUP,
        "status": status(count, active),
        "metadata": None,
        "created_at": "2025-07-02T00:00:00.000000Z",
    }


class GroupServer:
    """Accepts add-runs requests, numbering runs; can fail a request after (or before) storing its runs."""

    def __init__(self, api: FakeAPI) -> None:
        self.runs: list[str] = []
        self.bodies: list[dict[str, Any]] = []
        self.fail_after_store: list[int] = []
        self.fail_before_store: list[int] = []
        self.broken_body: list[int] = []
        api.on("POST", f"{BASE}/runs", self.add)
        api.on("GET", BASE, lambda r: httpx.Response(200, json=group_json(len(self.runs), True)))
        api.on("GET", f"{BASE}/runs", self.snapshot)

    def add(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        attempt = len(self.bodies)
        if attempt in self.fail_before_store:
            return httpx.Response(502, json=error_body("bad gateway"))
        first = len(self.runs)
        ids = [f"trun_{first + i:032x}" for i in range(len(body["inputs"]))]
        self.runs.extend(ids)
        if attempt in self.fail_after_store:
            raise httpx.ReadTimeout("answer lost")
        if attempt in self.broken_body:
            return httpx.Response(200, content=b'{"status": {"num_task_runs": ')  # cut by a proxy
        cursor = None if first == 0 else str(first)
        return httpx.Response(
            200, json={"status": status(len(self.runs)), "run_ids": ids, "run_cursor": cursor, "event_cursor": cursor}
        )

    def snapshot(self, request: httpx.Request) -> httpx.Response:
        events = [
            {"type": "task_run.state", "event_id": str(i + 1), "run": run_json(run_id), "input": None, "output": None}
            for i, run_id in enumerate(self.runs)
        ]
        return httpx.Response(200, content=sse(*events), headers={"content-type": "text/event-stream"})


def test_create_retrieve_and_retrieve_run(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1beta/tasks/groups", httpx.Response(200, json=group_json()))
    api.on("GET", BASE, httpx.Response(200, json=group_json(3, True)))
    api.on("GET", f"{BASE}/runs/trun_1", httpx.Response(200, json=run_json("trun_1", taskgroup_id=GROUP)))
    client = api.client(kind)
    created = call(client.task_groups.create(metadata={"project": "demo"}))
    assert created.taskgroup_id == GROUP
    assert json.loads(api.requests[0].content) == {"metadata": {"project": "demo"}}
    assert call(client.task_groups.retrieve(GROUP)).status.num_task_runs == 3
    assert call(client.task_groups.retrieve_run(GROUP, "trun_1")).taskgroup_id == GROUP


def test_current_endpoints_use_v1_group_paths(api: FakeAPI) -> None:
    api.on("POST", "/v1/tasks/groups", httpx.Response(200, json=group_json()))
    api.sync_client(endpoints="current").task_groups.create()
    assert api.requests[0].url.path == "/v1/tasks/groups"


def test_add_runs_chunks_by_1000_in_input_order(api: FakeAPI, kind: str) -> None:
    server = GroupServer(api)
    inputs: list[Any] = [{"input": f"company {i}", "processor": "lite"} for i in range(2_499)]
    inputs.append(TaskRunInput(input="last", processor="base"))
    spec = {"output_schema": {"type": "text", "description": "one line"}}
    response = call(api.client(kind).task_groups.add_runs(GROUP, inputs, default_task_spec=spec))
    assert [len(b["inputs"]) for b in server.bodies] == [1000, 1000, 500]
    assert all(b["default_task_spec"] == spec for b in server.bodies)
    assert response.run_ids == server.runs
    assert len(response.run_ids) == 2_500
    assert server.bodies[2]["inputs"][-1] == {"input": "last", "processor": "base"}
    assert response.run_cursor is None
    assert response.status.num_task_runs == 2_500


def test_add_runs_validates_every_input_first(api: FakeAPI) -> None:
    GroupServer(api)
    inputs = [{"input": "ok", "processor": "lite"}] * 1500 + [
        {"input": "x", "processor": "lite", "metadata": {"k": "v" * 600}}
    ]
    with pytest.raises(ValueError, match=r"inputs\[1500\]\.metadata\.k"):
        api.sync_client().task_groups.add_runs(GROUP, inputs)
    assert api.requests == []


def test_add_runs_that_landed_are_not_resent(api: FakeAPI, kind: str) -> None:
    server = GroupServer(api)
    server.fail_after_store = [2]
    inputs = [{"input": f"q{i}", "processor": "lite"} for i in range(1_500)]
    response = call(api.client(kind).task_groups.add_runs(GROUP, inputs))
    assert len(server.bodies) == 2
    assert response.run_ids == server.runs
    assert len(server.runs) == 1_500


def test_add_runs_whose_success_body_is_broken_keep_their_run_ids(api: FakeAPI, kind: str) -> None:
    server = GroupServer(api)
    server.broken_body = [1]
    inputs = [{"input": f"q{i}", "processor": "lite"} for i in range(3)]
    response = call(api.client(kind).task_groups.add_runs(GROUP, inputs))
    assert len(server.bodies) == 1  # a 2xx means the runs landed: never re-sent
    assert response.run_ids == server.runs
    assert len(server.runs) == 3


def test_add_runs_that_did_not_land_are_resent(api: FakeAPI, kind: str) -> None:
    server = GroupServer(api)
    server.fail_before_store = [1]
    response = call(api.client(kind).task_groups.add_runs(GROUP, [{"input": "q", "processor": "lite"}]))
    assert len(server.bodies) == 2
    assert response.run_ids == server.runs
    assert len(server.runs) == 1


def test_add_runs_gives_up_with_what_was_sent(api: FakeAPI) -> None:
    server = GroupServer(api)
    server.fail_before_store = [1, 2, 3, 4]
    with pytest.raises(RunCreationUncertainError) as info:
        api.sync_client(max_retries=1).task_groups.add_runs(GROUP, [{"input": "q", "processor": "lite"}])
    assert [r.input for r in info.value.request] == ["q"]  # type: ignore[union-attr]
    assert server.runs == []


# --- streams --------------------------------------------------------------------------------------------------


def run_event(n: int, state: str = "completed") -> dict[str, Any]:
    return {
        "type": "task_run.state",
        "event_id": str(n),
        "run": run_json(f"trun_{n:032x}", state),
        "input": None,
        "output": None,
    }


def status_event(n: int, active: bool) -> dict[str, Any]:
    return {"type": "task_group_status", "event_id": str(n), "status": status(3, active)}


def test_stream_runs_is_typed_and_passes_filters(api: FakeAPI, kind: str) -> None:
    body = sse(run_event(1), {"type": "task_run.progress_msg.new_kind", "message": "hi"}, run_event(2), comment=True)
    api.on("GET", f"{BASE}/runs", httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))
    stream = api.client(kind).task_groups.stream_runs(
        GROUP, status="completed", include_input=True, include_output=True, last_event_id="0"
    )
    events = collect(stream)
    assert [type(e).__name__ for e in events] == ["TaskRunEvent", "TaskRunProgressMessageEvent", "TaskRunEvent"]
    params = api.requests[0].url.params
    assert dict(params) == {
        "status": "completed",
        "include_input": "true",
        "include_output": "true",
        "last_event_id": "0",
    }
    assert api.requests[0].headers["accept"] == "text/event-stream"


def test_stream_events_resumes_after_a_cut_exactly_once(api: FakeAPI, kind: str) -> None:
    first = CutStream([sse(status_event(1, True), run_event(2))[:-30], sse(run_event(2))[-30:] + sse(run_event(3))])
    second = CutStream([sse(run_event(4), status_event(5, False))], cut=False)
    api.on("GET", f"{BASE}/events", httpx.Response(200, stream=first), httpx.Response(200, stream=second))
    events = collect(api.client(kind).task_groups.stream_events(GROUP))
    assert [e.event_id for e in events] == ["1", "2", "3", "4", "5"]
    assert "last_event_id" not in api.requests[0].url.params
    assert api.requests[1].url.params["last_event_id"] == "3"
    assert isinstance(events[-1], TaskGroupStatusEvent)
    assert not events[-1].status.is_active


def test_stream_events_reconnects_when_closed_while_active(api: FakeAPI) -> None:
    api.on(
        "GET",
        f"{BASE}/events",
        httpx.Response(200, content=sse(status_event(1, True), run_event(2))),
        httpx.Response(200, content=sse(run_event(3), status_event(4, False))),
    )
    events = collect(api.sync_client().task_groups.stream_events(GROUP, last_event_id="0"))
    assert [e.event_id for e in events] == ["1", "2", "3", "4"]
    assert [r.url.params["last_event_id"] for r in api.requests] == ["0", "2"]


def test_stream_error_event_raises(api: FakeAPI, kind: str) -> None:
    body = sse(run_event(1), {"type": "error", "error": {"ref_id": "r1", "message": "stream broke"}})
    api.on("GET", f"{BASE}/events", httpx.Response(200, content=body))
    with pytest.raises(StreamError, match="stream broke"):
        collect(api.client(kind).task_groups.stream_events(GROUP))


def test_stream_gives_up_after_repeated_cuts(api: FakeAPI) -> None:
    api.on("GET", f"{BASE}/events", lambda r: httpx.Response(200, stream=CutStream([b": ping\n\n"])))
    from parallel_integrations import APIConnectionError

    with pytest.raises(APIConnectionError):
        collect(api.sync_client(max_retries=2).task_groups.stream_events(GROUP))
    assert len(api.requests) == 3


def test_leaving_the_loop_closes_the_connection(api: FakeAPI, kind: str) -> None:
    body = CutStream([sse(run_event(1)), sse(run_event(2)), sse(run_event(3))], cut=False)
    api.on("GET", f"{BASE}/events", httpx.Response(200, stream=body))
    events = collect(api.client(kind).task_groups.stream_events(GROUP), limit=1)
    assert len(events) == 1
    assert body.closed


def test_unknown_event_types_are_kept(api: FakeAPI) -> None:
    body = sse({"type": "task_group.something_new", "event_id": "9", "extra": [1]}, status_event(10, False))
    api.on("GET", f"{BASE}/events", httpx.Response(200, content=body))
    events = collect(api.sync_client().task_groups.stream_events(GROUP))
    assert isinstance(events[0], UnknownEvent)
    assert events[0].model_extra == {"extra": [1]}


def test_run_stream_events_sends_beta_and_is_not_resumed(api: FakeAPI, kind: str) -> None:
    run = "trun_" + "c" * 32
    final = {
        "type": "task_run.state",
        "event_id": None,
        "run": run_json(run, "completed"),
        "output": {"type": "text", "content": "done", "basis": []},
    }
    progress = {"type": "task_run.progress_stats", "source_stats": {"num_sources_read": 3}, "progress_meter": 50}
    api.on("GET", f"/v1beta/tasks/runs/{run}/events", httpx.Response(200, content=sse(progress, final)))
    events = collect(api.client(kind).task_runs.stream_events(run))
    assert events[0].progress_meter == 50
    assert isinstance(events[1], TaskRunEvent)
    assert events[1].output is not None
    assert api.requests[0].headers["parallel-beta"] == "events-sse-2025-07-24"


def test_opening_a_stream_retries_server_errors(api: FakeAPI, kind: str) -> None:
    api.on(
        "GET",
        f"{BASE}/events",
        httpx.Response(503, headers={"retry-after": "2"}, json=error_body("busy")),
        httpx.Response(200, content=sse(status_event(1, False))),
    )
    events = collect(api.client(kind).task_groups.stream_events(GROUP))
    assert [e.event_id for e in events] == ["1"]
    assert api.clock.sleeps == [2.0]
