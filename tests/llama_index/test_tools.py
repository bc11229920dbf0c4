"""ParallelToolSpec against the emulator: tool names, descriptions and schemas as the model sees them, calls
sync and async, text with numbered URLs within the budget, and failures as readable tool errors."""

from __future__ import annotations

import re

import httpx
import pytest
from pydantic import BaseModel, Field

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelValidationError
from parallel_integrations.llama_index import ParallelToolSpec

KEY = "sk-RECOGNISABLE-tool-93d1"


class Statement(BaseModel):
    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


def tools_by_name(spec):
    return {tool.metadata.name: tool for tool in spec.to_tool_list()}


def test_the_model_sees_two_named_tools_with_only_its_own_parameters(emulator):
    tools = tools_by_name(ParallelToolSpec(max_results=3, task_processor="lite", task_output=Statement))
    assert set(tools) == {"search", "run_task"}
    assert set(tools["search"].metadata.get_parameters_dict()["properties"]) == {"objective", "search_queries"}
    assert tools["search"].metadata.get_parameters_dict()["required"] == ["objective"]
    assert set(tools["run_task"].metadata.get_parameters_dict()["properties"]) == {"input"}
    for tool in tools.values():
        assert len(tool.metadata.description) <= 1024
        tool.metadata.to_openai_tool()  # LlamaIndex's own length check
        properties = tool.metadata.get_parameters_dict()["properties"].values()
        assert all(p.get("description") for p in properties)
        assert tool.async_fn is not None
        assert tool.fn is not None


def assert_numbered_sources(text, at_least):
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\] ", text, re.M)]
    assert numbers[:at_least] == list(range(1, at_least + 1))
    urls = re.findall(r"^URL: (https://\S+)$", text, re.M)
    assert len(urls) >= at_least
    return urls


def test_search_tool_sync_gives_numbered_sources_with_urls(emulator):
    tool = tools_by_name(ParallelToolSpec(max_results=3))["search"]
    output = tool.call(objective="how do decorators work", search_queries=["decorator"])
    assert not output.is_error
    urls = assert_numbered_sources(output.content, 3)
    assert all(url.startswith("https://docs.python.org/") for url in urls)


async def test_search_tool_async_uses_the_async_client(emulator, refusing_sync_client):
    sync_client, transport = refusing_sync_client
    spec = ParallelToolSpec(max_results=2, client=sync_client, async_client=AsyncParallelClient())
    output = await tools_by_name(spec)["search"].acall(objective="how do generators work")
    assert_numbered_sources(output.content, 2)
    assert transport.calls == 0


def test_run_task_tool_sync_gives_a_cited_answer(emulator):
    tool = tools_by_name(ParallelToolSpec(task_processor="lite", task_output=Statement))["run_task"]
    text = tool.call(input="What does the with statement do?").content
    assert text.startswith("Answer (run trun_")
    assert re.search(r"^keyword: .+ \[\d+\]", text, re.M)
    assert "Sources:" in text
    assert_numbered_sources(text.split("Sources:")[1], 1)


async def test_run_task_tool_async(emulator, refusing_sync_client):
    sync_client, transport = refusing_sync_client
    spec = ParallelToolSpec(task_processor="lite", client=sync_client, async_client=AsyncParallelClient())
    text = (await tools_by_name(spec)["run_task"].acall(input="What does the for statement do?")).content
    assert "Sources:" in text
    assert "URL: https://docs.python.org/" in text
    assert transport.calls == 0


@pytest.mark.parametrize("budget", [400, 1500])
def test_text_stays_within_the_budget(emulator, budget):
    spec = ParallelToolSpec(max_results=10, task_processor="lite", max_chars=budget)
    search = spec.search("how do classes work")
    task = spec.run_task("What is a metaclass?")
    assert len(search) <= budget
    assert len(task) <= budget
    assert "URL: https://" in search


def test_fixed_settings_reach_the_api(recorded):
    client, recorder = recorded
    spec = ParallelToolSpec(
        client=client,
        max_results=4,
        search_processor="base",
        max_chars_per_result=500,
        source_policy={"exclude_domains": ["a.org"]},
    )
    spec.search("decorators")
    assert recorder.bodies[-1] == {
        "objective": "decorators",
        "processor": "base",
        "max_results": 4,
        "max_chars_per_result": 500,
        "source_policy": {"exclude_domains": ["a.org"]},
    }


def test_bad_input_from_the_model_is_a_readable_error(emulator):
    spec = ParallelToolSpec()
    assert spec.search("x" * 6000).startswith("Error: ParallelValidationError: objective: at most 5000 characters")
    assert spec.search(42).startswith("Error: ParallelValidationError: objective: must be a string")  # type: ignore[arg-type]
    assert spec.run_task("").startswith("Error: ParallelValidationError: input")
    assert emulator.requests() == []


async def test_a_failed_run_is_a_readable_error_sync_and_async(emulator):
    emulator.script_failure("please fail", "the processor gave up")
    spec = ParallelToolSpec(task_processor="lite")
    for text in (spec.run_task("please fail"), await spec.arun_task("please fail")):
        assert text.startswith("Error: TaskRunFailedError: ")
        assert "the processor gave up" in text


def refusing_key(request: httpx.Request) -> httpx.Response:
    body = {"type": "error", "error": {"ref_id": "r1", "message": "Invalid API key"}}
    return httpx.Response(401, json=body)


async def test_an_api_refusal_is_a_readable_error_without_the_key():
    transport = httpx.MockTransport(refusing_key)
    spec = ParallelToolSpec(
        client=ParallelClient(KEY, base_url="https://api.test", http_client=httpx.Client(transport=transport)),
        async_client=AsyncParallelClient(
            KEY, base_url="https://api.test", http_client=httpx.AsyncClient(transport=transport)
        ),
    )
    outputs = [
        spec.search("decorators"),
        await spec.asearch("decorators"),
        spec.run_task("q"),
        await spec.arun_task("q"),
    ]
    for text in outputs:
        assert text.startswith("Error: AuthenticationError: ")
        assert "Invalid API key" in text
        assert KEY not in text
    assert KEY not in repr(spec)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_chars": 0}, "max_chars"),
        ({"max_chars": "6000"}, "max_chars"),
        ({"max_results": "5"}, "max_results"),
        ({"task_processor": None}, "task_processor"),
        ({"task_output": 3.5}, "task_output"),
        ({"task_timeout": "1"}, "task_timeout"),
    ],
)
def test_bad_settings_are_refused_at_construction(kwargs, field):
    with pytest.raises(ParallelValidationError) as caught:
        ParallelToolSpec(api_key="k", **kwargs)
    assert caught.value.field == field
