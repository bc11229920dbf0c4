"""ParallelSearchTool: the model-visible schema, the text and artifact, the budget, errors as ToolMessages."""

from __future__ import annotations

import socket

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import ToolException

from parallel_integrations import SearchResponse
from parallel_integrations.emulator import Fault, RunningEmulator
from parallel_integrations.langchain import ParallelSearchTool


def call(args: dict[str, object], name: str = "parallel_search") -> dict[str, object]:
    return {"type": "tool_call", "id": "call-1", "name": name, "args": args}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_model_sees_only_objective_and_queries() -> None:
    tool = ParallelSearchTool(api_key="k", max_results=3, processor="pro", source_policy={"include_domains": ["a.b"]})
    schema = tool.tool_call_schema.model_json_schema()
    assert set(schema["properties"]) == {"objective", "search_queries"}
    assert schema["required"] == ["objective"]
    assert "natural-language" in schema["properties"]["objective"]["description"]
    assert tool.name == "parallel_search"


def test_tool_call_gives_numbered_urls_and_a_typed_artifact(emulator: RunningEmulator) -> None:
    message = ParallelSearchTool(max_results=3).invoke(call({"objective": "how does the with statement work"}))
    assert isinstance(message, ToolMessage)
    assert message.status == "success"
    assert isinstance(message.artifact, SearchResponse)
    assert len(message.artifact.results) == 3
    for number, result in enumerate(message.artifact.results, 1):
        assert f"[{number}] " in message.content
        assert f"URL: {result.url}" in message.content


async def test_async_tool_call(emulator: RunningEmulator) -> None:
    tool = ParallelSearchTool(max_results=2)
    message = await tool.ainvoke(call({"objective": "generators", "search_queries": ["yield expression"]}))
    assert isinstance(message.artifact, SearchResponse)
    assert "URL: https://docs.python.org/" in message.content


def test_plain_args_give_the_text_only(emulator: RunningEmulator) -> None:
    text = ParallelSearchTool(max_results=2).invoke({"objective": "lambda expressions"})
    assert isinstance(text, str)
    assert text.startswith("[1] ")


def test_the_text_keeps_to_the_budget_and_says_what_was_left_out(emulator: RunningEmulator) -> None:
    message = ParallelSearchTool(max_results=10, max_chars=400).invoke(call({"objective": "python statements"}))
    assert len(message.content) <= 400
    assert "left out" in message.content
    assert len(message.artifact.results) == 10


def test_an_api_error_is_an_error_message_for_the_model(emulator: RunningEmulator) -> None:
    emulator.add_fault(Fault(route="POST /alpha/search", status=429, message="slow down please"))
    message = ParallelSearchTool(max_results=2, max_retries=0).invoke(call({"objective": "x"}))
    assert message.status == "error"
    assert "RateLimitError" in message.content
    assert "slow down please" in message.content


def test_bad_arguments_from_the_model_come_back_as_an_error_message(emulator: RunningEmulator) -> None:
    queries = [f"query {i}" for i in range(8)]
    message = ParallelSearchTool().invoke(call({"objective": "x", "search_queries": queries}))
    assert message.status == "error"
    assert "search_queries" in message.content
    assert emulator.requests(path="/alpha/search") == []


def test_a_connection_failure_is_an_error_tool_message() -> None:
    tool = ParallelSearchTool(api_key="k", base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0)
    message = tool.invoke(call({"objective": "anything"}))
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "APIConnectionError" in message.content


def test_without_error_handling_the_exception_propagates() -> None:
    tool = ParallelSearchTool(
        api_key="k", base_url=f"http://127.0.0.1:{closed_port()}", max_retries=0, handle_tool_error=False
    )
    with pytest.raises(ToolException, match="APIConnectionError"):
        tool.invoke({"objective": "anything"})


@pytest.mark.parametrize(("args", "field"), [({"objective": 5}, "objective"), ({"search_queries": ["a"]}, "objective")])
def test_arguments_that_do_not_fit_the_schema_are_explained_to_the_model(args: dict[str, object], field: str) -> None:
    message = ParallelSearchTool(api_key="k").invoke(call(args))
    assert message.status == "error"
    assert message.content.startswith(f"Invalid arguments ({field}: ")
