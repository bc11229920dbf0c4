"""Closing the LangChain objects: the clients an object built are closed (the real httpx pools, not a flag), the
ones it was given stay open, a second close does nothing, a closed object refuses calls before sending anything,
and a toolkit owns the clients its tools share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from langchain_core.load import dumpd

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelValidationError
from parallel_integrations.emulator import RunningEmulator
from parallel_integrations.langchain import (
    ParallelSearchRetriever,
    ParallelSearchTool,
    ParallelTaskRunnable,
    ParallelTaskTool,
    ParallelToolkit,
)
from parallel_integrations.langchain._clients import ClientSettings

QUESTION = "how do Python decorators work"

FACTORIES: dict[str, Callable[..., ClientSettings]] = {
    "retriever": ParallelSearchRetriever,
    "search tool": ParallelSearchTool,
    "task tool": ParallelTaskTool,
    "runnable": ParallelTaskRunnable,
    "toolkit": ParallelToolkit,
}


@pytest.fixture(params=sorted(FACTORIES))
def make(request: pytest.FixtureRequest, emulator: RunningEmulator) -> Callable[..., ClientSettings]:
    """Each LangChain class of the package, built against the test's emulator."""
    return FACTORIES[request.param]


def sync_pool(client: ParallelClient) -> httpx.Client:
    return client._driver.http


def loop_pool(client: AsyncParallelClient) -> httpx.AsyncClient:
    """The running event loop's connection pool of ``client``."""
    return client._driver.http


def built(obj: ClientSettings) -> tuple[ParallelClient, AsyncParallelClient]:
    async_client = obj.async_client_or_none()
    assert async_client is not None
    return obj.sync_client(), async_client


# --- the clients an object built ----------------------------------------------------------------------------------


def test_close_closes_the_sync_client_the_object_built(make: Callable[..., ClientSettings]) -> None:
    obj = make()
    client, _ = built(obj)
    assert not sync_pool(client).is_closed
    obj.close()
    assert sync_pool(client).is_closed


def test_a_with_block_gives_the_object_and_closes_its_client(make: Callable[..., ClientSettings]) -> None:
    with make() as obj:
        assert isinstance(obj, ClientSettings)
        client, _ = built(obj)
        assert not sync_pool(client).is_closed
    assert sync_pool(client).is_closed


async def test_an_async_with_block_closes_both_clients(make: Callable[..., ClientSettings]) -> None:
    async with make() as obj:
        assert isinstance(obj, ClientSettings)
        client, async_client = built(obj)
        pool = loop_pool(async_client)
    assert sync_pool(client).is_closed
    assert pool.is_closed


async def test_aclose_closes_the_pool_a_real_call_used(emulator: RunningEmulator) -> None:
    retriever = ParallelSearchRetriever(k=2)
    assert len(await retriever.ainvoke(QUESTION)) == 2
    _, async_client = built(retriever)
    pool = loop_pool(async_client)
    await retriever.aclose()
    assert pool.is_closed


async def test_close_leaves_the_loops_pool_to_aclose(emulator: RunningEmulator) -> None:
    # As documented: an async pool can only be closed from its event loop, so close() leaves it to aclose().
    retriever = ParallelSearchRetriever(k=1)
    await retriever.ainvoke(QUESTION)
    client, async_client = built(retriever)
    pool = loop_pool(async_client)
    retriever.close()
    assert sync_pool(client).is_closed
    assert not pool.is_closed
    await retriever.aclose()
    assert pool.is_closed


async def test_closing_again_does_nothing(make: Callable[..., ClientSettings]) -> None:
    obj = make()
    client, async_client = built(obj)
    pool = loop_pool(async_client)
    obj.close()
    obj.close()
    await obj.aclose()
    await obj.aclose()
    with obj:
        pass
    assert sync_pool(client).is_closed
    assert pool.is_closed


# --- clients given by the caller ----------------------------------------------------------------------------------


async def test_injected_clients_stay_open_and_usable(emulator: RunningEmulator) -> None:
    with ParallelClient() as client:
        async with AsyncParallelClient() as async_client:
            async with ParallelSearchRetriever(client=client, async_client=async_client, k=1) as retriever:
                assert len(await retriever.ainvoke(QUESTION)) == 1
                pool = loop_pool(async_client)
            retriever.close()
            assert not sync_pool(client).is_closed
            assert not pool.is_closed
            assert loop_pool(async_client) is pool
            assert client.search(QUESTION, max_results=1).results
            assert (await async_client.search(QUESTION, max_results=1)).results


# --- a call after close -------------------------------------------------------------------------------------------


