"""The emulator over real HTTP on loopback: auth, error bodies, task runs, the /result long poll, and search."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest

from parallel_integrations.emulator import Corpus, Page, Schedule, serve

RUN_ID = re.compile(r"^trun_[0-9a-f]{32}$")
SEARCH_ID = re.compile(r"^search_[0-9a-f]{32}$")
SESSION_ID = re.compile(r"^session_[0-9a-f]{32}$")
REF_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
TASK_RUN_KEYS = {
    "run_id", "interaction_id", "status", "is_active", "warnings", "error", "processor", "metadata",
    "taskgroup_id", "created_at", "modified_at",
}  # fmt: skip
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "born": {"type": "integer"}},
    "required": ["name", "born"],
    "additionalProperties": False,
}


def assert_error(response: httpx.Response, status: int, message: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error"
    assert REF_ID.match(body["error"]["ref_id"])
    if message is not None:
        assert body["error"]["message"] == message
    return body["error"]


def create_run(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/tasks/runs", json={"input": "What is a decorator?", "processor": "base", **body})
    assert response.status_code == 202, response.text
    return response.json()


# --- auth and routing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"x-api-key": ""}])
def test_a_request_without_an_api_key_is_refused_with_401(parallel_emulator, headers):
    response = httpx.post(f"{parallel_emulator.base_url}/v1/search", json={"search_queries": ["x"]}, headers=headers)
    assert_error(response, 401, "Unauthorized: invalid or missing credentials")


def test_an_emulator_created_with_an_api_key_accepts_only_that_key():
    with serve(api_key="right-key") as emulator:
        url = f"{emulator.base_url}/v1beta/tasks/groups"
        assert_error(httpx.post(url, json={}, headers={"x-api-key": "wrong-key"}), 401)
        assert httpx.post(url, json={}, headers={"x-api-key": "right-key"}).status_code == 200


def test_unknown_paths_and_methods_answer_json_error_bodies(client):
    assert_error(client.get("/v2/nothing"), 404, "Not found")
    assert_error(client.delete("/v1/tasks/runs"), 405, "Method not allowed")


def test_stainless_headers_beta_headers_and_beta_query_are_tolerated(client):
    headers = {
        "parallel-beta": "mcp-server-2025-07-17,events-sse-2025-07-24",
        "x-stainless-lang": "python",
        "x-stainless-retry-count": "0",
        "X-Stainless-Poll-Helper": "true",
    }
    response = client.post(
        "/v1/tasks/runs",
        params={"beta": "true"},
        headers=headers,
        json={"input": "What is a lambda?", "processor": "lite"},
    )
    assert response.status_code == 202
    run_id = response.json()["run_id"]
    result = client.get(f"/v1/tasks/runs/{run_id}/result", params={"beta": "true", "timeout": 5}, headers=headers)
    assert result.status_code == 200


# --- creating and reading runs --------------------------------------------------------------------------------


def test_create_run_answers_202_with_a_queued_run_in_the_api_format(client):
    run = create_run(client, metadata={"job": "42", "n": 3, "ok": True})
    assert set(run) == TASK_RUN_KEYS
    assert RUN_ID.match(run["run_id"])
    assert run["interaction_id"] == run["run_id"]
    assert (run["status"], run["is_active"], run["processor"]) == ("queued", True, "base")
    assert run["metadata"] == {"job": "42", "n": 3, "ok": True}
    assert run["taskgroup_id"] is None
    assert run["error"] is None
    assert run["warnings"] is None
    assert TIMESTAMP.match(run["created_at"])
    assert TIMESTAMP.match(run["modified_at"])


def test_retrieve_shows_the_run_and_404s_an_unknown_id(client):
    run = create_run(client)
    response = client.get(f"/v1/tasks/runs/{run['run_id']}")
    assert response.status_code == 200
    assert response.json()["run_id"] == run["run_id"]
    assert_error(client.get("/v1/tasks/runs/trun_0123456789abcdef0123456789abcdef"), 404, "Run id not found")


def test_input_returns_the_run_input_as_submitted(client):
    body = {
        "input": {"country": "France", "year": 2023},
        "processor": "core",
        "metadata": {"my_key": "my_value"},
        "task_spec": {"output_schema": {"type": "json", "json_schema": PERSON}},
    }
    run = create_run(client, **body)
    response = client.get(f"/v1/tasks/runs/{run['run_id']}/input")
    assert response.status_code == 200
    assert response.json() == body


@pytest.mark.parametrize("processor", ["lite", "base", "core", "core2x", "pro", "ultra8x", "lite-fast", "ultra-fast"])
def test_every_documented_processor_is_accepted(client, processor):
    assert create_run(client, processor=processor)["processor"] == processor


@pytest.mark.parametrize("processor", ["turbo", "Base", "pro-slow", ""])
def test_an_unknown_processor_is_refused_with_403(client, processor):
    response = client.post("/v1/tasks/runs", json={"input": "x", "processor": processor})
    assert_error(response, 403, "Forbidden: invalid processor in request")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"processor": "base"}, ["body", "input"]),
        ({"input": "x"}, ["body", "processor"]),
        (
            {"input": "x", "processor": "base", "metadata": {"a_key_longer_than_16": "v"}},
            ["body", "metadata", "a_key_longer_than_16"],
        ),
        ({"input": "x", "processor": "base", "metadata": {"k": "v" * 513}}, ["body", "metadata", "k"]),
        ({"input": "x" * 25_001, "processor": "base"}, ["body", "input"]),
        (
            {"input": "x", "processor": "base", "source_policy": {"include_domains": ["https://a.com"]}},
            ["body", "source_policy", "include_domains", 0],
        ),
    ],
)
def test_invalid_run_input_is_a_422_error_response_naming_the_field(client, body, loc):
    error = assert_error(client.post("/v1/tasks/runs", json=body), 422)
    assert error["detail"]["errors"][0]["loc"] == loc


def test_a_body_that_is_not_json_is_a_422(client):
    response = client.post("/v1/tasks/runs", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(response, 422)


@pytest.mark.parametrize(
    ("json_schema", "expected"),
    [
        ({"type": "array", "items": {"type": "string"}}, "type 'object'"),
        ({"anyOf": [PERSON, {"type": "null"}]}, "union"),
        ({"type": "object", "properties": {"name": {"type": "string", "pattern": "^A"}}}, "pattern"),
        (
            {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(101)}},
            "at most 100 properties",
        ),
    ],
)
def test_an_output_schema_breaking_the_api_rules_is_a_422(client, json_schema, expected):
    spec = {"output_schema": {"type": "json", "json_schema": json_schema}}
    response = client.post("/v1/tasks/runs", json={"input": "x", "processor": "base", "task_spec": spec})
    error = assert_error(response, 422)
    assert expected in error["message"]
    assert error["detail"]["errors"][0]["loc"][:3] == ["body", "task_spec", "output_schema"]


def test_schema_remarks_are_warnings_on_the_run_not_errors(client):
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "reasoning": {"type": "string"}},
        "required": ["answer"],
    }
    run = create_run(client, task_spec={"output_schema": {"type": "json", "json_schema": schema}})
    warnings = run["warnings"]
    assert warnings
    assert all(w["type"] == "spec_validation_warning" for w in warnings)
    text = " ".join(w["message"] for w in warnings)
    assert "reasoning" in text
    assert "additionalProperties" in text
    assert "required" in text


def test_input_not_matching_the_input_schema_gives_an_input_validation_warning(client):
    spec = {
        "output_schema": "A short answer",
        "input_schema": {
            "type": "json",
            "json_schema": {"type": "object", "properties": {"company": {"type": "string"}}, "required": ["company"]},
        },
    }
    run = create_run(client, input={"name": "Acme"}, task_spec=spec)
    assert [w["type"] for w in run["warnings"]] == ["input_validation_warning"]


# --- waiting for results --------------------------------------------------------------------------------------


def test_result_waits_for_completion_and_returns_text_output_below_pro(client):
    run = create_run(client, processor="core")
    response = client.get(f"/v1/tasks/runs/{run['run_id']}/result")
    assert response.status_code == 200
    result = response.json()
    assert (result["run"]["status"], result["run"]["is_active"]) == ("completed", False)
    output = result["output"]
    assert output["type"] == "text"
    assert output["content"]
    assert output["basis"][0]["field"] == "output"
    assert output["basis"][0]["citations"][0]["url"].startswith("https://docs.python.org/")


def test_a_missing_task_spec_on_pro_means_auto_json_with_the_generated_schema(client):
    run = create_run(client, processor="pro-fast")
    output = client.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"]
    assert output["type"] == "json"
    assert output["output_schema"]["type"] == "object"
    assert set(output["content"]) == set(output["output_schema"]["properties"])


def test_a_json_schema_gives_json_content_with_a_basis_per_field(client):
    spec = {"output_schema": {"json_schema": PERSON}}  # "type" defaults to json, as in the API
    run = create_run(client, input="Who designed Python?", task_spec=spec)
    output = client.get(f"/v1/tasks/runs/{run['run_id']}/result").json()["output"]
    assert output["type"] == "json"
    assert output["output_schema"] is None
    assert set(output["content"]) == {"name", "born"}
    assert isinstance(output["content"]["born"], int)
    assert {b["field"] for b in output["basis"]} == {"name", "born"}


def test_the_same_input_gives_the_same_output(client):
    first, second = (create_run(client, input="How does the with statement work?") for _ in range(2))
    outputs = [client.get(f"/v1/tasks/runs/{r['run_id']}/result").json()["output"] for r in (first, second)]
    assert outputs[0] == outputs[1]


def test_result_answers_408_when_the_run_is_still_active_after_timeout(client, parallel_emulator):
    parallel_emulator.set_schedule(Schedule(queued=0, running=60))
    run = create_run(client)
    assert_error(
        client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": 1}),
        408,
        "Request timed out; run still active",
    )
    assert client.get(f"/v1/tasks/runs/{run['run_id']}").json()["status"] == "running"


def test_result_wakes_as_soon_as_a_run_is_finished_from_another_thread(client, parallel_emulator):
    parallel_emulator.set_schedule(Schedule(queued=0, running=float("inf")))
    run = create_run(client)
    timer = threading.Timer(0.2, parallel_emulator.complete_run, [run["run_id"]])
    timer.start()
    response = client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": 30})
    timer.join()
    assert response.status_code == 200
    assert response.json()["run"]["status"] == "completed"


def test_result_answers_404_for_a_failed_run_and_for_an_unknown_id(client, parallel_emulator):
    parallel_emulator.script_failure("doomed question", "The processor gave up")
    run = create_run(client, input="doomed question")
    assert_error(client.get(f"/v1/tasks/runs/{run['run_id']}/result"), 404, "Run failed or run id not found")
    failed = client.get(f"/v1/tasks/runs/{run['run_id']}").json()
    assert (failed["status"], failed["is_active"]) == ("failed", False)
    assert failed["error"]["message"] == "The processor gave up"
    assert_error(client.get("/v1/tasks/runs/trun_unknown/result"), 404, "Run failed or run id not found")


@pytest.mark.parametrize("timeout", ["1.5", "soon", "-1"])
def test_result_timeout_must_be_a_non_negative_integer(client, timeout):
    run = create_run(client)
    error = assert_error(client.get(f"/v1/tasks/runs/{run['run_id']}/result", params={"timeout": timeout}), 422)
    assert error["detail"]["errors"][0]["loc"] == ["query", "timeout"]


# --- search ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/alpha/search", "/v1beta/search"])
def test_seed_search_answers_ranked_results(client, path):
    response = client.post(path, json={"objective": "How do decorators work?", "processor": "base"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"search_id", "results", "warnings", "usage"}
    assert SEARCH_ID.match(body["search_id"])
    first = body["results"][0]
    assert set(first) == {"url", "title", "excerpts", "publish_date"}
    assert first["url"].startswith("https://docs.python.org/3/")
    assert first["excerpts"]


def test_an_objective_about_decorators_finds_function_definitions(client):
    # typing's page documents a dozen decorators, and may come first; the language reference is in the top 3.
    response = client.post("/alpha/search", json={"objective": "How do decorators work?", "max_results": 3})
    assert "Function definitions" in [result["title"] for result in response.json()["results"]]


def test_search_honours_max_results_and_max_chars_per_result(client):
    body = {"search_queries": ["class", "function", "statement"], "max_results": 3, "max_chars_per_result": 300}
    results = client.post("/alpha/search", json=body).json()["results"]
    assert len(results) == 3
    assert all(sum(len(e) for e in r["excerpts"]) <= 300 for r in results)


def test_search_source_policy_on_the_default_corpus(client):
    def urls(policy: dict[str, Any]) -> list[str]:
        body = {"objective": "How do decorators work?", "source_policy": policy}
        return [r["url"] for r in client.post("/alpha/search", json=body).json()["results"]]

    page = "docs.python.org/3/reference/compound_stmts.html"
    kept = urls({"include_domains": [page]})
    assert kept
    assert all(url.startswith(f"https://{page}#") for url in kept)
    assert urls({"exclude_domains": ["python.org"]}) == []
    assert urls({"include_domains": ["example.com"]}) == []


def test_search_source_policy_keeps_and_drops_domains():
    pages = [
        Page("https://docs.python.org/3/a", "Decorators", "A decorator wraps a function definition."),
        Page("https://peps.python.org/pep-0318/", "PEP 318", "Decorators for functions and methods."),
        Page("https://blog.example.com/decorators", "Blog", "Decorators explained with examples."),
    ]
    with (
        serve(corpus=Corpus.from_pages(pages)) as emulator,
        httpx.Client(base_url=emulator.base_url, headers={"x-api-key": "k"}) as c,
    ):

        def urls(policy: dict[str, Any]) -> set[str]:
            body = {"objective": "decorators", "source_policy": policy}
            return {r["url"] for r in c.post("/alpha/search", json=body).json()["results"]}

        assert urls({}) == {p.url for p in pages}
        assert urls({"include_domains": ["python.org"]}) == {pages[0].url, pages[1].url}
        assert urls({"exclude_domains": ["example.com", "peps.python.org"]}) == {pages[0].url}
        assert urls({"include_domains": ["example.com"], "exclude_domains": ["example.com"]}) == {pages[2].url}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "objective"),
        ({"objective": "x" * 5001}, "objective"),
        ({"search_queries": ["q"] * 6}, "search_queries"),
        ({"search_queries": ["q" * 201]}, "search_queries[0]"),
        ({"objective": "x", "max_results": 41}, "max_results"),
        ({"objective": "x", "max_chars_per_result": 99}, "max_chars_per_result"),
        ({"objective": "x", "processor": "ultra"}, "processor"),
        ({"objective": "x", "source_policy": {"include_domains": [f"d{i}.com" for i in range(201)]}}, "source_policy"),
        ({"objective": "x", "max_results": "many"}, "max_results"),
    ],
)
def test_seed_search_limits_are_422_error_responses(client, body, field):
    error = assert_error(client.post("/alpha/search", json=body), 422)
    assert error["message"].startswith(field)


def test_v1_search_uses_advanced_settings_and_returns_a_session_id(client):
    body = {
        "search_queries": ["decorator function definition"],
        "objective": "How do decorators work?",
        "mode": "basic",
        "advanced_settings": {"max_results": 2, "excerpt_settings": {"max_chars_per_result": 1200}},
    }
    answer = client.post("/v1/search", json=body).json()
    assert SEARCH_ID.match(answer["search_id"])
    assert SESSION_ID.match(answer["session_id"])
    assert answer["usage"] == [{"name": "sku_search", "count": 1}]
    assert len(answer["results"]) == 2
    assert all(sum(len(e) for e in r["excerpts"]) <= 1200 for r in answer["results"])
    echoed = client.post("/v1/search", json={"search_queries": ["lambda"], "session_id": "session_mine"}).json()
    assert echoed["session_id"] == "session_mine"


def test_v1_search_raises_small_budgets_to_1000_and_caps_the_total(client):
    small = {
        "search_queries": ["class definition inheritance"],
        "advanced_settings": {"excerpt_settings": {"max_chars_per_result": 100}},
    }
    sizes = [sum(len(e) for e in r["excerpts"]) for r in client.post("/v1/search", json=small).json()["results"]]
    assert max(sizes) > 100
    assert max(sizes) <= 1000
    capped = {"search_queries": ["class definition inheritance"], "max_chars_total": 1500}
    results = client.post("/v1/search", json=capped).json()["results"]
    assert sum(len(e) for r in results for e in r["excerpts"]) <= 1500


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"objective": "no queries"}, ["body", "search_queries"]),
        ({"search_queries": []}, ["body", "search_queries"]),
        ({"search_queries": ["x"], "mode": "agentic"}, ["body", "mode"]),
        (
            {"search_queries": ["x"], "advanced_settings": {"max_results": 0}},
            ["body", "advanced_settings", "max_results"],
        ),
    ],
)
def test_v1_search_validation_is_a_422_error_response(client, body, loc):
    error = assert_error(client.post("/v1/search", json=body), 422)
    assert error["detail"]["errors"][0]["loc"] == loc
