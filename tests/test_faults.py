"""Faults the first review found: bodies that break the API's promise, trickling answers, long Retry-After,
an unreachable reconciliation, Ctrl-C in the middle of work, and a half-built client in a traceback."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
import traceback

import httpx
import pydantic
import pydantic_core
import pytest

from parallel_integrations import (
    APIResponseValidationError,
    APITimeoutError,
    AsyncParallelClient,
    InternalServerError,
    ParallelClient,
    ParallelError,
    ParallelValidationError,
    RateLimitError,
    RunCreationUncertainError,
    TaskRunInput,
)
from parallel_integrations._errors import interrupt_behind
from tests.fakes import CutStream, FakeAPI, TrickleStream, call, collect, error_body, run_json, sse

RUN = "trun_" + "a" * 32
GROUP = "tgrp_" + "b" * 32
GROUP_PATH = f"/v1beta/tasks/groups/{GROUP}"


# --- a 2xx body that is not what the API promises --------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "body", "problem"),
    [
        (("POST", "/alpha/search"), b"<html><body>Proxy login required</body></html>", "not JSON"),
        (("GET", f"/v1/tasks/runs/{RUN}"), b'{"run_id": "' + RUN.encode() + b'", "stat', "not JSON"),
        (("GET", f"/v1/tasks/runs/{RUN}"), b'{"id": 1}', "run_id"),
    ],
    ids=["html-page", "truncated-json", "wrong-shape"],
)
def test_a_success_with_a_broken_body_is_a_named_error(
    api: FakeAPI, kind: str, route: tuple[str, str], body: bytes, problem: str
) -> None:
    api.on(*route, httpx.Response(200, content=body))
    client = api.client(kind)

    def operation() -> object:
        return client.search("q") if route[0] == "POST" else client.task_runs.retrieve(RUN)

    with pytest.raises(APIResponseValidationError) as info:
        call(operation())
    error = info.value
    assert isinstance(error, ParallelError)
    assert not isinstance(error, pydantic.ValidationError | json.JSONDecodeError)
    assert (error.status_code, error.method) == (200, route[0])
    assert error.url.endswith(route[1])
    assert error.body_excerpt == body.decode()[:300]
    assert problem in str(error)
    assert error.__cause__ is None  # no pydantic or json traceback chained under it
    assert len(api.requests) == 1  # an answer arrived: nothing to retry


def test_a_create_whose_body_is_wrong_keeps_the_run_id(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json={"run_id": RUN, "status": "brewing"}))
    with pytest.raises(APIResponseValidationError) as info:
        call(api.client(kind).task_runs.create("q", "lite"))
    assert info.value.run_id == RUN
    assert info.value.status_code == 202
    assert RUN in str(info.value)
    assert len(api.requests) == 1  # the run exists: never sent twice


def test_a_truncated_create_answer_still_names_its_run(api: FakeAPI) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, content=b'{"run_id": "' + RUN.encode() + b'", "sta'))
    with pytest.raises(APIResponseValidationError) as info:
        api.sync_client().task_runs.create("q", "lite")
    assert info.value.run_id == RUN
    assert "not JSON" in str(info.value)


@pytest.mark.parametrize("data", [b"{not json", b'{"type": "task_run.state", "run": 5}'])
def test_a_stream_event_whose_data_does_not_parse_is_a_named_error(api: FakeAPI, kind: str, data: bytes) -> None:
    good = sse({"type": "task_group_status", "event_id": "1", "status": {"num_task_runs": 1, "is_active": True}})
    api.on("GET", f"{GROUP_PATH}/events", httpx.Response(200, content=good + b"data: " + data + b"\n\n"))
    with pytest.raises(APIResponseValidationError) as info:
        collect(api.client(kind).task_groups.stream_events(GROUP))
    assert info.value.body_excerpt == data.decode()
    assert info.value.url.endswith(f"{GROUP_PATH}/events")


# --- the timeout bounds the whole attempt ---------------------------------------------------------------------


def test_a_body_that_trickles_in_is_cut_at_the_timeout(api: FakeAPI, kind: str) -> None:
    body = json.dumps(run_json(RUN)).encode()
    trickle = TrickleStream([bytes([b]) for b in body], api.clock, seconds=1.0)  # one byte a second
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(200, stream=trickle))
    client = api.client(kind, timeout=2, max_retries=0)
    with pytest.raises(APITimeoutError, match="2 s timeout"):
        call(client.task_runs.retrieve(RUN))
    assert trickle.sent == 3  # two seconds of bytes, and the one that crossed the line
    assert len(body) > 100


def test_a_trickled_attempt_is_retried_like_any_timeout(api: FakeAPI, kind: str) -> None:
    body = json.dumps(run_json(RUN)).encode()
    trickle = TrickleStream([body[:10], body[10:]], api.clock, seconds=5.0)
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(200, stream=trickle), httpx.Response(200, content=body))
    assert call(api.client(kind, timeout=2).task_runs.retrieve(RUN)).run_id == RUN
    assert len(api.requests) == 2


# --- Retry-After: honoured up to a cap, and always reported ---------------------------------------------------


def test_a_retry_after_beyond_the_cap_raises_at_once(api: FakeAPI, kind: str) -> None:
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(429, headers={"retry-after": "120"}, json=error_body("x")))
    with pytest.raises(RateLimitError) as info:
        call(api.client(kind).task_runs.retrieve(RUN))
    assert info.value.retry_after == 120.0
    assert len(api.requests) == 1
    assert api.clock.sleeps == []


def test_the_cap_is_a_client_setting(api: FakeAPI, kind: str) -> None:
    api.on(
        "GET",
        f"/v1/tasks/runs/{RUN}",
        httpx.Response(429, headers={"retry-after": "120"}, json=error_body("x")),
        httpx.Response(200, json=run_json(RUN)),
    )
    assert call(api.client(kind, max_retry_after=300).task_runs.retrieve(RUN)).run_id == RUN
    assert api.clock.sleeps == [120.0]
    with pytest.raises(ParallelValidationError, match="max_retry_after"):
        api.client(kind, max_retry_after=-1)


def test_a_long_retry_after_on_a_server_error_is_not_waited_out_either(api: FakeAPI) -> None:
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(503, headers={"retry-after": "3600"}, json={}))
    with pytest.raises(InternalServerError) as info:
        api.sync_client().task_runs.retrieve(RUN)
    assert info.value.retry_after == 3600.0
    assert len(api.requests) == 1


def test_retry_after_as_an_http_date_is_honoured_and_reported(api: FakeAPI) -> None:
    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(429, headers={"retry-after": soon}, json=error_body("x")))
    with pytest.raises(RateLimitError) as info:
        api.sync_client(max_retries=1).task_runs.retrieve(RUN)
    assert info.value.retry_after is not None
    assert 20 < info.value.retry_after <= 30
    assert len(api.requests) == 2
    assert len(api.clock.sleeps) == 1
    assert 20 < api.clock.sleeps[0] <= 30


# --- add_runs: the reconciliation read fails too --------------------------------------------------------------


def test_add_runs_whose_reconciliation_cannot_reach_the_server(api: FakeAPI, kind: str) -> None:
    api.on("GET", GROUP_PATH, httpx.Response(200, json={"taskgroup_id": GROUP, "status": {"num_task_runs": 0}}))
    client = api.client(kind, max_retries=1)
    # The first read (the group's run count before adding) works; after the POST is lost, the server is gone.
    api.on("POST", f"{GROUP_PATH}/runs", httpx.ReadTimeout("answer lost"))

    def gone_after_post(request: httpx.Request) -> httpx.Response:
        if api.calls("POST", f"{GROUP_PATH}/runs"):
            raise httpx.ConnectError("connection refused")
        return httpx.Response(200, json={"taskgroup_id": GROUP, "status": {"num_task_runs": 0}})

    api.routes[("GET", GROUP_PATH)] = [gone_after_post]
    with pytest.raises(RunCreationUncertainError) as info:
        call(client.task_groups.add_runs(GROUP, [{"input": "q1", "processor": "lite"}]))
    assert [run.input for run in info.value.request] == ["q1"]  # type: ignore[union-attr]
    assert len(api.calls("POST", f"{GROUP_PATH}/runs")) == 1


# --- Ctrl-C: the work goes on, and the note says how to find it -----------------------------------------------


def interrupt(request: httpx.Request) -> httpx.Response:
    raise KeyboardInterrupt


# What pydantic-core raises when the Ctrl-C lands while it builds a model's validator (on the model's first use).
WRAPPED = pydantic_core.SchemaError('Error building "model" validator:\n  KeyboardInterrupt: ')


def wrapped_interrupt(request: httpx.Request) -> httpx.Response:
    raise WRAPPED


@pytest.mark.parametrize("ctrl_c", [interrupt, wrapped_interrupt], ids=["plain", "wrapped-by-pydantic-core"])
def test_ctrl_c_during_execute_names_the_run_and_the_call_that_collects_it(
    api: FakeAPI, kind: str, ctrl_c: object
) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", f"/v1/tasks/runs/{RUN}/result", ctrl_c)
    with pytest.raises(KeyboardInterrupt) as info:
        call(api.client(kind).task_runs.execute("q", "lite"))
    assert any(f'client.task_runs.result("{RUN}")' in note for note in info.value.__notes__)
    assert info.value.__cause__ is (WRAPPED if ctrl_c is wrapped_interrupt else None)


def test_ctrl_c_wrapped_by_pydantic_core_inside_a_request_is_raised_as_keyboard_interrupt(
    api: FakeAPI, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def building(cls: object, *args: object, **kwargs: object) -> None:
        raise WRAPPED

    monkeypatch.setattr(TaskRunInput, "model_validate", classmethod(building))
    with pytest.raises(KeyboardInterrupt) as info:
        call(api.client(kind).task_groups.add_runs(GROUP, [{"input": "q1", "processor": "lite"}]))
    assert info.value.__cause__ is WRAPPED
    assert api.requests == []  # stopped before anything was sent


def test_only_a_schema_error_naming_the_interrupt_is_taken_for_one() -> None:
    assert interrupt_behind(pydantic_core.SchemaError("Error building: invalid schema")) is None
    assert interrupt_behind(ValueError("KeyboardInterrupt")) is None
    assert isinstance(interrupt_behind(WRAPPED), KeyboardInterrupt)


def test_a_cancelled_async_execute_carries_the_note(api: FakeAPI) -> None:
    started = asyncio.Event()

    class Hanging(CutStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            started.set()
            await asyncio.sleep(3600)
            yield b""

    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", f"/v1/tasks/runs/{RUN}/result", lambda r: httpx.Response(200, stream=Hanging([])))

    async def scenario() -> asyncio.CancelledError:
        task = asyncio.create_task(api.async_client().task_runs.execute("q", "lite"))
        await started.wait()
        task.cancel()
        try:
            await task
        except asyncio.CancelledError as cancelled:
            return cancelled
        raise AssertionError("the task was not cancelled")

    cancelled = asyncio.run(scenario())
    assert any(RUN in note for note in cancelled.__notes__)


@pytest.mark.parametrize("ctrl_c", [interrupt, wrapped_interrupt], ids=["plain", "wrapped-by-pydantic-core"])
def test_ctrl_c_during_run_batch_names_the_group_and_the_call_that_resumes(
    api: FakeAPI, kind: str, ctrl_c: object
) -> None:
    group = {"taskgroup_id": GROUP, "status": {"num_task_runs": 0}}
    api.on("POST", "/v1beta/tasks/groups", httpx.Response(200, json=group))
    api.on("GET", GROUP_PATH, httpx.Response(200, json=group))
    added = {"status": {"num_task_runs": 1, "is_active": True}, "run_ids": [RUN]}
    api.on("POST", f"{GROUP_PATH}/runs", httpx.Response(200, json=added))
    api.on("GET", f"{GROUP_PATH}/events", ctrl_c)
    client = api.client(kind)

    async def drain_async() -> None:
        async for _ in client.task_groups.run_batch(["a"], processor="lite"):  # type: ignore[union-attr]
            pass

    def drain() -> None:
        if kind == "sync":
            list(client.task_groups.run_batch(["a"], processor="lite"))  # type: ignore[arg-type]
        else:
            asyncio.run(drain_async())

    with pytest.raises(KeyboardInterrupt) as info:
        drain()
    notes = info.value.__notes__
    assert any(f'client.task_groups.run_batch(taskgroup_id="{GROUP}")' in note for note in notes)


# --- a half-built client in a traceback -----------------------------------------------------------------------


def test_repr_works_on_a_half_built_client() -> None:
    for cls in (ParallelClient, AsyncParallelClient):
        with pytest.raises(ParallelValidationError) as info:
            cls("k", base_url="ftp://nowhere")
        frames = [frame for frame, _ in traceback.walk_tb(info.value.__traceback__)]
        half_built = next(frame.f_locals["self"] for frame in frames if "self" in frame.f_locals)
        assert repr(half_built) == f"{cls.__name__}(<not configured>)"
        rendered = "".join(traceback.TracebackException.from_exception(info.value, capture_locals=True).format())
        assert "repr() failed" not in rendered
        assert f"{cls.__name__}(<not configured>)" in rendered