def closed_refusal(exc: pytest.ExceptionInfo[ParallelValidationError], name: str) -> None:
    assert exc.value.field == "client"
    assert f"this {name} is closed" in str(exc.value)


CALLS: dict[str, tuple[Callable[[], ClientSettings], Callable[[Any], Any], Callable[[Any], Any]]] = {
    "retriever invoke": (ParallelSearchRetriever, lambda o: o.invoke(QUESTION), lambda o: o.ainvoke(QUESTION)),
    "runnable invoke": (ParallelTaskRunnable, lambda o: o.invoke(QUESTION), lambda o: o.ainvoke(QUESTION)),
    "runnable batch": (ParallelTaskRunnable, lambda o: o.batch([QUESTION] * 2), lambda o: o.abatch([QUESTION] * 2)),
}


@pytest.mark.parametrize("case", sorted(CALLS))
async def test_a_closed_object_refuses_calls_before_sending(case: str, emulator: RunningEmulator) -> None:
    make, call, acall = CALLS[case]
    obj = make()
    obj.close()
    before = len(emulator.requests())
    with pytest.raises(ParallelValidationError) as sync_error:
        call(obj)
    closed_refusal(sync_error, type(obj).__name__)
    with pytest.raises(ParallelValidationError) as async_error:
        await acall(obj)
    closed_refusal(async_error, type(obj).__name__)
    assert len(emulator.requests()) == before


async def test_a_closed_object_with_injected_clients_refuses_calls_too(emulator: RunningEmulator) -> None:
    with ParallelClient() as client:
        runnable = ParallelTaskRunnable(client=client)
        runnable.close()
        with pytest.raises(ParallelValidationError) as error:
            await runnable.ainvoke(QUESTION)  # only a sync client: the refusal comes before any worker thread
        closed_refusal(error, "ParallelTaskRunnable")
        assert not sync_pool(client).is_closed


async def test_a_closed_tool_tells_the_model_it_is_closed(emulator: RunningEmulator) -> None:
    tool = ParallelSearchTool()
    await tool.aclose()
    before = len(emulator.requests())
    for text in (tool.invoke({"objective": QUESTION}), await tool.ainvoke({"objective": QUESTION})):
        assert "ParallelValidationError" in text
        assert "this ParallelSearchTool is closed" in text
    assert len(emulator.requests()) == before


# --- the toolkit owns the clients its tools share -----------------------------------------------------------------


def test_closing_a_toolkits_tool_leaves_the_toolkit_working(emulator: RunningEmulator) -> None:
    toolkit = ParallelToolkit(task_mode="both", max_results=1)
    search, task, *_ = toolkit.get_tools()
    client, _ = built(toolkit)
    assert isinstance(task, ClientSettings)
    task.close()
    assert not sync_pool(client).is_closed
    assert "[1]" in search.invoke({"objective": QUESTION})
    toolkit.close()


async def test_closing_the_toolkit_closes_its_clients_and_tools(emulator: RunningEmulator) -> None:
    async with ParallelToolkit(task_mode="both", max_results=1) as toolkit:
        tools = toolkit.get_tools()
        search = tools[0]
        assert "[1]" in await search.ainvoke({"objective": QUESTION})
        client, async_client = built(toolkit)
        pool = loop_pool(async_client)
    assert sync_pool(client).is_closed
    assert pool.is_closed
    for tool in tools:
        assert isinstance(tool, ClientSettings)
        with pytest.raises(ParallelValidationError, match=f"this {type(tool).__name__} is closed"):
            tool.sync_client()
    # What an agent gets from a tool of a closed toolkit: the refusal as text, not httpx's "client has been closed".
    assert "this ParallelSearchTool is closed" in search.invoke({"objective": QUESTION})


def test_a_toolkit_built_on_given_clients_leaves_them_open(emulator: RunningEmulator) -> None:
    with ParallelClient() as client:
        with ParallelToolkit(client=client) as toolkit:
            toolkit.get_tools()[0].close()
        assert not sync_pool(client).is_closed
        assert client.search(QUESTION, max_results=1).results


# --- the pydantic model is undisturbed ----------------------------------------------------------------------------


def test_dumps_reprs_and_serialisation_are_the_same_after_close(make: Callable[..., ClientSettings]) -> None:
    obj = make()
    before = (obj.model_dump(), repr(obj), dumpd(obj))
    obj.close()
    assert (obj.model_dump(), repr(obj), dumpd(obj)) == before
    assert not {"_closed", "_own_sync", "_own_async"} & set(obj.model_dump())
