"""Closing the LlamaIndex objects: the clients an object built are closed (the real httpx pools, not a flag), the
ones it was given stay open, a second close does nothing, and a closed object refuses calls before sending."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelValidationError
from parallel_integrations.emulator import RunningEmulator
from parallel_integrations.llama_index import (
    ParallelQueryEngine,
    ParallelSearchReader,
    ParallelSearchRetriever,
    ParallelTaskReader,
    ParallelToolSpec,
)

QUESTION = "how do Python decorators work"

Adapter = ParallelSearchReader | ParallelTaskReader | ParallelSearchRetriever | ParallelQueryEngine | ParallelToolSpec


class Use:
    """How to build one adapter class and call it, sync and async."""

    def __init__(
        self,
        build: Callable[..., Adapter],
        call: Callable[[Any], object],
        acall: Callable[[Any], Awaitable[object]],
    ) -> None:
        self.build, self.call, self.acall = build, call, acall


USES = {
    "search reader": Use(
        lambda **kw: ParallelSearchReader(max_results=1, **kw),
        lambda o: o.load_data(QUESTION),
        lambda o: o.aload_data(QUESTION),
    ),
    "task reader": Use(ParallelTaskReader, lambda o: o.load_data(QUESTION), lambda o: o.aload_data(QUESTION)),
    "retriever": Use(
        lambda **kw: ParallelSearchRetriever(max_results=1, **kw),
        lambda o: o.retrieve(QUESTION),
        lambda o: o.aretrieve(QUESTION),
    ),
    "query engine": Use(ParallelQueryEngine, lambda o: o.query(QUESTION), lambda o: o.aquery(QUESTION)),
    "tool spec": Use(
        lambda **kw: ParallelToolSpec(max_results=1, **kw),
        lambda o: o.search(QUESTION),
        lambda o: o.asearch(QUESTION),
    ),
}
RAISING = sorted(set(USES) - {"tool spec"})


@pytest.fixture(params=sorted(USES))
def use(request: pytest.FixtureRequest, emulator: RunningEmulator) -> Use:
    """Each LlamaIndex class of the package, against the test's emulator."""
    return USES[request.param]


def built(obj: Adapter) -> tuple[ParallelClient, AsyncParallelClient]:
    clients = obj._clients
    assert clients.client is not None
    assert clients.async_client is not None
    return clients.client, clients.async_client


def sync_pool(client: ParallelClient) -> httpx.Client:
    return client._driver.http


def loop_pool(client: AsyncParallelClient) -> httpx.AsyncClient:
    """The running event loop's connection pool of ``client``."""
    return client._driver.http


# --- the clients an object built ----------------------------------------------------------------------------------


def test_close_closes_the_sync_client_the_object_built(use: Use) -> None:
    obj = use.build()
    use.call(obj)
    client, _ = built(obj)
    assert not sync_pool(client).is_closed
    obj.close()
    assert sync_pool(client).is_closed


def test_a_with_block_gives_the_object_and_closes_its_client(use: Use) -> None:
    with use.build() as obj:
        client, _ = built(obj)
        use.call(obj)
    assert sync_pool(client).is_closed


async def test_an_async_with_block_closes_both_clients(use: Use) -> None:
    async with use.build() as obj:
        await use.acall(obj)
        client, async_client = built(obj)
        pool = loop_pool(async_client)
        assert not pool.is_closed
    assert sync_pool(client).is_closed
    assert pool.is_closed


async def test_close_leaves_the_loops_pool_to_aclose(emulator: RunningEmulator) -> None:
    # As documented: an async pool can only be closed from its event loop, so close() leaves it to aclose().
    retriever = ParallelSearchRetriever(max_results=1)
    await retriever.aretrieve(QUESTION)
    client, async_client = built(retriever)
    pool = loop_pool(async_client)
    retriever.close()
    assert sync_pool(client).is_closed
    assert not pool.is_closed
    await retriever.aclose()
    assert pool.is_closed


async def test_closing_again_does_nothing(use: Use) -> None:
    obj = use.build()
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


async def test_given_clients_stay_open_and_usable(use: Use) -> None:
    with ParallelClient() as client:
        async with AsyncParallelClient() as async_client:
            async with use.build(client=client, async_client=async_client) as obj:
                await use.acall(obj)
                pool = loop_pool(async_client)
            obj.close()
            assert not sync_pool(client).is_closed
            assert not pool.is_closed
            assert loop_pool(async_client) is pool
            assert client.search(QUESTION, max_results=1).results
            assert (await async_client.search(QUESTION, max_results=1)).results


# --- a call after close -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", RAISING)
async def test_a_closed_object_refuses_calls_before_sending(name: str, emulator: RunningEmulator) -> None:
    use = USES[name]
    obj = use.build()
    obj.close()
    before = len(emulator.requests())
    with pytest.raises(ParallelValidationError, match=f"this {type(obj).__name__} is closed") as sync_error:
        use.call(obj)
    with pytest.raises(ParallelValidationError, match=f"this {type(obj).__name__} is closed") as async_error:
        await use.acall(obj)
    assert sync_error.value.field == async_error.value.field == "client"
    assert len(emulator.requests()) == before


async def test_a_closed_object_with_a_given_sync_client_refuses_async_calls(emulator: RunningEmulator) -> None:
    with ParallelClient() as client:
        reader = ParallelSearchReader(client=client)
        await reader.aclose()
        with pytest.raises(ParallelValidationError, match="this ParallelSearchReader is closed"):
            await reader.aload_data(QUESTION)
        assert not sync_pool(client).is_closed


async def test_a_closed_tool_spec_tells_the_agent_it_is_closed(emulator: RunningEmulator) -> None:
    spec = ParallelToolSpec()
    tools = spec.to_tool_list()
    await spec.aclose()
    before = len(emulator.requests())
    answers = [spec.search(QUESTION), await spec.arun_task(QUESTION), str(tools[0].call(objective=QUESTION))]
    for text in answers:
        assert text.startswith("Error: ParallelValidationError: client: this ParallelToolSpec is closed")
    assert len(emulator.requests()) == before


# --- the components are undisturbed -------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [ParallelSearchReader, ParallelTaskReader])
def test_reader_dumps_and_reprs_are_the_same_after_close(
    make: Callable[[], Adapter], emulator: RunningEmulator
) -> None:
    reader = make()
    assert isinstance(reader, ParallelSearchReader | ParallelTaskReader)
    before = (reader.to_dict(), reader.model_dump(), repr(reader))
    reader.close()
    assert (reader.to_dict(), reader.model_dump(), repr(reader)) == before
    with type(reader).from_dict(reader.to_dict()) as rebuilt:  # a rebuilt reader has clients of its own
        assert rebuilt.load_data(QUESTION)


def test_reprs_still_name_the_server_after_close(emulator: RunningEmulator) -> None:
    for obj in (ParallelSearchRetriever(), ParallelQueryEngine(), ParallelToolSpec()):
        obj.close()
        assert f"base_url={emulator.base_url!r}" in repr(obj)
