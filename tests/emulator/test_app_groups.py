"""Task groups over real HTTP: create, add runs, retrieve, the /runs snapshot and the /events stream (replay,
live follow, resume, close), and the per-run event stream. SSE is checked on the raw wire."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from parallel_integrations.emulator import Schedule, serve

GROUP_ID = re.compile(r"^tgrp_[0-9a-f]{32}$")
PREFIXES = ["/v1beta/tasks/groups", "/v1/tasks/groups"]
MANUAL = Schedule(queued=0, running=float("inf"))  # runs start at once and never finish on their own
HELD = Schedule(queued=float("inf"), running=0)  # runs stay queued until finished by hand


@pytest.fixture(params=PREFIXES)
def prefix(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def parse_sse(lines: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Events and keep-alive count from raw lines, checking the wire rules: an ``event:`` line naming
    ``data.type``, exactly one ``data:`` line of JSON, a blank line; comments only as ``: keepalive``."""
    events: list[dict[str, Any]] = []
    keepalives = 0
    block: list[str] = []
    for line in [*lines, ""]:
        if line:
            block.append(line)
            continue
        if not block:
            continue
        if block == [": keepalive"]:
            keepalives += 1
        else:
            assert len(block) == 2, block
            assert block[0].startswith("event: "), block
            assert block[1].startswith("data: "), block
            data = json.loads(block[1][len("data: ") :])
            assert block[0] == f"event: {data['type']}"
            events.append(data)
        block = []
    assert not any(line.startswith("id:") for line in lines)
    return events, keepalives


