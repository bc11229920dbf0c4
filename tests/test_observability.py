"""What a user sees: log lines on the ``parallel_integrations`` logger, and reprs that describe the client."""

from __future__ import annotations

import logging

import httpx
import pytest

from parallel_integrations import ParallelClient
from tests.fakes import API_KEY, FakeAPI, call, error_body, run_json

RUN = "trun_" + "a" * 32
GROUP = "tgrp_" + "b" * 32
SEARCH_OK = {"search_id": "search_1", "results": []}


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "parallel_integrations" and r.levelno == level]


def test_each_request_is_logged_at_debug(api: FakeAPI, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="parallel_integrations")
    api.on("POST", "/alpha/search", httpx.Response(200, json=SEARCH_OK))
    call(api.client(kind).search("decorators"))
    assert records(caplog, logging.DEBUG) == ["POST /alpha/search -> 200 (attempt 1, 0.000 s)"]


def test_each_retry_is_logged_at_info_with_its_reason_and_wait(
    api: FakeAPI, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="parallel_integrations")
    api.on(
        "GET",
        f"/v1/tasks/runs/{RUN}",
        httpx.Response(503, json=error_body("busy")),
        httpx.ConnectError("refused"),
        httpx.Response(200, json=run_json(RUN)),
    )
    client = api.client(kind)
    call(client.task_runs.retrieve(RUN))
    assert records(caplog, logging.INFO) == [
        f"retrying GET /v1/tasks/runs/{RUN} in 0.50 s (retry 1 of 2): status 503",
        f"retrying GET /v1/tasks/runs/{RUN} in 1.00 s (retry 2 of 2): connection failed: refused "
        f"(GET {client.base_url}/v1/tasks/runs/{RUN})",
    ]
    debug = records(caplog, logging.DEBUG)
    assert [line.split(" (attempt")[0] for line in debug] == [
        f"GET /v1/tasks/runs/{RUN} -> 503",
        f"GET /v1/tasks/runs/{RUN} -> APIConnectionError",
        f"GET /v1/tasks/runs/{RUN} -> 200",
    ]
    assert [line.split("(attempt ")[1][0] for line in debug] == ["1", "2", "3"]


def test_created_runs_and_groups_are_logged_at_info(api: FakeAPI, kind: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="parallel_integrations")
    group = {"taskgroup_id": GROUP, "status": {"num_task_runs": 0}}
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json(RUN)))
    api.on("POST", "/v1beta/tasks/groups", httpx.Response(200, json=group))
    api.on("GET", f"/v1beta/tasks/groups/{GROUP}", httpx.Response(200, json=group))
    added = {"status": {"num_task_runs": 2}, "run_ids": ["trun_1", "trun_2"]}
    api.on("POST", f"/v1beta/tasks/groups/{GROUP}/runs", httpx.Response(200, json=added))
    client = api.client(kind)
    call(client.task_runs.create("q", "lite"))
    call(client.task_groups.create())
    call(client.task_groups.add_runs(GROUP, [{"input": "a", "processor": "lite"}, {"input": "b", "processor": "lite"}]))
    assert records(caplog, logging.INFO) == [
        f"created task run {RUN} (processor lite)",
        f"created task group {GROUP}",
        f"added 2 runs to {GROUP}: trun_1 trun_2",
    ]


def test_the_key_is_never_logged(api: FakeAPI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.on("GET", f"/v1/tasks/runs/{RUN}", httpx.Response(429, json=error_body("slow")), httpx.ConnectError("x"))
    with pytest.raises(Exception):  # noqa: B017, PT011 - which error does not matter here, only the log
        api.sync_client().task_runs.retrieve(RUN)
    assert caplog.records
    assert API_KEY not in caplog.text


def test_reprs_show_the_base_url_and_endpoints(api: FakeAPI, kind: str) -> None:
    client = api.client(kind)
    name = type(client).__name__
    prefix = "Async" if kind == "async" else ""
    described = f"(base_url={client.base_url!r}, endpoints='seed')"
    assert client.base_url.endswith("://fake.test")
    assert repr(client) == f"{name}{described}"
    assert repr(client.task_runs) == f"{prefix}TaskRuns{described}"
    assert repr(client.task_groups) == f"{prefix}TaskGroups{described}"
    assert "object at 0x" not in repr(client) + repr(client.task_runs) + repr(client.task_groups)
    assert repr(ParallelClient("k")) == "ParallelClient(base_url='https://api.parallel.ai', endpoints='current')"
