"""Configuration, request shape, input validation and error mapping of the client."""

from __future__ import annotations

import json
import logging
import traceback

import httpx
import pytest

from parallel_integrations import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientCreditError,
    InternalServerError,
    NotFoundError,
    ParallelClient,
    ParallelError,
    ParallelValidationError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    UnprocessableEntityError,
)
from tests.fakes import API_KEY, FakeAPI, call, error_body

SEARCH_OK = {
    "search_id": "search_" + "0" * 32,
    "results": [
        {
            "url": "https://docs.python.org/3/reference/compound_stmts.html#function",
            "title": "Function definitions",
            "excerpts": ["A function definition defines a user-defined function object"],
            "publish_date": None,
            "some_future_field": 7,
        },
    ],
}


# --- configuration --------------------------------------------------------------------------------------------


def test_missing_key_names_argument_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARALLEL_API_KEY", raising=False)
    with pytest.raises(ParallelValidationError) as info:
        ParallelClient()
    assert "api_key" in str(info.value)
    assert "PARALLEL_API_KEY" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_settings_resolve_argument_then_environment_then_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLEL_API_KEY", "env-key")
    monkeypatch.delenv("PARALLEL_BASE_URL", raising=False)
    monkeypatch.delenv("PARALLEL_ENDPOINTS", raising=False)
    with ParallelClient() as client:
        assert client.base_url == "https://api.parallel.ai"
        assert client.endpoints == "current"  # "auto": today's paths on the hosted API
        assert client.max_retries == 2
        assert client._core.config.api_key.get() == "env-key"
    monkeypatch.setenv("PARALLEL_BASE_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PARALLEL_ENDPOINTS", "current")
    with ParallelClient() as client:
        assert client.base_url == "http://127.0.0.1:9"
        assert client.endpoints == "current"
    with ParallelClient("arg-key", base_url="https://h:1", endpoints="seed", max_retries=5) as client:
        assert client._core.config.api_key.get() == "arg-key"
        assert (client.base_url, client.endpoints, client.max_retries) == ("https://h:1", "seed", 5)
    monkeypatch.delenv("PARALLEL_ENDPOINTS")
    with ParallelClient(base_url="http://127.0.0.1:9") as client:
        assert client.endpoints == "seed"  # "auto": the seed's paths anywhere else (the emulator serves both)
    with ParallelClient(base_url="https://api.parallel.ai/", endpoints="auto") as client:
        assert client.endpoints == "current"
    with ParallelClient(endpoints="seed") as client:
        assert client.endpoints == "seed"  # an explicit choice wins on the hosted API too


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base_url": "ftp://x"}, "base_url"),
        ({"endpoints": "v2"}, "endpoints"),
        ({"max_retries": -1}, "max_retries"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ParallelValidationError, match=field):
        ParallelClient("k", **kwargs)  # type: ignore[arg-type]


def test_a_closed_client_refuses_calls_with_a_named_error_before_sending() -> None:
    # Nothing listens on port 9: a request that went out would be an APIConnectionError.
    client = ParallelClient(API_KEY, base_url="http://127.0.0.1:9", allow_insecure_http=True, max_retries=0)
    with client:
        pass
    for attempt in (
        lambda: client.search("decorators"),
        lambda: client.task_runs.retrieve("trun_" + "a" * 32),
        lambda: list(client.task_groups.run_batch(["a"], processor="lite")),
    ):
        with pytest.raises(ParallelValidationError) as info:
            attempt()
        assert info.value.field == "client"
        assert "closed" in str(info.value)


