"""Flows driven through a scripted driver (the sans-IO seam), the one retry decision, and the seams a careless
change would break: each test here fails when its bug is put back."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from parallel_integrations import (
    APIConnectionError,
    APITimeoutError,
    NotFoundError,
    ParallelClient,
    RateLimitError,
    TaskRunFailedError,
)
from parallel_integrations._batch import BatchTracker
from parallel_integrations._drivers import transport_error
from parallel_integrations._errors import error_from_response
from parallel_integrations._groups import TaskGroups
from parallel_integrations._models import TaskRunEvent
from parallel_integrations._resources import Search
from parallel_integrations._retry import RateWindow, RetryPolicy, decide
from parallel_integrations._runs import TaskRuns
from tests.fakes import CutStream, FakeAPI, call, collect, error_body, run_json, sse
from tests.scripted import ScriptedDriver, routes

RUN = "trun_" + "a" * 32
GROUP = "tgrp_" + "b" * 32
GROUP_PATH = f"/v1beta/tasks/groups/{GROUP}"


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


# --- flows through the scripted driver -------------------------------------------------------------------------


def test_resources_run_on_any_driver_that_keeps_the_contract() -> None:
    driver = ScriptedDriver(routes({("POST", "/alpha/search"): [ok({"search_id": "s", "results": []})]}))
    assert Search(driver).search("decorators").search_id == "s"
    assert json.loads(driver.sent[0].content) == {"objective": "decorators"}


def test_a_cancelled_run_is_an_ended_run_not_a_running_one() -> None:
    cancelled = run_json(RUN, "cancelled", error={"ref_id": "r", "message": "cancelled by the user"})
    driver = ScriptedDriver(
        routes(
            {
                ("GET", f"/v1/tasks/runs/{RUN}/result"): [ok(error_body("Run failed or run id not found"), 404)],
                ("GET", f"/v1/tasks/runs/{RUN}"): [ok(cancelled)],
            }
        )
    )
    with pytest.raises(TaskRunFailedError) as info:
        TaskRuns(driver).result(RUN)
    assert info.value.run.status == "cancelled"
    assert "cancelled" in str(info.value)
    assert len(driver.sent) == 2  # no further waiting on a run that has ended


def test_a_batch_delivers_a_cancelled_run_as_an_error_item() -> None:
    tracker = BatchTracker(GROUP, None)
    tracker.added([RUN])
    event = TaskRunEvent.model_validate({"event_id": "1", "run": run_json(RUN, "cancelled")})
    item = tracker.ended(event)
    assert item is not None
    assert isinstance(item.error, TaskRunFailedError)
    assert tracker.done


def test_a_stream_that_closes_empty_while_active_is_reopened_a_bounded_number_of_times() -> None:
    driver = ScriptedDriver(routes({("GET", f"{GROUP_PATH}/events"): [httpx.Response(200, content=b"")]}))
    events = list(TaskGroups(driver).stream_events(GROUP))
    assert events == []
    assert len(driver.sent) == 3  # the first opening and max_retries (2) more
    assert driver.sleeps == [0.5, 1.0]
    assert driver.closed == 3


def test_a_stream_resumes_after_a_cut_from_the_last_event() -> None:
    first = sse({"type": "task_group_status", "event_id": "1", "status": {"num_task_runs": 1, "is_active": True}})
    cut = APIConnectionError("reset", method="GET", url="u")
    answers: list[Any] = [httpx.Response(200, content=first), cut]
    last = sse({"type": "task_group_status", "event_id": "2", "status": {"num_task_runs": 1, "is_active": False}})

    def script(request: httpx.Request) -> Any:
        return answers.pop(0) if answers else httpx.Response(200, content=last)

    driver = ScriptedDriver(script)
    events = list(TaskGroups(driver).stream_events(GROUP))
    assert [e.event_id for e in events] == ["1", "2"]
    # Closed by the server while the group was active: reopened after "1"; that opening was cut and retried.
    assert [r.url.params.get("last_event_id") for r in driver.sent] == [None, "1", "1"]


def test_add_runs_that_landed_are_reconciled_through_the_scripted_driver() -> None:
    counts = iter([0, 1, 1])  # before adding; after the lost answer (the run landed); for the final status
    snapshot = sse({"type": "task_run.state", "event_id": "1", "run": run_json(RUN)})

    def script(request: httpx.Request) -> Any:
        if request.url.path == GROUP_PATH:
            return ok({"taskgroup_id": GROUP, "status": {"num_task_runs": next(counts)}})
        if request.method == "POST":
            return APITimeoutError("no answer", method="POST", url=str(request.url))
        return httpx.Response(200, content=snapshot)

    driver = ScriptedDriver(script)
    response = TaskGroups(driver).add_runs(GROUP, [{"input": "q", "processor": "lite"}])
    assert response.run_ids == [RUN]
    assert [r.method for r in driver.sent].count("POST") == 1  # landed: never sent twice


def test_a_group_creation_cut_after_sending_is_retried_with_a_warning_unless_given_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="parallel_integrations")
    cut = APIConnectionError("connection closed without an answer", request_sent=True)
    created = ok({"taskgroup_id": GROUP, "status": {"num_task_runs": 0}})
    driver = ScriptedDriver(routes({("POST", "/v1beta/tasks/groups"): [cut, created]}))
    assert TaskGroups(driver).create().taskgroup_id == GROUP
    assert len(driver.sent) == 2
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "an empty task group may have been left behind" in warning
    caplog.clear()
    no_retries = ScriptedDriver(routes({("POST", "/v1beta/tasks/groups"): [cut]}), max_retries=0)
    with pytest.raises(APIConnectionError):
        TaskGroups(no_retries).create()
    assert len(no_retries.sent) == 1
    assert not caplog.records  # nothing was retried, so nothing was left behind by a retry


# --- the one retry decision ------------------------------------------------------------------------------------


def status(code: int, headers: dict[str, str] | None = None) -> Any:
    return error_from_response(code, "", b"{}", headers or {})


@pytest.mark.parametrize(
    ("failure", "kwargs", "action", "delay"),
    [
        (status(503), {}, "retry", 0.5),
        (status(429, {"retry-after": "7"}), {}, "retry", 7.0),
        (status(429, {"retry-after": "61"}), {}, "raise", 0.0),
        (status(409), {}, "raise", 0.0),
        (status(404), {}, "raise", 0.0),
        (status(503, {"x-should-retry": "false"}), {}, "raise", 0.0),
        (status(400, {"x-should-retry": "true"}), {}, "retry", 0.5),
        (status(408), {"long_poll": True}, "raise", 0.0),
        (status(503), {"creation": True}, "ambiguous", 0.0),
        (status(429), {"creation": True}, "retry", 0.5),
        (APIConnectionError("x", request_sent=True), {"creation": True}, "ambiguous", 0.0),
        (APIConnectionError("x", request_sent=False), {"creation": True}, "retry", 0.5),
        (APIConnectionError("x"), {"attempt": 2}, "raise", 0.0),
        (status(500), {"attempt": 1}, "retry", 1.0),
    ],
)
def test_decide(failure: Any, kwargs: dict[str, Any], action: str, delay: float) -> None:
    attempt = kwargs.pop("attempt", 0)
    decision = decide(failure, attempt, max_retries=2, policy=RetryPolicy(), rand=lambda: 0.0, **kwargs)
    assert (decision.action, decision.delay) == (action, delay)
    assert decision.reason


# --- seams ----------------------------------------------------------------------------------------------------


def test_with_options_shares_the_creation_pacer(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    client = api.client(kind)
    client._core.pacer = RateWindow(limit=1, period=60.0)
    other = client.with_options(max_retries=5)
    call(client.task_runs.create("q", "lite"))
    call(other.task_runs.create("q", "lite"))  # the API's limit is per key: the copy waits its turn
    assert api.clock.sleeps == [60.0]
    assert other.max_retries == 5
    assert other._core.hooks is client._core.hooks


def test_with_options_keeps_a_subclass_and_its_attributes(api: FakeAPI) -> None:
    class TracingClient(ParallelClient):
        label = "class attribute"

    client = TracingClient(
        "k", base_url="https://fake.test", http_client=httpx.Client(transport=httpx.MockTransport(api.handle))
    )
    client.trace_id = "abc"  # type: ignore[attr-defined]
    copy = client.with_options(timeout=5)
    assert type(copy) is TracingClient
    assert copy.trace_id == "abc"  # type: ignore[attr-defined]
    assert copy._core.config.timeout == 5
    assert client._core.config.timeout == 600
    assert repr(copy.task_runs) == "TaskRuns(base_url='https://fake.test', endpoints='seed')"
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(200, json=run_json(RUN)))
    assert copy.task_runs.retrieve(RUN).run_id == RUN  # the copy's resources use the copy's core


def test_a_stream_that_fails_to_open_reports_the_error_body(api: FakeAPI, kind: str) -> None:
    body = CutStream([json.dumps(error_body("TaskGroup not found")).encode()], cut=False)  # not read in advance
    api.on("GET", f"{GROUP_PATH}/events", httpx.Response(404, stream=body))
    with pytest.raises(NotFoundError, match="TaskGroup not found"):
        collect(api.client(kind).task_groups.stream_events(GROUP))
    assert body.closed


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("pool full")]
)
def test_a_connect_or_pool_failure_never_reached_the_server(api: FakeAPI, kind: str, failure: Exception) -> None:
    request = httpx.Request("POST", "http://fake.test/v1/tasks/runs")
    assert transport_error(failure, request).request_sent is False  # type: ignore[arg-type]
    api.on("POST", "/v1/tasks/runs", failure, httpx.Response(202, json=run_json(RUN)))
    assert call(api.client(kind).task_runs.create("q", "lite")).run_id == RUN  # safe to send again
    assert len(api.requests) == 2


def test_a_read_timeout_may_have_reached_the_server() -> None:
    request = httpx.Request("POST", "http://fake.test/v1/tasks/runs")
    error = transport_error(httpx.ReadTimeout("slow"), request)
    assert isinstance(error, APITimeoutError)
    assert error.request_sent is True


def test_rate_limit_with_a_long_wait_through_the_scripted_driver() -> None:
    driver = ScriptedDriver(
        routes({("GET", f"/v1/tasks/runs/{RUN}"): [httpx.Response(429, headers={"retry-after": "90"}, json={})]})
    )
    with pytest.raises(RateLimitError) as info:
        TaskRuns(driver).retrieve(RUN)
    assert info.value.retry_after == 90
    assert driver.sleeps == []


# --- the module structure ---------------------------------------------------------------------------------------


def test_no_module_imports_the_clients_or_reaches_into_them() -> None:
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "src" / "parallel_integrations"
    for module in sorted(package.glob("_[!_]*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        if module.name != "_client.py":
            assert "_client" not in imported, f"{module.name} imports _client (the import circle is back)"
        reached = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute | ast.Name)
            and (node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id) in ("client", "_client")
            and node.attr.startswith("_")
        }
        assert not reached, f"{module.name} reaches into a client: {reached}"


def test_the_readme_lists_the_statuses_the_code_retries() -> None:
    from pathlib import Path

    from parallel_integrations._retry import is_retryable_status

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "Connection errors, 408, 429 and 5xx (500 and above) are retried" in readme
    assert "409 is not retried" in readme
    assert all(is_retryable_status(code) for code in (408, 429, 500, 502, 503, 504, 599))
    assert not any(is_retryable_status(code) for code in (400, 401, 402, 403, 404, 409, 422))
