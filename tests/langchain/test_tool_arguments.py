"""The tools' own argument handling (``_ParallelTool._filter_injected_args`` / ``_to_args_and_kwargs``) gives what
``BaseTool``'s does, callbacks and errors included, and steps aside for any other schema.

These two methods are private to LangChain: the guard below names the langchain-core versions they were checked
against, and fails on any other, so that an upgrade is checked again (run this file, read ``BaseTool.run``).
"""

from __future__ import annotations

import inspect
from types import FunctionType
from typing import Annotated, Any
from unittest.mock import patch
from uuid import UUID

import langchain_core
import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, InjectedToolArg
from pydantic import BaseModel, Field, ValidationError

from parallel_integrations.emulator import RunningEmulator
from parallel_integrations.langchain import (
    ParallelSearchTool,
    ParallelTaskResultTool,
    ParallelTaskStartTool,
    ParallelTaskTool,
    tools,
)
from parallel_integrations.langchain.tools import ParallelSearchInput

TOOL_CLASSES: list[type[BaseTool]] = [
    ParallelSearchTool,
    ParallelTaskTool,
    ParallelTaskStartTool,
    ParallelTaskResultTool,
]
INPUTS: list[Any] = [
    {"objective": "python decorators"},
    {"objective": "python decorators", "search_queries": ["functools.wraps", "decorator"]},
    {"objective": "x", "search_queries": None, "unknown": 1, "callbacks": "kept out", "run_manager": "kept out"},
    {"input": "the for statement"},
    {"input": "the for statement", "callbacks": None},
    {"run_id": "trun_" + "a" * 32},
    "a bare string",
    {},
    {"objective": 3},
    {"input": ["a", "list"]},
    {"objective": "q", "search_queries": "not a list"},
]


def test_the_fast_path_runs_only_under_a_verified_langchain_core(monkeypatch: pytest.MonkeyPatch) -> None:
    release = tuple(int(part) for part in langchain_core.__version__.split(".")[:2])
    assert (release in tools.VERIFIED_LANGCHAIN_CORE) == tools.FAST_ARGUMENTS
    # The suite is meant to run under a verified release, so that the comparisons below test the fast path.
    assert tools.FAST_ARGUMENTS, f"langchain-core {langchain_core.__version__}: check BaseTool.run/arun, then add it"
    monkeypatch.setattr(tools, "FAST_ARGUMENTS", False)
    tool = ParallelSearchTool(api_key="k")
    with patch.object(BaseTool, "_to_args_and_kwargs", return_value=((), {"objective": "q"})) as langchains:
        assert tool._to_args_and_kwargs({"objective": "q"}, None) == ((), {"objective": "q"})
    langchains.assert_called_once()


def _outcome(call: Any) -> Any:
    try:
        return ("value", call())
    except ValidationError as exc:
        return ("invalid", exc.errors(include_url=False))


