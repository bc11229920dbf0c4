"""``ParallelClient`` and ``AsyncParallelClient``: configuration resolved once, a core, a driver, and the resources.

Each client resolves its settings into a :class:`ClientConfig`, builds the one :class:`Core` (every operation's
flow) and a driver that performs flows with httpx (``_drivers.py``), and hands that driver to its resources
(``_resources.py``, ``_runs.py``, ``_groups.py``). The clients themselves hold no request logic.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

import httpx

from . import _validate
from ._config import Endpoints, resolve_config
from ._core import Core
from ._drivers import AsyncHttpxDriver, HttpxDriver
from ._groups import AsyncTaskGroups, TaskGroups
from ._models import SearchResponse, SourcePolicy
from ._resources import AsyncSearch, Search, describe
from ._runs import AsyncTaskRuns, TaskRuns

__all__ = ["AsyncParallelClient", "ParallelClient"]

C = TypeVar("C", bound="_ClientBase")


class _ClientBase:
    _core: Core

    @property
    def base_url(self) -> str:
        """The API root this client talks to."""
        return self._core.config.base_url

    @property
    def endpoints(self) -> Literal["seed", "current"]:
        """``"seed"`` or ``"current"``: which generation of API paths is called (``"auto"`` resolved)."""
        return self._core.config.endpoints

    @property
    def max_retries(self) -> int:
        """How many times a failed request that is safe to retry is sent again."""
        return self._core.config.max_retries

    def __repr__(self) -> str:
        # Safe at every stage, a half-built client included (a traceback rendered with locals shows it).
        return describe(self, getattr(self, "_core", None))

    def _copy_with(self: C, timeout: float | None, max_retries: int | None, max_retry_after: float | None) -> C:
        """A shallow copy of this client (so a subclass and its own attributes survive) with a changed core."""
        config = self._core.config.changed(timeout=timeout, max_retries=max_retries, max_retry_after=max_retry_after)
        clone = copy.copy(self)
        clone._wire(self._core.changed(config))
        return clone

    def _wire(self, core: Core) -> None:
        raise NotImplementedError


class ParallelClient(_ClientBase):
    """Synchronous client for the Parallel API.

    >>> client = ParallelClient()  # key from PARALLEL_API_KEY, URL from PARALLEL_BASE_URL
    >>> hits = client.search(objective="how do Python decorators work", max_results=3)
    >>> run = client.task_runs.execute(input="Who created Python?", processor="lite", output=Answer)

    Args:
        api_key: the key sent as ``x-api-key``; falls back to ``PARALLEL_API_KEY``.
        base_url: the API root; falls back to ``PARALLEL_BASE_URL``, then ``https://api.parallel.ai``.
        timeout: seconds allowed for one attempt of one HTTP request, the answer's whole body included (the
            connect phase gets at most 5 s). Waiting for a task result has its own deadline (``timeout=`` of
            ``result``/``execute``).
        max_retries: how often a failed request that is safe to retry is sent again (default 2).
        endpoints: ``"auto"`` (default: today's paths for ``https://api.parallel.ai``, the seed's for any other
            URL), ``"current"`` (``/v1/search``, ``/v1/tasks/groups``) or ``"seed"`` (``/alpha/search``,
            ``/v1beta/tasks/groups``); falls back to ``PARALLEL_ENDPOINTS``.
        http_client: an ``httpx.Client`` to send with (proxies, custom transports, tests); the caller closes it.
            Redirects are never followed, whatever its ``follow_redirects``: a 3xx is an :class:`APIStatusError`.
        max_retry_after: the longest ``Retry-After`` that is waited out, in seconds (default 60); a longer one
            raises at once (``RateLimitError.retry_after`` holds the server's value).
        allow_insecure_http: allow a plain ``http://`` base URL to a host other than this machine (the key then
            travels in clear: for a trusted network only); falls back to ``PARALLEL_ALLOW_INSECURE_HTTP=1``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        endpoints: Endpoints | None = None,
        http_client: httpx.Client | None = None,
        max_retry_after: float | None = None,
        allow_insecure_http: bool | None = None,
    ) -> None:
        _validate.http_client(http_client, httpx.Client)
        config = resolve_config(
            api_key, base_url, timeout, max_retries, endpoints, allow_insecure_http, max_retry_after=max_retry_after
        )
        self._driver = HttpxDriver(Core(config), http_client)
        self._wire(self._driver.core)

    def _wire(self, core: Core) -> None:
        if core is not self._driver.core:
            self._driver = self._driver.sharing(core)
        self._core = core
        self._search = Search(self._driver)
        self.task_runs = TaskRuns(self._driver)
        """Task runs: ``create``, ``retrieve``, ``retrieve_input``, ``result``, ``execute``, ``stream_events``."""
        self.task_groups = TaskGroups(self._driver)
        """Task groups: ``create``, ``retrieve``, ``add_runs``, ``stream_runs``, ``stream_events``, ``retrieve_run``,
        ``run_batch``."""

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None, max_retry_after: float | None = None
    ) -> ParallelClient:
        """A client with other settings that shares this one's connections and its pacing of creation requests:
        ``client.with_options(max_retries=5)``. A subclass gives a copy of itself."""
        return self._copy_with(timeout, max_retries, max_retry_after)

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
        """Search the web: ranked URLs with excerpts, best first.

        Args:
            objective: what you are looking for, in words (at most 5,000 characters).
            search_queries: up to 5 keyword queries of at most 200 characters each. Today's endpoint requires
                some: when none are given they are derived from ``objective`` (see the README).
            processor: ``"base"`` (fast) or ``"pro"`` (thorough).
            max_results: 1 to 40 results (the API's default is 10).
            max_chars_per_result: the excerpt budget of each result (at least 100).
            source_policy: ``{"include_domains": [...], "exclude_domains": [...]}`` (at most 200 entries).

        Raises:
            ParallelValidationError: an argument breaks a documented limit (nothing was sent).
            APIStatusError: the API refused (a subclass per status, e.g. ``RateLimitError``).
        """
        return self._search.search(
            objective,
            search_queries=search_queries,
            processor=processor,
            max_results=max_results,
            max_chars_per_result=max_chars_per_result,
            source_policy=source_policy,
        )

    def close(self) -> None:
        """Close the connection pool (unless the ``http_client`` was given by the caller). A call on a closed pool
        raises :class:`ParallelValidationError` naming ``client``, before anything is sent."""
        self._driver.close()

    def __enter__(self) -> ParallelClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncParallelClient(_ClientBase):
    """Asynchronous client for the Parallel API: the same methods as :class:`ParallelClient`, awaited.

    One ``httpx.AsyncClient`` is kept per running event loop, so the client works across ``asyncio.run`` calls,
    notebooks and per-test loops; the pools of loops that have closed are dropped when a new loop first uses the
    client (or at :meth:`aclose`). Arguments are those of :class:`ParallelClient`; ``http_client`` (an
    ``httpx.AsyncClient``) pins one connection pool, which then must be used on its own loop only.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        endpoints: Endpoints | None = None,
        http_client: httpx.AsyncClient | None = None,
        max_retry_after: float | None = None,
        allow_insecure_http: bool | None = None,
    ) -> None:
        _validate.http_client(http_client, httpx.AsyncClient)
        config = resolve_config(
            api_key, base_url, timeout, max_retries, endpoints, allow_insecure_http, max_retry_after=max_retry_after
        )
        self._driver = AsyncHttpxDriver(Core(config), http_client)
        self._wire(self._driver.core)

    def _wire(self, core: Core) -> None:
        if core is not self._driver.core:
            self._driver = self._driver.sharing(core)
        self._core = core
        self._search = AsyncSearch(self._driver)
        self.task_runs = AsyncTaskRuns(self._driver)
        """Task runs: ``create``, ``retrieve``, ``retrieve_input``, ``result``, ``execute``, ``stream_events``."""
        self.task_groups = AsyncTaskGroups(self._driver)
        """Task groups: ``create``, ``retrieve``, ``add_runs``, ``stream_runs``, ``stream_events``, ``retrieve_run``,
        ``run_batch``."""

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None, max_retry_after: float | None = None
    ) -> AsyncParallelClient:
        """A client with other settings that shares this one's connections and its pacing of creation requests."""
        return self._copy_with(timeout, max_retries, max_retry_after)

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
        """Search the web: ranked URLs with excerpts, best first. See :meth:`ParallelClient.search`."""
        return await self._search.search(
            objective,
            search_queries=search_queries,
            processor=processor,
            max_results=max_results,
            max_chars_per_result=max_chars_per_result,
            source_policy=source_policy,
        )

    async def aclose(self) -> None:
        """Close this event loop's connection pool (unless the ``http_client`` was given by the caller), and drop
        those of loops that have closed."""
        await self._driver.aclose()

    async def __aenter__(self) -> AsyncParallelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
