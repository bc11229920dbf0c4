"""The resource bases and what every resource shares: :class:`SyncResource` and :class:`AsyncResource` (a
resource holds a :class:`Driver` or :class:`AsyncDriver` and nothing else of its client), the event streams a
resource hands back, and the search behind ``client.search``. Each method validates its arguments into wire models,
asks for the operation's flow, and hands it to its driver. ``client.task_runs`` is in ``_runs.py``,
``client.task_groups`` in ``_groups.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import _validate
from ._core import Core
from ._models import SearchResponse, SourcePolicy

if TYPE_CHECKING:
    from ._contract import AsyncDriver, Driver

__all__ = ["AsyncEventStream", "AsyncResource", "AsyncSearch", "EventStream", "Search", "SyncResource", "describe"]

E = TypeVar("E")


class EventStream(Generic[E]):
    """Typed events from an SSE stream. Iterate it; leaving the loop (or ``close()``, or a ``with`` block)
    closes the connection."""

    def __init__(self, events: Iterator[E]) -> None:
        self._events = events

    def __iter__(self) -> Iterator[E]:
        return self

    def __next__(self) -> E:
        return next(self._events)

    def close(self) -> None:
        """Stop reading and close the connection."""
        close = getattr(self._events, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> EventStream[E]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncEventStream(Generic[E]):
    """Typed events from an SSE stream, for ``async for``; ``aclose()`` or ``async with`` closes the connection."""

    def __init__(self, events: AsyncIterator[E]) -> None:
        self._events = events

    def __aiter__(self) -> AsyncIterator[E]:
        return self

    async def __anext__(self) -> E:
        return await anext(self._events)

    async def aclose(self) -> None:
        """Stop reading and close the connection."""
        aclose = getattr(self._events, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> AsyncEventStream[E]:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


# --- the resource bases: a driver, and nothing else of the client ------------------------------------------


def describe(owner: object, core: Core | None) -> str:
    """``Name(base_url=..., endpoints=...)``; safe on a half-built object (no core yet)."""
    config = getattr(core, "config", None)
    if config is None:
        return f"{type(owner).__name__}(<not configured>)"
    return f"{type(owner).__name__}(base_url={config.base_url!r}, endpoints={config.endpoints!r})"


class SyncResource:
    """Base of the sync resources: performs the core's flows through a :class:`Driver`."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self._core: Core = driver.core  # a driver keeps its core for life

    def __repr__(self) -> str:
        driver = getattr(self, "_driver", None)
        return describe(self, getattr(driver, "core", None))


class AsyncResource:
    """Base of the async resources: performs the core's flows through an :class:`AsyncDriver`."""

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver
        self._core: Core = driver.core  # a driver keeps its core for life

    def __repr__(self) -> str:
        driver = getattr(self, "_driver", None)
        return describe(self, getattr(driver, "core", None))


class Search(SyncResource):
    """Web search; ``client.search(...)`` delegates here."""

    def search(
        self,
        objective: str | None = None,
        *,
        search_queries: Sequence[str] | None = None,
        processor: str | None = None,
        max_results: int | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        """Ranked URLs with excerpts, best first. See :meth:`ParallelClient.search`."""
        _validate.search(objective, search_queries, processor, max_results, max_chars_per_result, source_policy)
        return self._driver.run(
            self._core.search(
                objective=objective,
                search_queries=search_queries,
                processor=processor,
                max_results=max_results,
                max_chars_per_result=max_chars_per_result,
                source_policy=source_policy,
            )
        )


class AsyncSearch(AsyncResource):
    """Web search, awaited; ``AsyncParallelClient.search(...)`` delegates here."""

    async def search(
        self,
        objective: str | None = None,
        *,
        search_queries: Sequence[str] | None = None,
        processor: str | None = None,
        max_results: int | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        """Ranked URLs with excerpts, best first. See :meth:`ParallelClient.search`."""
        _validate.search(objective, search_queries, processor, max_results, max_chars_per_result, source_policy)
        return await self._driver.run(
            self._core.search(
                objective=objective,
                search_queries=search_queries,
                processor=processor,
                max_results=max_results,
                max_chars_per_result=max_chars_per_result,
                source_policy=source_policy,
            )
        )
