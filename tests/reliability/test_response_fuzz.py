"""Response parsing under fuzzing, through ``httpx.MockTransport``: the emulator's real answers for every
endpoint, then mutated (unknown fields, nulls, fields removed, wrong types, truncated JSON, a proxy's HTML page,
an empty body, any status). Every call ends in a parsed model or a named ``ParallelError``, never another
exception."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parallel_integrations import ParallelClient, ParallelError
from parallel_integrations.emulator import Schedule, serve

RUN_ID = "trun_0123456789abcdef0123456789abcdef"
GROUP_ID = "tgrp_0123456789abcdef0123456789abcdef"

_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=5,
)


@functools.cache
def real_answers() -> dict[str, Any]:
    """One genuine answer body per endpoint, recorded once from an emulator (not a fixture: hypothesis would
    print it with every failing example)."""
    with serve(schedule=Schedule(queued=0, running=0.01)) as emulator:
        c = httpx.Client(base_url=emulator.base_url, headers={"x-api-key": "k"}, timeout=30)
        run = c.post("/v1/tasks/runs", json={"input": "the with statement", "processor": "lite"}).json()
        group = c.post("/v1beta/tasks/groups", json={}).json()
        gid = group["taskgroup_id"]
        added = c.post(f"/v1beta/tasks/groups/{gid}/runs", json={"inputs": [{"input": "x", "processor": "lite"}]})
        answers = {
            "search": c.post("/alpha/search", json={"objective": "decorators", "max_results": 2}).json(),
            "create": run,
            "result": c.get(f"/v1/tasks/runs/{run['run_id']}/result").json(),
            "retrieve": c.get(f"/v1/tasks/runs/{run['run_id']}").json(),
            "input": c.get(f"/v1/tasks/runs/{run['run_id']}/input").json(),
            "group": c.get(f"/v1beta/tasks/groups/{gid}").json(),
            "add_runs": added.json(),
        }
        c.close()
    return answers


CALLS: dict[str, Callable[[ParallelClient], object]] = {
    "search": lambda c: c.search("decorators", max_results=2),
    "create": lambda c: c.task_runs.create("the with statement", "lite"),
    "result": lambda c: c.task_runs.result(RUN_ID, timeout=5),
    "retrieve": lambda c: c.task_runs.retrieve(RUN_ID),
    "input": lambda c: c.task_runs.retrieve_input(RUN_ID),
    "group": lambda c: c.task_groups.retrieve(GROUP_ID),
    "add_runs": lambda c: c.task_groups.add_runs(GROUP_ID, [{"input": "x", "processor": "lite"}]),
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*prefix, key)
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*prefix, index)
            yield from _paths(inner, (*prefix, index))


def _mutate(body: Any, path: tuple[Any, ...], how: str, replacement: Any) -> None:
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "null":
        parent[last] = None
    elif how == "replace":
        parent[last] = replacement
    elif isinstance(parent, dict):
        parent[f"unknown_{last}"] = replacement


@st.composite
def mutated(draw: st.DrawFn, answers: dict[str, Any], name: str) -> tuple[int, dict[str, str], bytes]:
    """A status, headers and body: the real answer with a few fields changed, or something else entirely."""
    status = draw(st.sampled_from([200, 200, 200, 201, 202, 204, 400, 401, 403, 404, 409, 422, 429, 500, 502]))
    kind = draw(st.sampled_from(["fields", "fields", "fields", "truncated", "html", "empty", "bytes", "json"]))
    body = json.loads(json.dumps(answers[name]))
    if kind == "fields":
        paths = list(_paths(body))
        for _ in range(draw(st.integers(1, 4))):
            if not paths:
                break
            path = draw(st.sampled_from(paths))
            _mutate(body, path, draw(st.sampled_from(["delete", "null", "replace", "add"])), draw(_json_values))
            paths = list(_paths(body))
        return status, {"content-type": "application/json"}, json.dumps(body).encode()
    raw = json.dumps(body).encode()
    if kind == "truncated":
        return status, {"content-type": "application/json"}, raw[: draw(st.integers(0, max(0, len(raw) - 1)))]
    if kind == "html":
        page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
        return status, {"content-type": "text/html"}, page
    if kind == "empty":
        return status, {}, b""
    if kind == "bytes":
        return status, {"content-type": "application/json"}, draw(st.binary(max_size=40))
    return status, {"content-type": "application/json"}, json.dumps(draw(_json_values)).encode()


@pytest.mark.parametrize("name", CALLS)
@given(data=st.data())
def test_any_answer_is_a_parsed_model_or_a_named_error(name: str, data: st.DataObject) -> None:
    answers = real_answers()
    status, headers, body = data.draw(mutated(answers, name))

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == f"/v1beta/tasks/groups/{GROUP_ID}" and name == "add_runs":
            return httpx.Response(200, json=answers["group"])  # the run count add_runs reconciles with
        return httpx.Response(status, headers=headers, content=body)

    http = httpx.Client(transport=httpx.MockTransport(answer), base_url="https://parallel.test")
    with ParallelClient(api_key="k", base_url="https://parallel.test", max_retries=0, http_client=http) as client:
        try:
            parsed = CALLS[name](client)
        except ParallelError:
            return  # named, and what a caller can catch
        assert parsed is not None
    http.close()


def test_the_fuzzer_changes_answers_the_client_rejects() -> None:
    """The mutations are not harmless by construction: a run whose status is a number is refused, named."""
    body = dict(real_answers()["retrieve"], status=7)
    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)))
    with (
        ParallelClient(api_key="k", base_url="https://parallel.test", max_retries=0, http_client=http) as client,
        pytest.raises(ParallelError),
    ):
        client.task_runs.retrieve(RUN_ID)