@pytest.mark.parametrize("tool_class", TOOL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("tool_input", INPUTS, ids=repr)
def test_the_same_arguments_as_basetool(tool_class: type[BaseTool], tool_input: Any) -> None:
    tool = tool_class(api_key="k")
    mine = _outcome(lambda: tool._to_args_and_kwargs(_copy(tool_input), "call-1"))
    langchains = _outcome(lambda: BaseTool._to_args_and_kwargs(tool, _copy(tool_input), "call-1"))
    assert mine == langchains
    if isinstance(tool_input, dict):
        assert tool._filter_injected_args(dict(tool_input)) == BaseTool._filter_injected_args(tool, dict(tool_input))


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


class WithInjected(BaseModel):
    objective: str = Field(description="what to find")
    user: Annotated[str, InjectedToolArg] = Field(default="", description="injected by the application")


def test_a_subclass_with_another_schema_takes_langchains_path() -> None:
    class Injecting(ParallelSearchTool):
        args_schema: Any = WithInjected

    tool = Injecting(api_key="k")
    arguments = {"objective": "q", "user": "u-1"}
    assert tool._filter_injected_args(arguments) == {"objective": "q"}  # the injected argument is not shown
    assert tool._to_args_and_kwargs(dict(arguments), None) == BaseTool._to_args_and_kwargs(tool, arguments, None)


def test_an_args_schema_given_at_construction_takes_langchains_path() -> None:
    tool = ParallelSearchTool(api_key="k", args_schema=WithInjected)
    assert tool._filter_injected_args({"objective": "q", "user": "u-1"}) == {"objective": "q"}


def test_the_kept_signatures_are_the_computed_ones() -> None:
    for tool_class in TOOL_CLASSES:
        for name in ("_run", "_arun"):
            method = tool_class.__dict__[name]
            kept = method.__dict__["__signature__"]
            bare = FunctionType(method.__code__, method.__globals__, name, method.__defaults__, method.__closure__)
            bare.__annotations__ = method.__annotations__
            assert "__signature__" not in bare.__dict__
            assert kept == inspect.signature(bare)
            assert "run_manager" not in kept.parameters


class Recorder(BaseCallbackHandler):
    """What the tool callbacks receive, run ids included."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> None:
        self.events.append(("start", {"input_str": input_str, **kwargs}))

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self.events.append(("end", {"output": output, **kwargs}))

    def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        self.events.append(("error", {"error": repr(error), **kwargs}))


class AsyncRecorder(AsyncCallbackHandler):
    """The async twin of :class:`Recorder`."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kwargs: Any) -> None:
        self.events.append(("start", {"input_str": input_str, **kwargs}))

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self.events.append(("end", {"output": output, **kwargs}))


class LangChainsWay(ParallelSearchTool):
    """The same tool with BaseTool's own argument handling, to compare against."""

    _filter_injected_args = BaseTool._filter_injected_args
    _to_args_and_kwargs = BaseTool._to_args_and_kwargs


def _comparable(events: list[tuple[str, dict[str, Any]]], run_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for kind, payload in events:
        assert payload.pop("run_id") == run_id
        if isinstance(payload.get("output"), ToolMessage):
            payload["output"] = payload["output"].model_dump(exclude={"artifact"})
        shown.append((kind, payload))
    return shown


CASES = [
    {"objective": "how does the with statement work", "search_queries": ["with statement"]},
    {"type": "tool_call", "id": "call-7", "name": "parallel_search", "args": {"objective": "the for statement"}},
    {"type": "tool_call", "id": "call-8", "name": "parallel_search", "args": {"objective": 5}},
]


@pytest.mark.parametrize("tool_input", CASES, ids=["args", "tool_call", "invalid_tool_call"])
def test_callbacks_see_what_they_see_on_langchains_path(emulator: RunningEmulator, tool_input: Any) -> None:
    seen = []
    for tool_class in (ParallelSearchTool, LangChainsWay):
        recorder, run_id = Recorder(), UUID(int=7)
        config: Any = {"callbacks": [recorder], "tags": ["t1"], "metadata": {"m": 1}, "run_id": run_id}
        result = tool_class(max_results=2).invoke(_copy(tool_input), config=config)
        assert recorder.events[0][1]["tags"] == ["t1"]
        assert recorder.events[0][1]["metadata"] == {"m": 1}
        seen.append((_comparable(recorder.events, run_id), _shown(result)))
    assert seen[0] == seen[1]
    assert [kind for kind, _ in seen[0][0]] == ["start", "end"]


@pytest.mark.parametrize("tool_input", CASES, ids=["args", "tool_call", "invalid_tool_call"])
async def test_async_callbacks_see_what_they_see_on_langchains_path(emulator: RunningEmulator, tool_input: Any) -> None:
    seen = []
    for tool_class in (ParallelSearchTool, LangChainsWay):
        recorder, run_id = AsyncRecorder(), UUID(int=8)
        config: Any = {"callbacks": [recorder], "tags": ["t2"], "metadata": {"m": 2}, "run_id": run_id}
        result = await tool_class(max_results=2).ainvoke(_copy(tool_input), config=config)
        seen.append((_comparable(recorder.events, run_id), _shown(result)))
    assert seen[0] == seen[1]


def _shown(result: Any) -> Any:
    if isinstance(result, ToolMessage):
        assert result.artifact is None or result.artifact.results
        return result.model_dump(exclude={"artifact"})
    return result


def test_a_bare_string_is_the_objective(emulator: RunningEmulator) -> None:
    assert "[1]" in ParallelSearchTool(max_results=1).invoke("how does the with statement work")


def test_the_schema_is_built_on_first_use() -> None:
    assert ParallelSearchInput.model_validate({"objective": "q"}).objective == "q"
    assert ParallelSearchTool(api_key="k").tool_call_schema.model_json_schema()["required"] == ["objective"]