def test_key_never_shows(api: FakeAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.on(
        "POST", "/alpha/search", httpx.Response(401, json=error_body("Unauthorized: invalid or missing credentials"))
    )
    client = api.sync_client()
    with pytest.raises(AuthenticationError) as info:
        client.search("q")
    texts = [
        repr(vars(client._core)),
        repr(client),
        str(client),
        repr(client._core),
        repr(client._core.config),
        str(info.value),
        repr(info.value),
        caplog.text,
        repr(vars(info.value)),
    ]
    trace = traceback.TracebackException.from_exception(info.value, capture_locals=True)
    texts.append("".join(trace.format()))
    assert all(API_KEY not in text for text in texts)
    assert api.requests[0].headers["x-api-key"] == API_KEY


# --- request shape --------------------------------------------------------------------------------------------


def test_search_seed_request_and_typed_response(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/alpha/search", httpx.Response(200, json=SEARCH_OK))
    client = api.client(kind)
    response = call(
        client.search(
            "how decorators work",
            search_queries=["decorator syntax"],
            processor="base",
            max_results=3,
            max_chars_per_result=500,
            source_policy={"include_domains": ["python.org"]},
        )
    )
    request = api.requests[0]
    assert json.loads(request.content) == {
        "objective": "how decorators work",
        "search_queries": ["decorator syntax"],
        "processor": "base",
        "max_results": 3,
        "max_chars_per_result": 500,
        "source_policy": {"include_domains": ["python.org"]},
    }
    assert request.headers["content-type"] == "application/json"
    assert "parallel-beta" not in request.headers
    assert response.results[0].title == "Function definitions"
    assert response.results[0].model_extra == {"some_future_field": 7}


def test_search_current_endpoint_body_shape(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/search", httpx.Response(200, json={**SEARCH_OK, "session_id": "s1"}))
    client = api.client(kind, endpoints="current")
    response = call(
        client.search(
            "objective",
            search_queries=["q1"],
            processor="pro",
            max_results=4,
            max_chars_per_result=2000,
            source_policy={"exclude_domains": ["x.com"]},
        )
    )
    assert json.loads(api.requests[0].content) == {
        "objective": "objective",
        "search_queries": ["q1"],
        "mode": "advanced",
        "advanced_settings": {
            "source_policy": {"exclude_domains": ["x.com"]},
            "max_results": 4,
            "excerpt_settings": {"max_chars_per_result": 2000},
        },
    }
    assert response.session_id == "s1"


def test_search_objective_alone_on_current_endpoints_derives_queries(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/search", httpx.Response(200, json={**SEARCH_OK, "session_id": "s1"}))
    client = api.client(kind, endpoints="current")
    objective = "How do Python decorators work? Explain functools.wraps; show examples."
    call(client.search(objective))
    sent = json.loads(api.requests[0].content)
    assert sent == {
        "objective": objective,
        "search_queries": [
            "Python decorators work Explain functools.wraps examples",
            "Python decorators work",
            "Explain functools.wraps",
            "examples",
        ],
    }
    call(client.search(objective))
    assert json.loads(api.requests[1].content) == sent  # deterministic


def test_derived_queries_respect_the_api_limits() -> None:
    from parallel_integrations._search import derive_queries

    long_objective = ". ".join(f"topic{i} " + "word" * 60 for i in range(9))
    queries = derive_queries(long_objective)
    assert 1 <= len(queries) <= 5
    assert all(0 < len(q) <= 200 for q in queries)
    assert derive_queries("what is it?") == ["what is it?"]  # nothing but function words: the objective itself
    assert derive_queries("C++ vs. node.js") == ["C++ vs node.js", "C++ vs", "node.js"]


@pytest.mark.parametrize(
    ("kwargs", "field", "limit"),
    [
        ({}, "objective", None),
        ({"objective": "x" * 5001}, "objective", "5000"),
        ({"search_queries": ["a"] * 6}, "search_queries", "5"),
        ({"search_queries": ["ok", "q" * 201]}, "search_queries[1]", "200"),
        ({"objective": "x", "max_results": 41}, "max_results", "40"),
        ({"objective": "x", "max_results": 0}, "max_results", "40"),
        ({"objective": "x", "max_chars_per_result": 99}, "max_chars_per_result", "100"),
        ({"objective": "x", "processor": "ultra"}, "processor", "base"),
        (
            {"objective": "x", "source_policy": {"include_domains": [f"d{i}.com" for i in range(201)]}},
            "source_policy",
            "200",
        ),
        (
            {"objective": "x", "source_policy": {"include_domains": ["https://python.org"]}},
            "source_policy.include_domains[0]",
            "scheme",
        ),
    ],
)
def test_search_limits_are_checked_before_sending(
    api: FakeAPI, kind: str, kwargs: dict[str, object], field: str, limit: str | None
) -> None:
    client = api.client(kind)
    with pytest.raises(ParallelValidationError) as info:
        call(client.search(**kwargs))  # type: ignore[arg-type]
    assert info.value.field == field
    if limit:
        assert limit in str(info.value)
    assert api.requests == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"metadata": {"k" * 17: "v"}}, "metadata." + "k" * 17),
        ({"metadata": {"key": "v" * 513}}, "metadata.key"),
        ({"mcp_servers": [{"url": f"https://m{i}", "name": f"m{i}"} for i in range(11)]}, "mcp_servers"),
        ({"mcp_servers": [{"url": "https://m"}]}, "mcp_servers.0.name"),
        ({"processor": ""}, "processor"),
        ({"input": "x" * 25_001}, "input"),
        (
            {"task_spec": {"output_schema": {"type": "json", "json_schema": {"type": "array"}}}},
            "task_spec.output_schema.json_schema",
        ),
    ],
)
def test_run_limits_are_checked_before_sending(api: FakeAPI, kind: str, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"input": "q", "processor": "lite", **kwargs}
    client = api.client(kind)
    with pytest.raises(ParallelValidationError) as info:
        call(client.task_runs.create(**args))  # type: ignore[arg-type]
    assert info.value.field.startswith(field), info.value.field
    assert api.requests == []


