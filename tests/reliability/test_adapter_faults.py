"""Both adapters under 429 and 5xx bursts: a burst the retries cover is invisible (the call answers); a longer
one is the framework's error at the boundary: a ``ParallelError`` from retrievers and query engines, an error
``ToolMessage`` from a LangChain tool, ``Error: ...`` text from a LlamaIndex tool. A tool never raises into the
agent loop that calls it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from langchain_core.messages import ToolMessage

from parallel_integrations import (
    AsyncParallelClient,
    InternalServerError,
    ParallelClient,
    ParallelError,
    RateLimitError,
)
from parallel_integrations.emulator import Fault
from parallel_integrations.emulator.server import RunningEmulator
from parallel_integrations.langchain import ParallelSearchRetriever as LangChainRetriever
from parallel_integrations.langchain import ParallelSearchTool, ParallelTaskTool
from parallel_integrations.llama_index import ParallelQueryEngine, ParallelToolSpec
from parallel_integrations.llama_index import ParallelSearchRetriever as LlamaRetriever

SEARCH = "POST /alpha/search"
CREATE = "POST /v1/tasks/runs"
BURSTS = {"429": (429, RateLimitError), "503": (503, InternalServerError)}


def _burst(emulator: RunningEmulator, route: str, status: int, times: int) -> None:
    emulator.add_fault(Fault.error(route, status, times=times, retry_after=0))


def _clients(max_retries: int) -> dict[str, object]:
    """LlamaIndex objects take their retry setting through the clients they are given."""
    return {
        "client": ParallelClient(max_retries=max_retries),
        "async_client": AsyncParallelClient(max_retries=max_retries),
    }


def _answers(emulator: RunningEmulator) -> dict[str, Callable[[], object]]:
    """Each adapter's read call (the ones that only search), built with two retries."""
    lc_retriever = LangChainRetriever(k=2, max_retries=2)
    li_retriever = LlamaRetriever(max_results=2, **_clients(2))
    lc_tool = ParallelSearchTool(max_results=2, max_retries=2)
    return {
        "langchain retriever": lambda: lc_retriever.invoke("decorators"),
        "langchain retriever async": lambda: asyncio.run(lc_retriever.ainvoke("decorators")),
        "llama_index retriever": lambda: li_retriever.retrieve("decorators"),
        "llama_index retriever async": lambda: asyncio.run(li_retriever.aretrieve("decorators")),
        "langchain search tool": lambda: lc_tool.invoke({"objective": "decorators"}),
    }


@pytest.mark.parametrize("burst", BURSTS.values(), ids=BURSTS.keys())
def test_a_burst_within_the_retries_is_invisible_to_every_search_adapter(
    emulator: RunningEmulator, burst: tuple[int, type[ParallelError]]
) -> None:
    status, _ = burst
    for name, call in _answers(emulator).items():
        _burst(emulator, SEARCH, status, times=2)
        assert call(), name
        assert [r.status for r in emulator.requests("POST", "/alpha/search")][-3:] == [status, status, 200], name


@pytest.mark.parametrize("burst", BURSTS.values(), ids=BURSTS.keys())
def test_retrievers_raise_the_named_error_when_the_burst_outlasts_the_retries(
    emulator: RunningEmulator, burst: tuple[int, type[ParallelError]]
) -> None:
    status, error = burst
    calls = {k: v for k, v in _answers(emulator).items() if "retriever" in k}
    for name, call in calls.items():
        _burst(emulator, SEARCH, status, times=3)
        with pytest.raises(error):
            call()
        emulator.clear_faults()
        assert name


@pytest.mark.parametrize("burst", BURSTS.values(), ids=BURSTS.keys())
def test_the_query_engine_answers_through_a_short_burst_and_raises_the_named_error_for_a_long_one(
    emulator: RunningEmulator, burst: tuple[int, type[ParallelError]]
) -> None:
    status, error = burst
    engine = ParallelQueryEngine(processor="lite", **_clients(2))
    # creation is never blindly re-sent, so the burst goes on the result read, which is retried
    _burst(emulator, "GET /v1/tasks/runs/*/result", status, times=2)
    assert str(engine.query("the with statement"))
    _burst(emulator, "GET /v1/tasks/runs/*/result", status, times=3)
    with pytest.raises(error):
        engine.query("the for statement")
    _burst(emulator, "GET /v1/tasks/runs/*/result", status, times=3)
    with pytest.raises(error):
        asyncio.run(engine.aquery("the try statement"))


def _tool_call(name: str, args: dict[str, object], index: int) -> dict[str, object]:
    return {"type": "tool_call", "id": f"call_{index}", "name": name, "args": args}


@pytest.mark.parametrize("burst", BURSTS.values(), ids=BURSTS.keys())
def test_an_agent_loop_over_langchain_tools_never_sees_an_exception(
    emulator: RunningEmulator, burst: tuple[int, type[ParallelError]]
) -> None:
    status, error = burst
    tools = [ParallelSearchTool(max_results=2, max_retries=1), ParallelTaskTool(processor="lite", max_retries=1)]
    args = {"parallel_search": {"objective": "decorators"}, "parallel_task": {"input": "the with statement"}}
    routes = {"parallel_search": SEARCH, "parallel_task": CREATE}
    outcomes: list[str] = []
    for step in range(6):  # what an agent loop does: call, read the message, call again
        tool = tools[step % 2]
        _burst(emulator, routes[tool.name], status, times=1 + step % 3)
        message = tool.invoke(_tool_call(tool.name, args[tool.name], step))
        assert isinstance(message, ToolMessage)
        outcomes.append(message.status)
        if message.status == "error":
            assert error.__name__ in str(message.content) or "RunCreationUncertainError" in str(message.content)
        emulator.clear_faults()
    assert "error" in outcomes  # the long bursts did reach the tools
    assert "success" in outcomes  # and the short ones were ridden out


@pytest.mark.parametrize("burst", BURSTS.values(), ids=BURSTS.keys())
def test_llama_index_tools_answer_error_text_under_a_long_burst_and_never_raise(
    emulator: RunningEmulator, burst: tuple[int, type[ParallelError]]
) -> None:
    status, error = burst
    spec = ParallelToolSpec(max_results=2, task_processor="lite", **_clients(1))
    search, task = spec.to_tool_list()
    _burst(emulator, SEARCH, status, times=1)
    assert "http" in str(search.call(objective="decorators").content)
    _burst(emulator, SEARCH, status, times=5)
    answer = str(search.call(objective="decorators").content)
    assert answer.startswith("Error:")
    assert error.__name__ in answer
    emulator.clear_faults()
    _burst(emulator, CREATE, status, times=5)
    assert str(asyncio.run(task.acall(input="the with statement")).content).startswith("Error:")
