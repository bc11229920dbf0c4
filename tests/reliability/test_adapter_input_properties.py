"""Property-based, through the adapters: any value in the arguments a user (or a model, for tools) passes to a
retriever, a reader, a query engine or a tool is either answered or refused with the framework-appropriate named
error before anything is sent: ``ParallelValidationError`` from retrievers, readers and engines; an error
``ToolMessage`` from a LangChain tool; ``Error: ...`` text from a LlamaIndex tool. Never a ``KeyError`` or
``TypeError`` from inside, never a request the emulator rejects with 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import ToolMessage

from parallel_integrations import ParallelValidationError
from parallel_integrations.emulator.server import RunningEmulator
from parallel_integrations.langchain import ParallelSearchRetriever as LangChainRetriever
from parallel_integrations.langchain import ParallelSearchTool
from parallel_integrations.llama_index import ParallelSearchReader, ParallelToolSpec

from .test_input_properties import _anything, _maybe, _texts


def _no_422(emulator: RunningEmulator) -> None:
    refused = [record for record in emulator.requests() if record.status == 422]
    assert refused == [], "a request was sent that the API refuses"


def _answered_or_refused(call: Callable[[], object], emulator: RunningEmulator, names: set[str]) -> None:
    before = len(emulator.requests())
    refusal: ParallelValidationError | None = None
    try:
        call()
    except ParallelValidationError as error:
        refusal = error
    if refusal is not None:
        assert refusal.field.split(".")[0].split("[")[0] in names, str(refusal)
        assert len(emulator.requests()) == before
    _no_422(emulator)


@given(query=_maybe(_texts), k=_maybe(st.integers(-2, 30)))
def test_any_langchain_retriever_call_is_answered_or_refused_naming_the_argument(
    emulator: RunningEmulator, query: Any, k: Any
) -> None:
    retriever = LangChainRetriever(k=2)
    _answered_or_refused(lambda: retriever.invoke(query, k=k), emulator, {"query", "k", "objective", "max_results"})


@given(objective=_maybe(_texts), queries=_maybe(st.lists(_texts, max_size=6)), count=_maybe(st.integers(-2, 50)))
def test_any_llama_index_reader_call_is_answered_or_refused_naming_the_argument(
    emulator: RunningEmulator, objective: Any, queries: Any, count: Any
) -> None:
    reader = ParallelSearchReader(max_results=2)
    names = {"objective", "search_queries", "max_results"}
    _answered_or_refused(lambda: reader.load_data(objective, queries, count), emulator, names)


# A tool call's arguments are always an object (a dict): the framework itself requires it.
@given(
    args=st.one_of(
        st.fixed_dictionaries({"objective": _maybe(_texts)}, optional={"search_queries": _anything}),
        st.dictionaries(st.text(max_size=15), _anything, max_size=3),
    )
)
def test_any_arguments_a_model_gives_the_langchain_search_tool_come_back_as_a_tool_message(
    emulator: RunningEmulator, args: Any
) -> None:
    tool = ParallelSearchTool(max_results=2)
    call = {"type": "tool_call", "id": "call_1", "name": tool.name, "args": args}
    message = tool.invoke(call)
    assert isinstance(message, ToolMessage)
    _no_422(emulator)


@given(objective=_anything, queries=_anything)
def test_any_arguments_a_model_gives_the_llama_index_tools_come_back_as_text(
    emulator: RunningEmulator, objective: Any, queries: Any
) -> None:
    search, task = ParallelToolSpec(max_results=2, task_processor="lite").to_tool_list()
    answer = str(search.call(objective=objective, search_queries=queries).content)
    assert answer
    answer = str(task.call(input=objective).content)
    assert answer
    _no_422(emulator)