# --- error mapping --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (402, InsufficientCreditError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, RequestTimeoutError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_every_status_maps_to_its_error(api: FakeAPI, kind: str, status: int, cls: type[APIStatusError]) -> None:
    api.on("GET", "/v1/tasks/runs/trun_x", httpx.Response(status, json=error_body(f"status {status}", ref_id="ref-9")))
    client = api.client(kind, max_retries=0)
    with pytest.raises(cls) as info:
        call(client.task_runs.retrieve("trun_x"))
    assert type(info.value) is cls
    error = info.value
    assert (error.status_code, error.message, error.ref_id) == (status, f"status {status}", "ref-9")
    assert "ref-9" in str(error)


def test_422_error_response_shape(api: FakeAPI, kind: str) -> None:
    detail = {"errors": [{"loc": ["body", "processor"], "msg": "bad", "type": "value_error"}]}
    api.on("POST", "/v1/tasks/runs", httpx.Response(422, json=error_body("Validation failed", detail=detail)))
    with pytest.raises(UnprocessableEntityError) as info:
        call(api.client(kind).task_runs.create("q", "lite"))
    assert info.value.message == "Validation failed"
    assert info.value.errors == [{"loc": ["body", "processor"], "msg": "bad", "type": "value_error"}]


def test_422_fastapi_shape(api: FakeAPI, kind: str) -> None:
    detail = [{"loc": ["body", "inputs", 0, "processor"], "msg": "Field required", "type": "missing"}]
    api.on("POST", "/v1beta/tasks/groups", httpx.Response(422, json={"detail": detail}))
    with pytest.raises(UnprocessableEntityError) as info:
        call(api.client(kind).task_groups.create())
    assert info.value.errors == detail
    assert "body.inputs.0.processor: Field required" in info.value.message
    assert info.value.ref_id is None


def test_non_json_error_body(api: FakeAPI) -> None:
    api.on("GET", "/v1/tasks/runs/r", httpx.Response(502, text="<html>bad gateway</html>"))
    with pytest.raises(InternalServerError, match="bad gateway"):
        api.sync_client(max_retries=0).task_runs.retrieve("r")


def test_connection_error_is_named(api: FakeAPI, kind: str) -> None:
    api.on("GET", "/v1/tasks/runs/r", httpx.ConnectError("connection refused"))
    with pytest.raises(APIConnectionError) as info:
        call(api.client(kind, max_retries=0).task_runs.retrieve("r"))
    assert isinstance(info.value, ParallelError)
    assert info.value.request_sent is False
    assert "/v1/tasks/runs/r" in str(info.value)


def test_ids_with_path_characters_are_refused(api: FakeAPI) -> None:
    with pytest.raises(ParallelValidationError, match="id"):
        api.sync_client().task_runs.retrieve("../groups")
    assert api.requests == []
