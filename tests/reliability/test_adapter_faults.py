"""Both adapters under 429 and 5xx bursts: a burst the retries cover is invisible (the call answers); a longer
one is the framework's error at the boundary: a ``ParallelError`` from retrievers, query engines and runnables, an
error ``ToolMessage`` from a LangChain tool, ``Error: ...`` text from a LlamaIndex tool. A tool never raises into
the agent loop that calls it. A 5xx on run creation is never re-sent by any adapter: the emulator holds the run
once (the server acted) or not at all, never twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from langchain_core.messages import ToolMessage

from parallel_integrations import (
    AsyncParallelClient,
    InternalServerError,
    ParallelClient,
    ParallelError,
    RateLimitError,
    RunCreationUncertainError,
)
from parallel_integrations.emulator import Fault
from parallel_integrations.emulator.server import RunningEmulator
from parallel_integrations.langchain import ParallelSearchRetriever as LangChainRetriever
from parallel_integrations.langchain import ParallelSearchTool, ParallelTaskRunnable, ParallelTaskTool
from parallel_integrations.llama_index import ParallelQueryEngine, ParallelToolSpec
from parallel_integrations.llama_index import ParallelSearchRetriever as LlamaRetriever

from ._support import run_inputs, statuses

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


def _task_adapters() -> dict[str, Callable[[str], object]]:
    """Each adapter call that creates one task run, built with two retries; each returns what its user sees:
    the answer, a ``ToolMessage`` or the tool's text (errors from the engine and the runnable propagate)."""
    engine = ParallelQueryEngine(processor="lite", **_clients(2))
    runnable = ParallelTaskRunnable(processor="lite", output="one sentence", max_retries=2)
    lc_tool = ParallelTaskTool(processor="lite", max_retries=2)
    _, li_tool = ParallelToolSpec(task_processor="lite", **_clients(2)).to_tool_list()
    return {
        "query engine": lambda text: engine.query(text),
        "query engine async": lambda text: asyncio.run(engine.aquery(text)),
        "langchain runnable": lambda text: runnable.invoke(text),
        "langchain runnable async": lambda text: asyncio.run(runnable.ainvoke(text)),
        "langchain task tool": lambda text: lc_tool.invoke(_tool_call(lc_tool.name, {"input": text}, 0)),
        "llama_index task tool": lambda text: asyncio.run(li_tool.acall(input=text)).content,
    }


def _creates_of(emulator: RunningEmulator, text: str) -> list[object]:
    """The runs the emulator holds for the input ``text``."""
    return [held for held in run_inputs(emulator) if held == text]


def test_a_429_burst_on_run_creation_is_waited_out_and_every_task_adapter_answers(emulator: RunningEmulator) -> None:
    for name, call in _task_adapters().items():
        text = f"the with statement, asked of the {name}"
        emulator.add_fault(Fault.error(CREATE, 429, times=2, retry_after=0.1))
        started = time.monotonic()
        answer = call(text)
        assert time.monotonic() - started >= 0.2, name  # both Retry-After waits were served
        assert statuses(emulator, "POST", "/v1/tasks/runs")[-3:] == [429, 429, 202], name
        if isinstance(answer, ToolMessage):
            assert answer.status == "success", (name, answer.content)
        assert str(answer), name
        assert not str(answer).startswith("Error:"), (name, answer)
        assert _creates_of(emulator, text) == [text], name  # one run: the 429s created nothing


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("server_acted", [False, True], ids=["before the server acted", "after the server acted"])
def test_a_5xx_on_run_creation_is_a_named_error_from_every_task_adapter_and_never_resent(
    emulator: RunningEmulator, status: int, server_acted: bool
) -> None:
    for name, call in _task_adapters().items():
        text = f"the for statement, asked of the {name}"
        sent_before = len(emulator.requests("POST", "/v1/tasks/runs"))
        if server_acted:
            emulator.add_fault(Fault.after_handling(CREATE, status))
        else:
            emulator.add_fault(Fault.error(CREATE, status))
        try:
            shown: object = call(text)
        except ParallelError as error:
            shown = error
        # counted first: a blind re-send shows up here as a second request, and as a second run when it acted
        assert len(emulator.requests("POST", "/v1/tasks/runs")) == sent_before + 1, name
        assert len(_creates_of(emulator, text)) == (1 if server_acted else 0), name
        if "tool" in name:  # the error comes back to the model as text naming it, never raised
            if isinstance(shown, ToolMessage):
                assert shown.status == "error", name
                shown = shown.content
            assert "RunCreationUncertainError" in str(shown), (name, shown)
        else:  # the engine and the runnable raise the package's named error, not a framework wrapper
            assert type(shown) is RunCreationUncertainError, (name, shown)
            assert isinstance(shown.cause, InternalServerError), name
            assert shown.cause.status_code == status, name
            assert shown.request.input == text, name  # type: ignore[union-attr]
        emulator.clear_faults()