def stream(client: httpx.Client, url: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    with client.stream("GET", url, params=params, headers={"accept": "text/event-stream"}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_sse(list(response.iter_lines()))


def new_group(client: httpx.Client, prefix: str, **body: Any) -> str:
    response = client.post(prefix, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["taskgroup_id"])


def add_runs(client: httpx.Client, prefix: str, gid: str, inputs: list[Any], **body: Any) -> dict[str, Any]:
    runs = [i if isinstance(i, dict) else {"input": i, "processor": "lite"} for i in inputs]
    response = client.post(f"{prefix}/{gid}/runs", json={"inputs": runs, **body})
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_idle(client: httpx.Client, prefix: str, gid: str) -> list[dict[str, Any]]:
    return stream(client, f"{prefix}/{gid}/events")[0]


# --- create, retrieve, add runs -------------------------------------------------------------------------------


def test_create_group_answers_200_with_an_empty_inactive_status(client, prefix):
    response = client.post(prefix, json={"metadata": {"batch": "1"}})
    assert response.status_code == 200
    group = response.json()
    assert set(group) == {"taskgroup_id", "status", "metadata", "created_at"}
    assert GROUP_ID.match(group["taskgroup_id"])
    assert group["metadata"] == {"batch": "1"}
    assert group["status"] == {
        "num_task_runs": 0,
        "task_run_status_counts": {},
        "is_active": False,
        "status_message": None,
        "modified_at": group["created_at"],
    }
    assert client.post(prefix).status_code == 200  # no body at all is an empty request
    assert client.get(f"{prefix}/{group['taskgroup_id']}").json() == group


def test_add_runs_returns_run_ids_in_order_with_null_cursors_for_the_first_batch(client, prefix):
    gid = new_group(client, prefix)
    first = add_runs(client, prefix, gid, ["a", "b", "c"])
    assert len(first["run_ids"]) == 3
    assert first["run_cursor"] is None
    assert first["event_cursor"] is None
    assert first["status"]["num_task_runs"] == 3
    assert first["status"]["is_active"]
    second = add_runs(client, prefix, gid, ["d"])
    assert second["run_cursor"] == "3"
    assert second["event_cursor"] is not None
    for run_id in first["run_ids"]:
        run = client.get(f"{prefix}/{gid}/runs/{run_id}").json()
        assert run["taskgroup_id"] == gid
        assert "task_group_id" not in run


def test_group_status_counts_runs_by_status_and_ends_inactive(client, prefix):
    gid = new_group(client, prefix)
    add_runs(client, prefix, gid, ["a", "b"])
    wait_idle(client, prefix, gid)
    status = client.get(f"{prefix}/{gid}").json()["status"]
    assert status["num_task_runs"] == 2
    assert status["task_run_status_counts"] == {"completed": 2}
    assert status["is_active"] is False


def test_a_default_task_spec_applies_to_runs_without_one_and_shows_in_their_input(client, prefix):
    gid = new_group(client, prefix)
    default = {
        "output_schema": {
            "type": "json",
            "json_schema": {
                "type": "object",
                "properties": {"answer": {"type": "string"}},
                "required": ["answer"],
                "additionalProperties": False,
            },
        }
    }
    own = {"output_schema": "One sentence."}
    ids = add_runs(
        client,
        prefix,
        gid,
        [{"input": "a", "processor": "base"}, {"input": "b", "processor": "base", "task_spec": own}],
        default_task_spec=default,
    )["run_ids"]
    inputs = [client.get(f"/v1/tasks/runs/{run_id}/input").json() for run_id in ids]
    assert inputs[0]["task_spec"] == default
    assert inputs[1]["task_spec"] == own
    outputs = [client.get(f"/v1/tasks/runs/{run_id}/result").json()["output"] for run_id in ids]
    assert outputs[0]["type"] == "json"
    assert set(outputs[0]["content"]) == {"answer"}
    assert outputs[1]["type"] == "text"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "inputs"]),
        ({"inputs": "a"}, ["body", "inputs"]),
        ({"inputs": []}, ["body", "inputs"]),
        ({"inputs": [{"input": "a", "processor": "lite"}] * 1001}, ["body", "inputs"]),
        (
            {"inputs": [{"input": "a", "processor": "lite"}, {"input": "b", "processor": "warp"}]},
            ["body", "inputs", 1, "processor"],
        ),
        ({"inputs": [{"processor": "lite"}]}, ["body", "inputs", 0, "input"]),
        (
            {"inputs": [{"input": "a", "processor": "lite", "metadata": {"k": "v" * 600}}]},
            ["body", "inputs", 0, "metadata", "k"],
        ),
        (
            {
                "inputs": [{"input": "a", "processor": "lite"}],
                "default_task_spec": {"output_schema": {"type": "json", "json_schema": {"type": "string"}}},
            },
            ["body", "default_task_spec", "output_schema", "json_schema"],
        ),
    ],
)
def test_add_runs_validation_is_a_fastapi_style_422(client, prefix, body, loc):
    gid = new_group(client, prefix)
    response = client.post(f"{prefix}/{gid}/runs", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail[0]["loc"] == loc
    assert detail[0]["msg"]
    assert detail[0]["type"]
    assert client.get(f"{prefix}/{gid}").json()["status"]["num_task_runs"] == 0


def test_create_group_validation_is_a_fastapi_style_422(client, prefix):
    response = client.post(prefix, json={"metadata": {"much_too_long_key_name": "v"}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "metadata", "much_too_long_key_name"]


def test_unknown_groups_and_foreign_runs_answer_404(client, prefix):
    unknown = "tgrp_0123456789abcdef0123456789abcdef"
    for response in (
        client.get(f"{prefix}/{unknown}"),
        client.post(f"{prefix}/{unknown}/runs", json={"inputs": [{"input": "a", "processor": "lite"}]}),
        client.get(f"{prefix}/{unknown}/runs"),
        client.get(f"{prefix}/{unknown}/events"),
        client.get(f"{prefix}/{unknown}/runs/trun_x"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "TaskGroup not found"
    mine, other = new_group(client, prefix), new_group(client, prefix)
    run_id = add_runs(client, prefix, other, ["a"])["run_ids"][0]
    response = client.get(f"{prefix}/{mine}/runs/{run_id}")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Run id not found"


# --- the /runs snapshot ---------------------------------------------------------------------------------------


def test_runs_stream_is_a_finite_snapshot_in_cursor_order_even_while_runs_are_active(client, prefix, parallel_emulator):
    parallel_emulator.set_schedule(MANUAL)
    gid = new_group(client, prefix)
    ids = add_runs(client, prefix, gid, ["a", "b", "c"])["run_ids"]
    events, _ = stream(client, f"{prefix}/{gid}/runs")
    assert [e["run"]["run_id"] for e in events] == ids
    assert [e["event_id"] for e in events] == ["1", "2", "3"]
    assert all(e["type"] == "task_run.state" and e["input"] is None and e["output"] is None for e in events)
    assert {e["run"]["status"] for e in events} == {"running"}


def test_runs_stream_filters_by_status_and_includes_input_and_output_when_asked(client, prefix, parallel_emulator):
    gid = new_group(client, prefix)
    done = add_runs(client, prefix, gid, ["What is a generator?", "What is a coroutine?"])["run_ids"]
    wait_idle(client, prefix, gid)
    parallel_emulator.set_schedule(MANUAL)
    active = add_runs(client, prefix, gid, ["What is a context manager?"])["run_ids"]

    completed, _ = stream(
        client, f"{prefix}/{gid}/runs", status="completed", include_input="true", include_output="true"
    )
    assert [e["run"]["run_id"] for e in completed] == done
    assert completed[0]["input"] == {"input": "What is a generator?", "processor": "lite"}
    assert completed[0]["output"]["type"] == "text"
    assert completed[0]["output"]["content"]

    everything, _ = stream(client, f"{prefix}/{gid}/runs", include_output="true")
    assert [e["run"]["run_id"] for e in everything] == done + active
    assert everything[-1]["output"] is None  # only completed runs carry an output
    assert everything[-1]["input"] is None


def test_runs_stream_resumes_after_last_event_id_and_from_a_batch_run_cursor(client, prefix):
    gid = new_group(client, prefix)
    first = add_runs(client, prefix, gid, ["a", "b"])["run_ids"]
    second = add_runs(client, prefix, gid, ["c", "d"])
    after_one, _ = stream(client, f"{prefix}/{gid}/runs", last_event_id="1")
    assert [e["run"]["run_id"] for e in after_one] == [first[1], *second["run_ids"]]
    from_batch, _ = stream(client, f"{prefix}/{gid}/runs", last_event_id=second["run_cursor"])
    assert [e["run"]["run_id"] for e in from_batch] == second["run_ids"]


@pytest.mark.parametrize(("param", "value"), [("status", "done"), ("include_input", "maybe"), ("last_event_id", "x")])
def test_runs_stream_query_validation_is_a_fastapi_style_422(client, prefix, param, value):
    gid = new_group(client, prefix)
    response = client.get(f"{prefix}/{gid}/runs", params={param: value})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", param]


# --- the /events stream ---------------------------------------------------------------------------------------


def test_events_replay_from_the_start_and_close_after_the_final_status(client, prefix):
    gid = new_group(client, prefix)
    ids = add_runs(client, prefix, gid, ["a", "b", "c"])["run_ids"]
    live = wait_idle(client, prefix, gid)
    replay, _ = stream(client, f"{prefix}/{gid}/events")
    assert replay == live
    assert [e["event_id"] for e in replay] == [str(i) for i in range(1, len(replay) + 1)]
    assert replay[0]["type"] == "task_group_status"
    assert replay[0]["status"]["num_task_runs"] == 3
    finished = [e for e in replay if e["type"] == "task_run.state"]
    assert sorted(e["run"]["run_id"] for e in finished) == sorted(ids)
    assert all(e["run"]["status"] == "completed" and e["input"] is None and e["output"] is None for e in finished)
    assert replay[-1]["type"] == "task_group_status"
    assert replay[-1]["status"]["is_active"] is False
    assert replay[-1]["status"]["task_run_status_counts"] == {"completed": 3}


def test_events_follow_live_until_the_group_is_idle(client, prefix, parallel_emulator):
    parallel_emulator.set_schedule(HELD)
    gid = new_group(client, prefix)
    ids = add_runs(client, prefix, gid, ["a", "b"])["run_ids"]
    received: list[dict[str, Any]] = []
    with client.stream("GET", f"{prefix}/{gid}/events") as response:
        lines = response.iter_lines()
        for line in lines:
            if line.startswith("data: "):
                received.append(json.loads(line[6:]))
                if len(received) == 1:  # the opening status is there: finish the runs now, one by one
                    parallel_emulator.complete_run(ids[0])
                elif received[-1]["type"] == "task_group_status" and received[-1]["status"]["is_active"]:
                    parallel_emulator.fail_run(ids[1], "gave up")
    kinds = [(e["type"], e.get("run", {}).get("status")) for e in received]
    assert kinds == [
        ("task_group_status", None),
        ("task_run.state", "completed"),
        ("task_group_status", None),
        ("task_run.state", "failed"),
        ("task_group_status", None),
    ]
    assert received[3]["run"]["error"]["message"] == "gave up"
    assert received[-1]["status"]["task_run_status_counts"] == {"completed": 1, "failed": 1}


def test_events_resume_after_last_event_id_without_gaps_or_duplicates(client, prefix):
    gid = new_group(client, prefix)
    first = add_runs(client, prefix, gid, ["a", "b"])
    second = add_runs(client, prefix, gid, ["c"])
    full = wait_idle(client, prefix, gid)
    for cut in range(len(full)):
        resumed, _ = stream(client, f"{prefix}/{gid}/events", last_event_id=full[cut]["event_id"])
        assert full[: cut + 1] + resumed == full
    from_second, _ = stream(client, f"{prefix}/{gid}/events", last_event_id=second["event_cursor"])
    assert from_second[0]["type"] == "task_group_status"
    assert from_second[0]["status"]["num_task_runs"] == 3
    assert first["event_cursor"] is None


def test_events_on_an_empty_group_send_one_status_and_close(client, prefix):
    gid = new_group(client, prefix)
    events, _ = stream(client, f"{prefix}/{gid}/events")
    assert [(e["type"], e["event_id"], e["status"]["num_task_runs"]) for e in events] == [("task_group_status", "0", 0)]


def test_events_stream_sends_keepalive_comments_and_honours_timeout():
    with (
        serve(schedule=HELD, keepalive=0.05) as emulator,
        httpx.Client(base_url=emulator.base_url, headers={"x-api-key": "k"}, timeout=10) as c,
    ):
        gid = new_group(c, "/v1/tasks/groups")
        add_runs(c, "/v1/tasks/groups", gid, ["a"])
        events, keepalives = stream(c, f"/v1/tasks/groups/{gid}/events", timeout="0.25")
        assert keepalives >= 2
        assert [e["type"] for e in events] == ["task_group_status"]  # the stream ended at its timeout


# --- the per-run event stream ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/tasks/runs/{}/events", "/v1beta/tasks/runs/{}/events"])
def test_run_events_replay_progress_and_end_with_the_output(client, path):
    run = client.post("/v1/tasks/runs", json={"input": "How do generators work?", "processor": "pro"}).json()
    events, _ = stream(client, path.format(run["run_id"]))
    types = [e["type"] for e in events]
    assert types[0] == "task_run.state"
    assert events[0]["run"]["status"] == "queued"
    assert "task_run.progress_stats" in types
    assert any(t.startswith("task_run.progress_msg.") for t in types)
    stats = [e for e in events if e["type"] == "task_run.progress_stats"]
    assert stats[-1]["source_stats"]["sources_read_sample"][0].startswith("https://")
    assert 0 <= stats[0]["progress_meter"] <= stats[-1]["progress_meter"] <= 100
    final = events[-1]
    assert final["type"] == "task_run.state"
    assert final["run"]["status"] == "completed"
    assert final["output"]["type"] == "json"  # pro with no task spec: auto


def test_run_events_for_a_run_without_events_enabled_carry_only_its_states(client):
    run = client.post(
        "/v1/tasks/runs", json={"input": "What is a closure?", "processor": "core", "enable_events": False}
    ).json()
    events, _ = stream(client, f"/v1/tasks/runs/{run['run_id']}/events")
    assert [(e["type"], e["run"]["status"]) for e in events] == [
        ("task_run.state", "queued"),
        ("task_run.state", "completed"),
    ]
    assert events[-1]["output"]["type"] == "text"


def test_run_events_for_an_unknown_run_answer_404(client):
    response = client.get("/v1/tasks/runs/trun_0123456789abcdef0123456789abcdef/events")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Run id not found"
