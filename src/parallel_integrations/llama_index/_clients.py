"""The clients behind each reader, retriever, query engine and tool spec, and the calls they make.

Each object resolves its clients once, when it is built: the ones it was given (``client=``, ``async_client=``),
or a :class:`ParallelClient` and an :class:`AsyncParallelClient` built from ``api_key``/``base_url`` (else
``PARALLEL_API_KEY``/``PARALLEL_BASE_URL``). Every later call, sync or async, reuses them; the key itself is held
by the clients only, never by the adapter object, so it cannot leak through a repr, a dump or an event.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from parallel_integrations import (
    AsyncParallelClient,
    ParallelClient,
    ParallelValidationError,
    SearchResponse,
    TaskRunResult,
)

from . import _checks


@dataclass(frozen=True, slots=True)
class SearchCall:
    """The arguments of one ``client.search``, type-checked."""

    objective: str | None = None
    search_queries: list[str] | None = None
    processor: str | None = None
    max_results: int | None = None
    max_chars_per_result: int | None = None
    source_policy: dict[str, Any] | None = None

    @classmethod
    def checked(
        cls,
        objective: object = None,
        search_queries: object = None,
        *,
        processor: object = None,
        max_results: object = None,
        max_chars_per_result: object = None,
        source_policy: object = None,
    ) -> SearchCall:
        """A call from arguments of any type: a wrong type is a :class:`ParallelValidationError` naming it."""
        return cls(
            objective=_checks.optional_text("objective", objective),
            search_queries=_checks.optional_queries("search_queries", search_queries),
            processor=_checks.optional_text("processor", processor),
            max_results=_checks.optional_int("max_results", max_results),
            max_chars_per_result=_checks.optional_int("max_chars_per_result", max_chars_per_result),
            source_policy=_checks.optional_mapping("source_policy", source_policy),
        )

    @property
    def query(self) -> str | None:
        """What was searched for, as kept in each document's ``query`` metadata."""
        return self.objective or ("; ".join(self.search_queries) if self.search_queries else None)

    def kwargs(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "search_queries": self.search_queries,
            "processor": self.processor,
            "max_results": self.max_results,
            "max_chars_per_result": self.max_chars_per_result,
            "source_policy": self.source_policy,
        }


@dataclass(frozen=True, slots=True)
class TaskCall:
    """The arguments of one ``client.task_runs.execute``: ``output`` is a pydantic class, a JSON schema, a text
    description or ``None`` (the client checks it)."""

    input: Any
    processor: str
    output: Any = None
    timeout: float | None = None

    def kwargs(self) -> dict[str, Any]:
        return {"input": self.input, "processor": self.processor, "output": self.output, "timeout": self.timeout}


class Clients:
    """A sync and an async client used by one adapter object.

    With only a sync client (``client=`` given alone), async calls run it in a worker thread, so the event loop
    never blocks. With only an async client, sync calls are refused with an error saying to pass ``client=``.
    """

    __slots__ = ("async_client", "client")

    def __init__(self, client: ParallelClient | None, async_client: AsyncParallelClient | None) -> None:
        self.client = client
        self.async_client = async_client

    @classmethod
    def resolve(
        cls,
        *,
        api_key: object = None,
        base_url: object = None,
        client: object = None,
        async_client: object = None,
    ) -> Clients:
        """The clients given, or both built from ``api_key``/``base_url`` and the environment."""
        if client is not None and not isinstance(client, ParallelClient):
            raise ParallelValidationError("client", f"must be a ParallelClient (got {type(client).__name__})")
        if async_client is not None and not isinstance(async_client, AsyncParallelClient):
            raise ParallelValidationError(
                "async_client", f"must be an AsyncParallelClient (got {type(async_client).__name__})"
            )
        key = _checks.optional_text("api_key", api_key)
        url = _checks.optional_text("base_url", base_url)
        if client is None and async_client is None:
            return cls(ParallelClient(key, base_url=url), AsyncParallelClient(key, base_url=url))
        if key is not None or url is not None:
            # Two sources of settings would leave one client talking to another server than the other.
            raise ParallelValidationError("api_key", "give api_key/base_url or client/async_client, not both")
        return cls(client, async_client)

    @property
    def base_url(self) -> str:
        """The API root the clients talk to."""
        chosen = self.client or self.async_client
        assert chosen is not None
        return chosen.base_url

    def _sync(self) -> ParallelClient:
        if self.client is None:
            raise ParallelValidationError(
                "client", "only an async_client was given: pass client=ParallelClient(...) too for sync calls"
            )
        return self.client

    def search(self, call: SearchCall) -> SearchResponse:
        """Run ``call`` with the sync client."""
        return self._sync().search(**call.kwargs())

    async def asearch(self, call: SearchCall) -> SearchResponse:
        """Run ``call`` with the async client (or the sync one in a worker thread)."""
        if self.async_client is None:
            return await asyncio.to_thread(self.search, call)
        return await self.async_client.search(**call.kwargs())

    def execute(self, call: TaskCall) -> TaskRunResult:
        """Run a task and wait for its result, with the sync client."""
        result: TaskRunResult = self._sync().task_runs.execute(**call.kwargs())
        return result

    async def aexecute(self, call: TaskCall) -> TaskRunResult:
        """Run a task and wait for its result, with the async client (or the sync one in a worker thread)."""
        if self.async_client is None:
            return await asyncio.to_thread(self.execute, call)
        result: TaskRunResult = await self.async_client.task_runs.execute(**call.kwargs())
        return result
