"""The task tools: parallel_task (waits), the parallel_task_start / parallel_task_result pair, the toolkit, and
the custom events that announce a run."""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import ToolMessage
from pydantic import BaseModel

from parallel_integrations import ParallelValidationError, SchemaError, TaskRun, TaskRunResult
from parallel_integrations.emulator import RunningEmulator, Schedule
from parallel_integrations.langchain import (
    ParallelSearchTool,
    ParallelTaskResultTool,
    ParallelTaskStartTool,
    ParallelTaskTool,
    ParallelToolkit,
)

from .conftest import Statement


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": f"call-{name}", "name": name, "args": args}


class Events(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def on_custom_event(self, name: str, data: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.events.append((name, data))


def test_the_model_sees_only_input() -> None:
    tool = ParallelTaskTool(api_key="k", processor="core", output=Statement, run_timeout=30)
    schema = tool.tool_call_schema.model_json_schema()
    assert set(schema["properties"]) == {"input"}
    assert "natural language" in schema["properties"]["input"]["description"]
    assert tool.name == "parallel_task"


def test_tool_call_answers_with_cited_urls_and_a_typed_artifact(emulator: RunningEmulator) -> None:
    message = ParallelTaskTool(output=Statement).invoke(call("parallel_task", input="the with statement"))
    assert isinstance(message, ToolMessage)
    assert message.status == "success"
    assert isinstance(message.artifact, TaskRunResult)
    assert isinstance(message.artifact.parsed, Statement)
    assert message.artifact.parsed.keyword == "with"
    urls = [citation.url for _, citation in message.artifact.output.iter_citations()]
    assert urls
    assert "keyword: with [1]" in message.content
    assert f"URL: {urls[0]}" in message.content
    run = emulator.runs()[0]
    assert run.processor == "base"


async def test_async_tool_call_with_a_text_output(emulator: RunningEmulator) -> None:
    emulator.script_output("Who designed Python?", "Guido van Rossum designed Python.")
    tool = ParallelTaskTool(output="a one-sentence answer", processor="lite")
    message = await tool.ainvoke(call("parallel_task", input="Who designed Python?"))
    assert message.status == "success"
    assert message.artifact.output.content == "Guido van Rossum designed Python."
    assert "Guido van Rossum designed Python." in message.content


def test_a_failed_run_is_an_error_message(emulator: RunningEmulator) -> None:
    emulator.script_failure("doomed question", "the research failed")
    message = ParallelTaskTool().invoke(call("parallel_task", input="doomed question"))
    assert message.status == "error"
    assert "TaskRunFailedError" in message.content


def test_start_and_end_events_even_for_an_instant_run(emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0, running=0))
    handler = Events()
    ParallelTaskTool().invoke({"input": "the pass statement"}, config={"callbacks": [handler]})
    names = [name for name, _ in handler.events]
    assert names == ["parallel_task_start", "parallel_task_end"]
    start, end = (data for _, data in handler.events)
    assert start["run_id"].startswith("trun_")
    assert start["processor"] == "base"
    assert end == {"run_id": start["run_id"], "status": "completed"}


async def test_events_in_astream_events(emulator: RunningEmulator) -> None:
    tool = ParallelTaskTool(processor="lite")
    custom = [
        (event["name"], event["data"])
        async for event in tool.astream_events({"input": "the for statement"}, version="v2")
        if event["event"] == "on_custom_event"
    ]
    assert [name for name, _ in custom] == ["parallel_task_start", "parallel_task_end"]
    assert custom[0][1]["run_id"] == custom[1][1]["run_id"]


def test_a_failed_run_still_ends_with_an_event(emulator: RunningEmulator) -> None:
    emulator.script_failure("doomed question")
    handler = Events()
    ParallelTaskTool().invoke({"input": "doomed question"}, config={"callbacks": [handler]})
    assert handler.events[-1][0] == "parallel_task_end"
    assert handler.events[-1][1]["status"] == "failed"


def test_start_then_fetch(emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0, running=math.inf))
    start = ParallelTaskStartTool(output=Statement)
    fetch = ParallelTaskResultTool(output=Statement, wait=1)
    started = start.invoke(call("parallel_task_start", input="the while statement"))
    assert isinstance(started.artifact, TaskRun)
    run_id = started.artifact.run_id
    assert run_id in started.content
    assert "parallel_task_result" in started.content

    pending = fetch.invoke(call("parallel_task_result", run_id=run_id))
    assert pending.status == "success"
    assert "still running" in pending.content
    assert pending.artifact == {"run_id": run_id, "status": "running"}

    emulator.complete_run(run_id)
    done = fetch.invoke(call("parallel_task_result", run_id=run_id))
    assert isinstance(done.artifact.parsed, Statement)
    assert done.artifact.parsed.keyword == "while"
    assert "URL: https://docs.python.org/" in done.content


