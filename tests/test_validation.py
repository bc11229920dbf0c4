"""Bad input is refused before anything is sent, naming the field: the table of ``validation_cases`` run against
the sync and the async client, and what the table cannot express (good input still accepted, lazy batches,
percent-encoded ids, the messages' hints)."""

from __future__ import annotations

import datetime
import enum
import inspect
import json
import uuid

import httpx
import pytest
from pydantic import BaseModel

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelValidationError, TaskRunInput
from parallel_integrations._groups import AsyncTaskGroups, TaskGroups
from parallel_integrations._runs import AsyncTaskRuns, TaskRuns
from tests.fakes import FakeAPI, call, run_json
from tests.validation_cases import CASES, GROUP, RUN, Case, invoke


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_naming_the_field_before_sending(api: FakeAPI, kind: str, c: Case) -> None:
    client = api.client(kind)
    with pytest.raises(ParallelValidationError) as info:
        invoke(client, c)
    assert info.value.field == c.field, str(info.value)
    assert str(info.value).startswith(f"{c.field}: ")
    assert api.requests == []


def _public_methods(cls: type) -> set[str]:
    return {name for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize(
    ("prefix", "classes"),
    [
        ("", (ParallelClient, AsyncParallelClient)),
        ("task_runs.", (TaskRuns, AsyncTaskRuns)),
        ("task_groups.", (TaskGroups, AsyncTaskGroups)),
    ],
)
def test_the_table_covers_every_public_method(prefix: str, classes: tuple[type, type]) -> None:
    tested = {c.method for c in CASES}
    for cls in classes:
        methods = _public_methods(cls) - {"close", "aclose"}
        assert methods, cls
        missing = {prefix + name for name in methods} - tested
        assert not missing, f"no bad-input case for {sorted(missing)}"
    assert "__init__" in tested


# --- good input still goes through ------------------------------------------------------------------------------


def test_valid_search_arguments_are_sent_unchanged(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/alpha/search", httpx.Response(200, json={"search_id": "s", "results": []}))
    client = api.client(kind)
    call(
        client.search(
            "décorateurs en Python ✓",
            search_queries=("python decorators",),
            max_results=40,
            source_policy={"include_domains": ["python.org"], "after_date": "2024-01-01"},
        )
    )
    body = json.loads(api.requests[0].content)
    assert body["objective"] == "décorateurs en Python ✓"
    assert body["search_queries"] == ["python decorators"]
    assert body["source_policy"] == {"include_domains": ["python.org"], "after_date": "2024-01-01"}


class Size(enum.Enum):
    LARGE = "large"


class Address(BaseModel):
    city: str


def test_valid_run_fields_are_accepted(api: FakeAPI, kind: str) -> None:
    api.on("POST", "/v1/tasks/runs", httpx.Response(202, json=run_json()))
    client = api.client(kind)
    call(
        client.task_runs.create(
            {
                "company": "Acme",
                "founded": 1999,
                "ratio": 0.5,
                "when": datetime.date(2024, 1, 2),
                "id": uuid.UUID(int=7),
                "size": Size.LARGE,
                "tags": ("a", "b"),
                "address": Address(city="Oslo"),
            },
            "base",
            metadata={"k": 1.5, "flag": True},
            task_spec={"output_schema": "a summary"},
            webhook={"url": "https://example.com/hook", "event_types": ["task_run.status"]},
            mcp_servers=[{"url": "https://mcp.example.com", "name": "m", "allowed_tools": ["t"]}],
            enable_events=False,
        )
    )
    body = json.loads(api.requests[0].content)
    assert body["input"] == {
        "company": "Acme",
        "founded": 1999,
        "ratio": 0.5,
        "when": "2024-01-02",
        "id": "00000000-0000-0000-0000-000000000007",
        "size": "large",
        "tags": ["a", "b"],
        "address": {"city": "Oslo"},
    }
    assert body["metadata"] == {"k": 1.5, "flag": True}


def test_search_queries_as_a_string_is_refused_with_a_hint(api: FakeAPI) -> None:
    with pytest.raises(ParallelValidationError) as info:
        api.sync_client().search("x", search_queries="python decorators")
    assert 'search_queries=["python decorators"]' in str(info.value)
    assert "character" in str(info.value)


def test_a_misspelt_key_is_named_with_the_likely_one(api: FakeAPI) -> None:
    with pytest.raises(ParallelValidationError) as info:
        api.sync_client().search("x", source_policy={"include": ["python.org"]})
    assert "did you mean 'include_domains'" in str(info.value)


def test_a_lone_surrogate_is_located_and_the_value_is_not_echoed(api: FakeAPI) -> None:
    with pytest.raises(ParallelValidationError) as info:
        api.sync_client().task_runs.create({"a": ["ok", "bad \ud800"]}, "base")
    assert info.value.field == "input.a[1]"
    assert "surrogate" in str(info.value)


def test_a_value_that_contains_itself_is_refused(api: FakeAPI) -> None:
    looped: dict[str, object] = {}
    looped["self"] = looped
    with pytest.raises(ParallelValidationError) as info:
        api.sync_client().task_runs.create(looped, "base")
    assert info.value.field == "input"


def test_a_task_run_input_item_is_checked_like_a_dict(api: FakeAPI) -> None:
    client = api.sync_client()
    blank = TaskRunInput(input="  ", processor="base")
    with pytest.raises(ParallelValidationError) as info:
        client.task_groups.add_runs(GROUP, [blank])
    assert info.value.field == "inputs[0].input"
    with pytest.raises(ParallelValidationError) as info:
        client.task_groups.run_batch([blank])
    assert info.value.field == "inputs[0].input"
    assert api.requests == []


# --- batches: the call is checked at once, a generator as it is consumed ------------------------------------------


def test_run_batch_refuses_a_string_at_the_call_not_at_next(api: FakeAPI, kind: str) -> None:
    client = api.client(kind)
    with pytest.raises(ParallelValidationError, match="inputs"):
        client.task_groups.run_batch("the with statement", processor="base")
    assert api.requests == []


def test_run_batch_takes_a_generator_and_checks_its_items_before_their_chunk_is_sent(api: FakeAPI) -> None:
    api.on("POST", "/v1beta/tasks/groups", httpx.Response(200, json={"taskgroup_id": GROUP, "status": {}}))
    batch = api.sync_client().task_groups.run_batch((text for text in ["ok", " "]), processor="base")
    with pytest.raises(ParallelValidationError) as info:
        next(batch)
    assert info.value.field == "inputs[1].input"
    assert [r.url.path for r in api.requests] == ["/v1beta/tasks/groups"]  # the group, no run


# --- ids go into the path percent-encoded -------------------------------------------------------------------------


@pytest.mark.parametrize(("run_id", "raw_path"), [(RUN, RUN), ("run%1", "run%251"), ("trun_é", "trun_%C3%A9")])
def test_ids_are_percent_encoded_in_the_path(api: FakeAPI, kind: str, run_id: str, raw_path: str) -> None:
    api.on("GET", f"/v1/tasks/runs/{run_id}", httpx.Response(200, json=run_json(run_id)))
    call(api.client(kind).task_runs.retrieve(run_id))
    assert api.requests[0].url.raw_path.decode() == f"/v1/tasks/runs/{raw_path}"


def test_an_id_that_would_change_the_url_is_never_in_the_message_as_a_path(api: FakeAPI) -> None:
    with pytest.raises(ParallelValidationError) as info:
        api.sync_client().task_groups.retrieve_run(GROUP, "../../v1/tasks/runs")
    assert info.value.field == "run_id"
    assert "'/'" in str(info.value)
