"""Faults on demand, scripted answers, the /_emulator control routes and the state file, over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from parallel_integrations.emulator import Fault, Schedule, serve

FAST = Schedule(queued=0.01, running=0.04)
RUN = {"input": "What is a decorator?", "processor": "lite"}


def data_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines():
        if line.startswith("data: "):
            yield json.loads(line[6:])


def group_with_runs(client: httpx.Client, n: int) -> str:
    gid = str(client.post("/v1/tasks/groups", json={}).json()["taskgroup_id"])
    client.post(f"/v1/tasks/groups/{gid}/runs", json={"inputs": [RUN] * n})
    return gid


# --- faults ---------------------------------------------------------------------------------------------------


def test_an_error_fault_answers_its_status_for_the_next_n_requests_with_retry_after(client, parallel_emulator):
    parallel_emulator.add_fault(Fault.error("POST /v1/tasks/runs", 503, times=2, retry_after=1))
    answers = [client.post("/v1/tasks/runs", json=RUN) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 202]
    assert answers[0].headers["retry-after"] == "1"
    assert answers[0].json()["type"] == "error"
    assert answers[0].json()["error"]["message"] == "Service unavailable"
    assert len(parallel_emulator.runs()) == 1  # the faulted requests were not handled
    log = parallel_emulator.requests("POST", "/v1/tasks/runs")
    assert [(r.status, r.fault) for r in log] == [(503, "POST /v1/tasks/runs")] * 2 + [(202, None)]


def test_a_429_fault_carries_the_documented_message(client, parallel_emulator):
    parallel_emulator.add_fault(Fault.error("POST /v1/search", 429, retry_after=0.5))
    response = client.post("/v1/search", json={"search_queries": ["lambda"]})
    assert response.status_code == 429
    assert response.headers["retry-after"] == "0.5"
    assert response.json()["error"]["message"] == "Too many requests: quota temporarily exceeded"


def test_fault_routes_match_one_path_segment_per_star_and_leave_other_routes_alone(client, parallel_emulator):
    gid = group_with_runs(client, 1)
    parallel_emulator.add_fault(Fault.error("GET /v1/tasks/groups/*", 500, times=None))
    assert client.get(f"/v1/tasks/groups/{gid}").status_code == 500
    assert client.get(f"/v1/tasks/groups/{gid}").status_code == 500
    assert client.get(f"/v1/tasks/groups/{gid}/events").status_code == 200  # more segments: no match
    assert client.post("/v1/tasks/groups", json={}).status_code == 200  # other method: no match


def test_a_latency_fault_delays_the_answer(client, parallel_emulator):
    parallel_emulator.add_fault(Fault.slow("GET /v1/tasks/runs/*", 2.0, times=1))
    run_id = client.post("/v1/tasks/runs", json=RUN).json()["run_id"]
    with pytest.raises(httpx.ReadTimeout):
        client.get(f"/v1/tasks/runs/{run_id}", timeout=0.2)
    assert client.get(f"/v1/tasks/runs/{run_id}").status_code == 200  # used up: no delay any more


def test_a_cut_stream_drops_the_connection_after_n_events_and_a_resume_gets_the_rest(client, parallel_emulator):
    gid = group_with_runs(client, 2)
    full = list(data_events(client.get(f"/v1/tasks/groups/{gid}/events")))
    assert len(full) > 3
    parallel_emulator.add_fault(Fault.cut_stream("GET /v1/tasks/groups/*/events", after_events=2))
    received: list[dict[str, Any]] = []
    with pytest.raises(httpx.RemoteProtocolError), client.stream("GET", f"/v1/tasks/groups/{gid}/events") as r:
        received.extend(data_events(r))
    assert received == full[:2]
    with client.stream(
        "GET", f"/v1/tasks/groups/{gid}/events", params={"last_event_id": received[-1]["event_id"]}
    ) as r:
        received.extend(data_events(r))
    assert received == full


def test_reached_the_server_mode_creates_the_run_then_drops_the_connection(client, parallel_emulator):
    parallel_emulator.add_fault(Fault.after_handling("POST /v1/tasks/runs"))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v1/tasks/runs", json=RUN)
    runs = parallel_emulator.runs()
    assert len(runs) == 1  # the paid work happened even though the client saw no answer
    assert parallel_emulator.run_input(runs[0].run_id) == RUN
    assert client.post("/v1/tasks/runs", json=RUN).status_code == 202  # the fault is used up


def test_reached_the_server_mode_can_answer_a_status_after_handling(client, parallel_emulator):
    gid = str(client.post("/v1/tasks/groups", json={}).json()["taskgroup_id"])
    parallel_emulator.add_fault(Fault.after_handling("POST /v1/tasks/groups/*/runs", status=502))
    response = client.post(f"/v1/tasks/groups/{gid}/runs", json={"inputs": [RUN] * 3})
    assert response.status_code == 502
    assert client.get(f"/v1/tasks/groups/{gid}").json()["status"]["num_task_runs"] == 3


def test_faults_can_be_listed_and_cleared(parallel_emulator):
    fault = parallel_emulator.add_fault(Fault.error("POST /v1/search", 500, times=3))
    assert parallel_emulator.app.context.faults.pending() == [fault]
    parallel_emulator.clear_faults()
    assert parallel_emulator.app.context.faults.pending() == []


@pytest.mark.parametrize(
    "kwargs",
    [{"route": "/v1/search"}, {"route": "POST v1/search", "status": 500}, {"status": 99}, {"status": 500, "times": 0}],
)
def test_a_fault_that_cannot_fire_is_refused(kwargs):
    with pytest.raises(ValueError, match="Fault"):
        Fault(**kwargs)


# --- scripted answers -----------------------------------------------------------------------------------------


def test_a_scripted_text_answer_is_returned_exactly(client, parallel_emulator):
    parallel_emulator.script_output(
        "What is 2+2?",
        "4",
        basis=[
            {
                "field": "output",
                "reasoning": "Arithmetic.",
                "citations": [{"url": "https://example.com/math"}],
                "confidence": "high",
            }
        ],
    )
    run_id = client.post("/v1/tasks/runs", json={"input": "What is 2+2?", "processor": "base"}).json()["run_id"]
    output = client.get(f"/v1/tasks/runs/{run_id}/result").json()["output"]
    assert output["type"] == "text"
    assert output["content"] == "4"
    assert output["basis"][0]["citations"][0]["url"] == "https://example.com/math"


def test_a_scripted_json_answer_matches_on_an_object_input_and_processor(client, parallel_emulator):
    question = {"company": "Acme", "year": 2024}
    parallel_emulator.script_output(question, {"revenue": 12}, processor="core")
    runs = [
        client.post("/v1/tasks/runs", json={"input": question, "processor": p}).json()["run_id"]
        for p in ("core", "base")
    ]
    outputs = [client.get(f"/v1/tasks/runs/{r}/result").json()["output"] for r in runs]
    assert outputs[0]["content"] == {"revenue": 12}
    assert [b["field"] for b in outputs[0]["basis"]] == ["revenue"]
    assert outputs[1]["type"] == "text"  # another processor: the script does not apply


def test_a_script_for_any_input_used_once(client, parallel_emulator):
    parallel_emulator.script_failure(None, "quota exhausted upstream", times=1)
    first, second = (client.post("/v1/tasks/runs", json=RUN).json()["run_id"] for _ in range(2))
    assert client.get(f"/v1/tasks/runs/{first}/result").status_code == 404
    assert client.get(f"/v1/tasks/runs/{first}").json()["error"]["message"] == "quota exhausted upstream"
    assert client.get(f"/v1/tasks/runs/{second}/result").status_code == 200


def test_scripts_apply_to_runs_added_to_groups(client, parallel_emulator):
    parallel_emulator.script_output("scripted", "from the script")
    gid = str(client.post("/v1/tasks/groups", json={}).json()["taskgroup_id"])
    run_ids = client.post(
        f"/v1/tasks/groups/{gid}/runs", json={"inputs": [{"input": "scripted", "processor": "lite"}, RUN]}
    ).json()["run_ids"]
    contents = [client.get(f"/v1/tasks/runs/{r}/result").json()["output"]["content"] for r in run_ids]
    assert contents[0] == "from the script"
    assert contents[1] != "from the script"


# --- control routes -------------------------------------------------------------------------------------------


def test_control_routes_need_no_key_and_drive_the_emulator(parallel_emulator):
    base = parallel_emulator.base_url
    with (
        httpx.Client(base_url=base, timeout=10) as control,
        httpx.Client(base_url=base, headers={"x-api-key": "k"}, timeout=10) as api,
    ):
        assert control.get("/_emulator/health").json() == {"ok": True}
        assert control.post("/_emulator/schedule", json={"queued": 0, "running": 1e9}).status_code == 200
        assert control.post("/_emulator/scripts", json={"input": "q", "content": {"a": 1}}).status_code == 200
        faults = control.post("/_emulator/faults", json={"route": "POST /v1/search", "status": 500}).json()
        assert faults["faults"][0]["status"] == 500
        assert api.post("/v1/search", json={"search_queries": ["x"]}).status_code == 500

        run_id = api.post("/v1/tasks/runs", json={"input": "q", "processor": "base"}).json()["run_id"]
        assert control.get("/_emulator/runs").json()["runs"][0]["run"]["status"] == "running"
        assert control.post(f"/_emulator/runs/{run_id}/complete").status_code == 200
        assert api.get(f"/v1/tasks/runs/{run_id}/result").json()["output"]["content"] == {"a": 1}
        other = api.post("/v1/tasks/runs", json=RUN).json()["run_id"]
        assert control.post(f"/_emulator/runs/{other}/fail", json={"message": "no"}).status_code == 200
        assert api.get(f"/v1/tasks/runs/{other}").json()["error"]["message"] == "no"
        assert control.post("/_emulator/runs/trun_nope/complete").status_code == 404

        logged = control.get("/_emulator/requests").json()["requests"]
        assert [r["path"] for r in logged][:2] == ["/v1/search", "/v1/tasks/runs"]
        assert logged[0]["status"] == 500
        assert logged[1]["headers"]["x-api-key"] == "<redacted>"

        assert control.post("/_emulator/reset").status_code == 200
        assert control.get("/_emulator/runs").json() == {"runs": []}
        assert control.get("/_emulator/requests").json() == {"requests": []}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/scripts", {"input": "q"}),  # neither content nor error
        ("/_emulator/scripts", {"input": "q", "content": "a", "colour": "red"}),
        ("/_emulator/faults", {"route": "POST /v1/search"}),
        ("/_emulator/schedule", {"queued": -1}),
        ("/_emulator/faults", ["not", "an", "object"]),
    ],
)
def test_control_routes_refuse_bad_bodies_with_422(parallel_emulator, path, body):
    response = httpx.post(parallel_emulator.base_url + path, json=body)
    assert response.status_code == 422
    assert response.json()["type"] == "error"


# --- the state file -------------------------------------------------------------------------------------------


def test_a_state_file_keeps_runs_groups_and_events_across_restarts(tmp_path):
    state = tmp_path / "emulator.sqlite"
    headers = {"x-api-key": "k"}
    with serve(state_path=state, schedule=FAST) as first, httpx.Client(base_url=first.base_url, headers=headers) as c:
        run_id = c.post("/v1/tasks/runs", json=RUN).json()["run_id"]
        result = c.get(f"/v1/tasks/runs/{run_id}/result").json()
        gid = group_with_runs(c, 2)
        events = list(data_events(c.get(f"/v1/tasks/groups/{gid}/events")))
        group = c.get(f"/v1/tasks/groups/{gid}").json()
    with serve(state_path=state) as second, httpx.Client(base_url=second.base_url, headers=headers) as c:
        assert c.get(f"/v1/tasks/runs/{run_id}/result").json() == result
        assert c.get(f"/v1/tasks/runs/{run_id}/input").json() == RUN
        assert c.get(f"/v1/tasks/groups/{gid}").json() == group
        assert list(data_events(c.get(f"/v1/tasks/groups/{gid}/events"))) == events
        more = c.post(f"/v1/tasks/groups/{gid}/runs", json={"inputs": [RUN]}).json()
        assert more["run_cursor"] == "2"
        assert more["event_cursor"] == str(len(events))


def test_runs_active_at_shutdown_finish_after_a_restart(tmp_path):
    state = tmp_path / "emulator.sqlite"
    with serve(state_path=state, schedule=Schedule(queued=0, running=0.05)) as first:
        run_id = httpx.post(f"{first.base_url}/v1/tasks/runs", json=RUN, headers={"x-api-key": "k"}).json()["run_id"]
    with serve(state_path=state) as second:
        response = httpx.get(f"{second.base_url}/v1/tasks/runs/{run_id}/result", headers={"x-api-key": "k"})
        assert response.status_code == 200


def test_a_client_that_gives_up_on_a_slow_post_leaves_no_server_error(client, parallel_emulator, caplog):
    parallel_emulator.add_fault(Fault.slow("POST /v1/tasks/runs", 1.0, times=1))
    with caplog.at_level("ERROR"), pytest.raises(httpx.ReadTimeout):
        client.post("/v1/tasks/runs", json=RUN, timeout=0.2)
    time.sleep(1.2)  # the delayed request reads its body after the client has gone
    assert client.post("/v1/tasks/runs", json=RUN).status_code == 202
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []
    assert len(parallel_emulator.runs()) == 1  # the abandoned one made no run