async def test_start_then_fetch_async(emulator: RunningEmulator) -> None:
    start, fetch = ParallelTaskStartTool(), ParallelTaskResultTool()
    started = await start.ainvoke(call("parallel_task_start", input="the if statement"))
    done = await fetch.ainvoke(call("parallel_task_result", run_id=started.artifact.run_id))
    assert isinstance(done.artifact, TaskRunResult)
    assert done.artifact.run.run_id == started.artifact.run_id


def test_an_unknown_run_id_is_an_error_message(emulator: RunningEmulator) -> None:
    message = ParallelTaskResultTool().invoke(call("parallel_task_result", run_id="trun_nosuchrun"))
    assert message.status == "error"
    assert "NotFoundError" in message.content


def test_an_output_the_api_cannot_take_fails_at_construction() -> None:
    class Node(BaseModel):
        children: list[Node]

    with pytest.raises(SchemaError, match="output"):
        ParallelTaskTool(api_key="k", output=Node)
    with pytest.raises(ParallelValidationError, match="output"):
        ParallelTaskTool(api_key="k", output=42)


@pytest.mark.parametrize(
    ("mode", "names"),
    [
        ("wait", ["parallel_search", "parallel_task"]),
        ("start_and_fetch", ["parallel_search", "parallel_task_start", "parallel_task_result"]),
        ("both", ["parallel_search", "parallel_task", "parallel_task_start", "parallel_task_result"]),
    ],
)
def test_toolkit_modes(mode: str, names: list[str]) -> None:
    tools = ParallelToolkit(api_key="k", task_mode=mode).get_tools()
    assert [tool.name for tool in tools] == names


def test_toolkit_tools_share_its_clients_and_settings() -> None:
    toolkit = ParallelToolkit(
        api_key="k", task_mode="both", processor="core", output=Statement, max_results=7, result_wait=2, max_chars=900
    )
    tools = toolkit.get_tools()
    assert {id(tool.sync_client()) for tool in tools} == {id(toolkit.sync_client())}
    search, task, start, fetch = tools
    assert isinstance(search, ParallelSearchTool)
    assert search.max_results == 7
    assert isinstance(task, ParallelTaskTool)
    assert task.processor == start.processor == "core"
    assert task.output is Statement
    assert isinstance(fetch, ParallelTaskResultTool)
    assert fetch.wait == 2
    assert all(tool.max_chars == 900 for tool in tools)


def test_toolkit_end_to_end(emulator: RunningEmulator) -> None:
    search, task = ParallelToolkit(output=Statement, max_results=2).get_tools()
    assert isinstance(search.invoke(call("parallel_search", objective="decorators")).artifact.results[0].url, str)
    assert task.invoke(call("parallel_task", input="the del statement")).artifact.parsed.keyword == "del"


@pytest.mark.parametrize("tool_class", [ParallelTaskTool, ParallelTaskStartTool])
def test_a_connection_failure_is_an_error_tool_message(tool_class: type[ParallelTaskTool]) -> None:
    tool = tool_class(api_key="k", base_url="http://127.0.0.1:9", max_retries=0)
    message = tool.invoke(call(tool.name, input="anything"))
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "APIConnectionError" in message.content


async def test_fetch_says_still_running_async(emulator: RunningEmulator) -> None:
    emulator.set_schedule(Schedule(queued=0, running=math.inf))
    started = await ParallelTaskStartTool().ainvoke(call("parallel_task_start", input="the match statement"))
    pending = await ParallelTaskResultTool(wait=1).ainvoke(call("parallel_task_result", run_id=started.artifact.run_id))
    assert "still running" in pending.content
    assert pending.artifact["status"] == "running"
