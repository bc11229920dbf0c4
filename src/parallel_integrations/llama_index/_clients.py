"""The clients behind each reader, retriever, query engine and tool spec, and the calls they make.

Each object resolves its clients once, when it is built: the ones it was given (``client=``, ``async_client=``),
or a :class:`ParallelClient` and an :class:`AsyncParallelClient` built from ``api_key``/``base_url`` (else
``PARALLEL_API_KEY``/``PARALLEL_BASE_URL``). Every later call, sync or async, reuses them; the key itself is held
by the clients only, never by the adapter object, so it cannot leak through a repr, a dump or an event.

Every adapter object is :class:`Closable`: ``close()``, ``await aclose()``, ``with`` and ``async with`` close the
clients it built (never given ones, which belong to the caller), and any later call is refused with a
:class:`ParallelValidationError` naming ``client``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

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
    Clients built here (``owned=True``) are closed by :meth:`close` / :meth:`aclose`; given ones are not.
    """

    __slots__ = ("async_client", "client", "closed_by", "own_async", "own_sync")

    def __init__(
        self, client: ParallelClient | None, async_client: AsyncParallelClient | None, *, owned: bool = False
    ) -> None:
        self.client = client
        self.async_client = async_client
        # What close()/aclose() still have to close: the clients built here, each dropped once closed.
        self.own_sync = client if owned else None
        self.own_async = async_client if owned else None
        self.closed_by: str | None = None

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
            return cls(ParallelClient(key, base_url=url), AsyncParallelClient(key, base_url=url), owned=True)
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

    def close(self, owner: object) -> None:
        """Refuse every later call (naming ``owner``'s class) and close the sync client if it was built here. The
        async client's pools can only be closed from their event loop: :meth:`aclose` does that."""
        self.closed_by = type(owner).__name__
        owned, self.own_sync = self.own_sync, None
        if owned is not None:
            owned.close()

    async def aclose(self, owner: object) -> None:
        """:meth:`close`, then close the running event loop's pool of the async client if it was built here."""
        self.close(owner)
        owned, self.own_async = self.own_async, None
        if owned is not None:
            await owned.aclose()

    def _check_open(self) -> None:
        if self.closed_by is not None:
            raise ParallelValidationError(
                "client",
                f"this {self.closed_by} is closed (close(), aclose() or the end of a with block): build a new one",
            )

    def _sync(self) -> ParallelClient:
        self._check_open()
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
        self._check_open()
        if self.async_client is None:
            return await asyncio.to_thread(self.search, call)
        return await self.async_client.search(**call.kwargs())

    def execute(self, call: TaskCall) -> TaskRunResult:
        """Run a task and wait for its result, with the sync client."""
        result: TaskRunResult = self._sync().task_runs.execute(**call.kwargs())
        return result

    async def aexecute(self, call: TaskCall) -> TaskRunResult:
        """Run a task and wait for its result, with the async client (or the sync one in a worker thread)."""
        self._check_open()
        if self.async_client is None:
            return await asyncio.to_thread(self.execute, call)
        result: TaskRunResult = await self.async_client.task_runs.execute(**call.kwargs())
        return result


class Closable:
    """``close()``, ``aclose()``, ``with`` and ``async with`` for an adapter object whose clients are ``_clients``."""

    _clients: Clients

    def close(self) -> None:
        """Close the sync client this object built, and refuse any later call with a
        :class:`ParallelValidationError`.

        Clients given as ``client=`` / ``async_client=`` stay open: they belong to the caller. The built async
        client's connection pools belong to the event loops that opened them and can only be closed from there:
        in async code use :meth:`aclose` (or ``async with``), which closes the running loop's pool too. Calling it
        again does nothing.
        """
        self._clients.close(self)

    async def aclose(self) -> None:
        """Close both clients this object built (the async one's pool of the running event loop), and refuse any
        later call. Given clients stay open. Calling it again does nothing."""
        await self._clients.aclose(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.aclose()
