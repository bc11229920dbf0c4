"""Retries, creation safety, long-polled results and execute."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import BaseModel, Field

from parallel_integrations import (
    InternalServerError,
    NotFoundError,
    OutputValidationError,
    ParsedTaskRunJsonOutput,
    ParsedTaskRunResult,
    RateLimitError,
    RunCreationUncertainError,
    TaskRunFailedError,
    TaskRunInput,
    TaskRunTimeoutError,
)
from tests.fakes import FakeAPI, call, error_body, run_json

RUN = "trun_" + "a" * 32
RESULT_PATH = f"/v1/tasks/runs/{RUN}/result"


def result_json(content: object, kind: str = "json") -> dict[str, object]:
    basis = [
        {
            "field": "name",
            "reasoning": "from the docs",
            "confidence": "high",
            "citations": [{"url": "https://docs.python.org/3/", "title": "Docs", "excerpts": ["Guido"]}],
        },
        {"field": "year", "reasoning": "guessed", "confidence": "low", "citations": []},
    ]
    return {"run": run_json(RUN, "completed"), "output": {"type": kind, "content": content, "basis": basis}}


# --- retries --------------------------------------------------------------------------------------------------


def test_server_errors_are_retried_with_backoff(api: FakeAPI, kind: str) -> None:
    api.on(
        "GET",
        f"/v1/tasks/runs/{RUN}",
        httpx.Response(503, json=error_body("busy")),
        httpx.Response(502, json=error_body("busy")),
        httpx.Response(200, json=run_json(RUN)),
    )
    run = call(api.client(kind).task_runs.retrieve(RUN))
    assert run.run_id == RUN
    assert len(api.requests) == 3
    assert api.clock.sleeps == [0.5, 1.0]  # jitter pinned to 0 by the fake


def test_retry_after_is_honoured(api: FakeAPI, kind: str) -> None:
    api.on(
        "GET",
        f"/v1/tasks/runs/{RUN}",
        httpx.Response(429, headers={"retry-after": "7"}, json=error_body("slow")),
        httpx.Response(429, headers={"retry-after-ms": "1500"}, json=error_body("slow")),
        httpx.Response(200, json=run_json(RUN)),
    )
    call(api.client(kind).task_runs.retrieve(RUN))
    assert api.clock.sleeps == [7.0, 1.5]


def test_retries_stop_at_max_retries_per_client_and_per_call(api: FakeAPI, kind: str) -> None:
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(500, json=error_body("down")))
    client = api.client(kind, max_retries=3)
    with pytest.raises(InternalServerError):
        call(client.task_runs.retrieve(RUN))
    assert len(api.requests) == 4
    api.requests.clear()
    with pytest.raises(InternalServerError):
        call(client.with_options(max_retries=0).task_runs.retrieve(RUN))
    assert len(api.requests) == 1


def test_server_can_veto_a_retry(api: FakeAPI) -> None:
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(503, headers={"x-should-retry": "false"}, json={}))
    with pytest.raises(InternalServerError):
        api.sync_client().task_runs.retrieve(RUN)
    assert len(api.requests) == 1


def test_connection_errors_are_retried(api: FakeAPI, kind: str) -> None:
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.ReadTimeout("slow"), httpx.Response(200, json=run_json(RUN)))
    assert call(api.client(kind).task_runs.retrieve(RUN)).run_id == RUN
    assert len(api.requests) == 2


# --- creating runs --------------------------------------------------------------------------------------------


def test_create_sends_the_input_and_beta_header(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    run = call(
        api.client(kind).task_runs.create(
            {"company": "Acme"},
            "core",
            metadata={"batch": 7},
            enable_events=True,
            mcp_servers=[{"url": "https://mcp.test", "name": "m"}],
            webhook={"url": "https://hook.test"},
            betas=["custom-beta"],
        )
    )
    assert run.status == "queued"
    assert run.is_active
    request = api.requests[0]
    assert request.headers["parallel-beta"] == (
        "custom-beta,mcp-server-2025-07-17,events-sse-2025-07-24,webhook-2025-08-12"
    )
    assert json.loads(request.content) == {
        "input": {"company": "Acme"},
        "processor": "core",
        "metadata": {"batch": 7},
        "enable_events": True,
        "mcp_servers": [{"type": "url", "url": "https://mcp.test", "name": "m"}],
        "webhook": {"url": "https://hook.test"},
    }


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(500, json=error_body("oops")),
        httpx.Response(503, json=error_body("oops")),
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("dropped"),
    ],
)
def test_create_is_not_resent_when_it_may_have_landed(api: FakeAPI, kind: str, failure: object) -> None:
    api.on("POST", "/v1/tasks/runs", failure, httpx.Response(202, json=run_json(RUN)))
    with pytest.raises(RunCreationUncertainError) as info:
        call(api.client(kind).task_runs.create("what is 2+2", "lite", metadata={"tag": "x"}))
    assert len(api.requests) == 1
    assert isinstance(info.value.request, TaskRunInput)
    assert info.value.request.input == "what is 2+2"
    assert info.value.request.metadata == {"tag": "x"}


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(429, json=error_body("slow down")), httpx.ConnectError("connection refused")],
)
def test_create_is_resent_when_it_cannot_have_landed(api: FakeAPI, kind: str, failure: object) -> None:
    api.on("POST", "/v1/tasks/runs", failure, httpx.Response(202, json=run_json(RUN)))
    assert call(api.client(kind).task_runs.create("q", "lite")).run_id == RUN
    assert len(api.requests) == 2


def test_create_gives_up_on_persistent_rate_limit(api: FakeAPI) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(429, json=error_body("slow down")))
    with pytest.raises(RateLimitError):
        api.sync_client(max_retries=1).task_runs.create("q", "lite")
    assert len(api.requests) == 2


# --- waiting for results --------------------------------------------------------------------------------------


def test_result_long_polls_through_408_without_sleeping(api: FakeAPI, kind: str) -> None:
    still = httpx.Response(408, json=error_body("Request timed out; run still active"))
    api.on("GET", RESULT_PATH, still, still, httpx.Response(200, json=result_json({"name": "Guido", "year": 1991})))
    result = call(api.client(kind).task_runs.result(RUN))
    assert result.output.content == {"name": "Guido", "year": 1991}
    assert len(api.requests) == 3
    assert api.clock.sleeps == []
    assert all(r.url.params["timeout"] == "600" for r in api.requests)


def test_result_deadline_raises_named_timeout(api: FakeAPI, kind: str) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        api.clock.now += int(request.url.params["timeout"])
        return httpx.Response(408, json=error_body("Request timed out; run still active"))

    api.on("GET", RESULT_PATH, slow)
    with pytest.raises(TaskRunTimeoutError) as info:
        call(api.client(kind).task_runs.result(RUN, timeout=45.5))
    assert info.value.run_id == RUN
    assert isinstance(info.value, TimeoutError)
    assert [r.url.params["timeout"] for r in api.requests] == ["46"]


def test_result_of_failed_run_raises_run_failed(api: FakeAPI, kind: str) -> None:
    api.on("GET", RESULT_PATH, httpx.Response(404, json=error_body("Run failed or run id not found")))
    failed = run_json(RUN, "failed", error={"ref_id": "r", "message": "source unreachable", "detail": None})
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(200, json=failed))
    with pytest.raises(TaskRunFailedError, match="source unreachable") as info:
        call(api.client(kind).task_runs.result(RUN))
    assert info.value.run.status == "failed"


def test_result_of_unknown_run_raises_not_found(api: FakeAPI, kind: str) -> None:
    api.on("GET", RESULT_PATH, httpx.Response(404, json=error_body("Run failed or run id not found")))
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(404, json=error_body("Run id not found")))
    with pytest.raises(NotFoundError):
        call(api.client(kind).task_runs.result(RUN))


class Founder(BaseModel):
    name: str = Field(description="full name")
    year: int | None = None


def test_execute_with_a_class_returns_a_parsed_instance(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", RESULT_PATH, httpx.Response(200, json=result_json({"name": "Guido", "year": 1991})))
    result = call(api.client(kind).task_runs.execute("Who created Python?", "base", output=Founder, timeout=60))
    assert result.output.parsed == Founder(name="Guido", year=1991)  # where the official SDK puts it
    assert result.parsed is result.output.parsed
    assert isinstance(result, ParsedTaskRunResult)
    assert isinstance(result.output, ParsedTaskRunJsonOutput)
    assert "parsed" not in result.model_dump()["output"]  # the wire shape is unchanged
    assert result.output.citations_for("name")[0].url == "https://docs.python.org/3/"
    assert result.output.low_confidence_fields() == ["year"]
    sent = json.loads(api.requests[0].content)
    schema = sent["task_spec"]["output_schema"]
    assert schema["type"] == "json"
    assert schema["json_schema"]["additionalProperties"] is False
    assert set(schema["json_schema"]["required"]) == {"name", "year"}


def test_execute_with_text_or_schema(api: FakeAPI) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", RESULT_PATH, httpx.Response(200, json=result_json("Python was created by Guido [1].", "text")))
    client = api.sync_client()
    result = client.task_runs.execute("Who created Python?", "lite", output="One sentence with a citation")
    assert result.output.content.startswith("Python")
    assert result.output.parsed is None  # text output: nothing to parse
    assert result.parsed is None
    assert json.loads(api.requests[0].content)["task_spec"] == {
        "output_schema": {"type": "text", "description": "One sentence with a citation"}
    }
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    client.task_runs.execute("q", "lite", output={"type": "json", "json_schema": schema})
    assert json.loads(api.requests[2].content)["task_spec"]["output_schema"]["json_schema"]["properties"] == {
        "name": {"type": "string"}
    }


def test_execute_answer_that_does_not_fit_the_class(api: FakeAPI) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", RESULT_PATH, httpx.Response(200, json=result_json({"name": None, "year": "soon"})))
    with pytest.raises(OutputValidationError) as info:
        api.sync_client().task_runs.execute("q", "base", output=Founder)
    assert info.value.content == {"name": None, "year": "soon"}
    assert info.value.errors


def test_retrieve_and_retrieve_input(api: FakeAPI, kind: str) -> None:
    api.on(
        "GET",
        f"/v1/tasks/runs/{RUN}/input",
        httpx.Response(
            200,
            json={
                "processor": "core",
                "input": {"country": "France"},
                "metadata": {"k": "v"},
                "task_spec": {"output_schema": {"type": "text", "description": None}},
            },
        ),
    )
    run_input = call(api.client(kind).task_runs.retrieve_input(RUN))
    assert run_input.input == {"country": "France"}
    assert run_input.task_spec is not None
    assert run_input.task_spec.output_schema.type == "text"  # type: ignore[union-attr]


def test_creation_requests_are_paced_under_the_rate_limit(api: FakeAPI, kind: str) -> None:
    from parallel_integrations._retry import RateWindow

    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(200, json=run_json(RUN)))
    client = api.client(kind)
    client._core.pacer = RateWindow(limit=2, period=60.0)
    for _ in range(3):
        call(client.task_runs.create("q", "lite"))
        call(client.task_runs.retrieve(RUN))  # reads are not rate limited, so never paced
    assert api.clock.sleeps == [60.0]


class Company(BaseModel):
    name: str = Field(description="legal name")
    country: str | None = None


def test_execute_with_an_input_schema_and_a_model_instance_as_input(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", RESULT_PATH, httpx.Response(200, json=result_json({"name": "Guido", "year": 1991})))
    call(api.client(kind).task_runs.execute(Company(name="Acme"), "base", output=Founder, input_schema=Company))
    sent = json.loads(api.requests[0].content)
    assert sent["input"] == {"name": "Acme", "country": None}
    input_schema = sent["task_spec"]["input_schema"]
    assert input_schema["type"] == "json"
    assert input_schema["json_schema"]["properties"]["name"]["description"] == "legal name"
    assert input_schema["json_schema"]["additionalProperties"] is False


def test_input_schema_alone_leaves_the_output_to_the_processor(api: FakeAPI) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("GET", RESULT_PATH, httpx.Response(200, json=result_json("text", "text")))
    api.sync_client().task_runs.execute({"name": "Acme"}, "pro", input_schema="a company to profile")
    assert json.loads(api.requests[0].content)["task_spec"] == {
        "output_schema": {"type": "auto"},
        "input_schema": {"type": "text", "description": "a company to profile"},
    }


def test_output_and_task_spec_together_are_refused(api: FakeAPI) -> None:
    with pytest.raises(ValueError, match="task_spec"):
        api.sync_client().task_runs.execute("q", "lite", output="text", task_spec={"output_schema": "text"})
    assert api.requests == []
