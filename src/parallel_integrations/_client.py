"""``ParallelClient`` and ``AsyncParallelClient``: two thin drivers over the one core in ``_core.py``.

A driver performs the effects a flow yields: it sends with its ``httpx`` client, reads stream chunks, sleeps, and
maps transport failures to :class:`APIConnectionError`. Everything else is decided in the core.
"""

from __future__ import annotations

import functools
import ssl
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _validate
from ._config import Endpoints, resolve_config
from ._core import Core
from ._effects import Close, Emit, Flow, Read, Send, Sleep, StreamHandle
from ._errors import APIConnectionError, APITimeoutError, ParallelError
from ._models import SearchResponse, SourcePolicy
from ._resources import AsyncTaskGroups, AsyncTaskRuns, TaskGroups, TaskRuns

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncParallelClient", "ParallelClient"]

T = TypeVar("T")
_POOL = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@functools.cache
def _verified_tls_context() -> ssl.SSLContext:
    # Building a TLS context loads the CA bundle (tens of ms): do it once per process, for every client.
    return httpx.create_ssl_context()


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    # For an http:// base URL (the emulator) TLS is never used: a verifying context without CA bundle is free.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _tls_for(base_url: str) -> ssl.SSLContext:
    return _verified_tls_context() if base_url.startswith("https://") else _plain_http_context()


def transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Our error for an httpx transport failure. ``request_sent`` is false when no connection was made."""
    never_connected = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    reason = str(exc) or type(exc).__name__
    return kind(
        reason, method=request.method, url=str(request.url.copy_with(query=None)), request_sent=not never_connected
    )


class _ClientBase:
    _core: Core

    @property
    def base_url(self) -> str:
        """The API root this client talks to."""
        return self._core.config.base_url

    @property
    def endpoints(self) -> Endpoints:
        """``"seed"`` or ``"current"``: which generation of API paths is called."""
        return self._core.config.endpoints

    @property
    def max_retries(self) -> int:
        """How many times a failed request that is safe to retry is sent again."""
        return self._core.config.max_retries

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, endpoints={self.endpoints!r})"


class ParallelClient(_ClientBase):
    """Synchronous client for the Parallel API.

    >>> client = ParallelClient()  # key from PARALLEL_API_KEY, URL from PARALLEL_BASE_URL
    >>> hits = client.search(objective="how do Python decorators work", max_results=3)
    >>> run = client.task_runs.execute(input="Who created Python?", processor="lite", output=Answer)

    Args:
        api_key: the key sent as ``x-api-key``; falls back to ``PARALLEL_API_KEY``.
        base_url: the API root; falls back to ``PARALLEL_BASE_URL``, then ``https://api.parallel.ai``.
        timeout: seconds allowed for one HTTP request (the connect phase gets at most 5 s). Waiting for a task
            result has its own deadline (``timeout=`` of ``result``/``execute``).
        max_retries: how often a failed request that is safe to retry is sent again (default 2).
        endpoints: ``"seed"`` (default; ``/alpha/search``, ``/v1beta/tasks/groups``) or ``"current"``
            (``/v1/search``, ``/v1/tasks/groups``); falls back to ``PARALLEL_ENDPOINTS``.
        http_client: an ``httpx.Client`` to send with (proxies, custom transports, tests); the caller closes it.
            Redirects are never followed, whatever its ``follow_redirects``: a 3xx is an :class:`APIStatusError`.
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
        allow_insecure_http: bool | None = None,
    ) -> None:
        _validate.http_client(http_client, httpx.Client)
        config = resolve_config(api_key, base_url, timeout, max_retries, endpoints, allow_insecure_http)
        self._setup(
            Core(config),
            http_client or httpx.Client(verify=_tls_for(config.base_url), limits=_POOL),
            owns_http=http_client is None,
        )

    def _setup(self, core: Core, http: httpx.Client, *, owns_http: bool) -> None:
        self._core = core
        self._http = http
        self._owns_http = owns_http
        self._sleep: Callable[[float], None] = time.sleep
        self.task_runs = TaskRuns(self)
        """Task runs: ``create``, ``retrieve``, ``retrieve_input``, ``result``, ``execute``, ``stream_events``."""
        self.task_groups = TaskGroups(self)
        """Task groups: ``create``, ``retrieve``, ``add_runs``, ``stream_runs``, ``stream_events``, ``retrieve_run``."""

    def with_options(self, *, timeout: float | None = None, max_retries: int | None = None) -> ParallelClient:
        """A client with other settings that shares this one's connections: ``client.with_options(max_retries=5)``."""
        copy = object.__new__(ParallelClient)
        copy._setup(
            Core(
                self._core.config.changed(timeout=timeout, max_retries=max_retries),
                clock=self._core.clock,
                rand=self._core.rand,
                pacer=self._core.pacer,
            ),
            self._http,
            owns_http=False,
        )
        copy._sleep = self._sleep
        return copy

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
            search_queries: up to 5 keyword queries of at most 200 characters each.
            processor: ``"base"`` (fast) or ``"pro"`` (thorough).
            max_results: 1 to 40 results (the API's default is 10).
            max_chars_per_result: the excerpt budget of each result (at least 100).
            source_policy: ``{"include_domains": [...], "exclude_domains": [...]}`` (at most 200 entries).

        Raises:
            ParallelValidationError: an argument breaks a documented limit (nothing was sent).
            APIStatusError: the API refused (a subclass per status, e.g. ``RateLimitError``).
        """
        _validate.search(objective, search_queries, processor, max_results, max_chars_per_result, source_policy)
        return self._run(
            self._core.search(
                objective=objective,
                search_queries=search_queries,
                processor=processor,
                max_results=max_results,
                max_chars_per_result=max_chars_per_result,
                source_policy=source_policy,
            )
        )

    def close(self) -> None:
        """Close the connection pool (unless the ``http_client`` was given by the caller)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ParallelClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the driver --------------------------------------------------------------------------------------------

    def _run(self, flow: Flow[T]) -> T:
        box: list[T] = []
        for _ in self._drive(flow, box, emits=False):
            pass
        return box[0]

    def _iterate(self, flow: Flow[None]) -> Iterator[Any]:
        return self._drive(flow, [], emits=True)

    def _drive(self, flow: Flow[T], box: list[T], *, emits: bool) -> Iterator[Any]:
        opened: list[StreamHandle[Iterator[bytes]]] = []
        value: Any = None
        error: ParallelError | None = None
        try:
            while True:
                try:
                    effect = flow.send(value) if error is None else flow.throw(error)
                except StopIteration as stop:
                    box.append(stop.value)
                    return
                value, error = None, None
                if isinstance(effect, Emit):
                    if not emits:
                        raise TypeError("a request flow emitted a stream event")
                    yield effect.value
                    continue
                try:
                    value = self._perform(effect, opened)
                except ParallelError as exc:
                    error = exc
        finally:
            flow.close()
            for handle in opened:
                handle.response.close()

    def _perform(self, effect: Send | Sleep | Read | Close, opened: list[StreamHandle[Iterator[bytes]]]) -> Any:
        if isinstance(effect, Sleep):
            self._sleep(effect.seconds)
            return None
        if isinstance(effect, Close):
            effect.handle.response.close()
            if effect.handle in opened:
                opened.remove(effect.handle)
            return None
        try:
            if isinstance(effect, Read):
                return next(effect.handle.chunks, b"")
            if not effect.stream:
                return self._http.send(effect.request, follow_redirects=False)
            response = self._http.send(effect.request, stream=True, follow_redirects=False)
            if not response.is_success:
                response.read()
                response.close()
            handle = StreamHandle(response, response.iter_bytes())
            opened.append(handle)
            return handle
        except httpx.TransportError as exc:
            request = effect.request if isinstance(effect, Send) else effect.handle.response.request
            raise transport_error(exc, request) from exc


class AsyncParallelClient(_ClientBase):
    """Asynchronous client for the Parallel API: the same methods as :class:`ParallelClient`, awaited.

    One ``httpx.AsyncClient`` is kept per running event loop, so the client works across ``asyncio.run`` calls,
    notebooks and per-test loops. Arguments are those of :class:`ParallelClient`; ``http_client`` (an
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
        allow_insecure_http: bool | None = None,
    ) -> None:
        _validate.http_client(http_client, httpx.AsyncClient)
        self._setup(
            Core(resolve_config(api_key, base_url, timeout, max_retries, endpoints, allow_insecure_http)),
            http_client,
            weakref.WeakKeyDictionary(),
        )

    def _setup(
        self,
        core: Core,
        http: httpx.AsyncClient | None,
        pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient],
    ) -> None:
        import asyncio  # imported here so that sync-only programs never load it

        self._core = core
        self._given_http = http
        self._pools = pools
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.task_runs = AsyncTaskRuns(self)
        """Task runs: ``create``, ``retrieve``, ``retrieve_input``, ``result``, ``execute``, ``stream_events``."""
        self.task_groups = AsyncTaskGroups(self)
        """Task groups: ``create``, ``retrieve``, ``add_runs``, ``stream_runs``, ``stream_events``, ``retrieve_run``."""

    def with_options(self, *, timeout: float | None = None, max_retries: int | None = None) -> AsyncParallelClient:
        """A client with other settings that shares this one's connections."""
        copy = object.__new__(AsyncParallelClient)
        copy._setup(
            Core(
                self._core.config.changed(timeout=timeout, max_retries=max_retries),
                clock=self._core.clock,
                rand=self._core.rand,
                pacer=self._core.pacer,
            ),
            self._given_http,
            self._pools,
        )
        copy._sleep = self._sleep
        return copy

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._given_http is not None:
            return self._given_http
        import asyncio

        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = httpx.AsyncClient(verify=_tls_for(self._core.config.base_url), limits=_POOL)
            self._pools[loop] = pool
        return pool

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
        _validate.search(objective, search_queries, processor, max_results, max_chars_per_result, source_policy)
        return await self._run(
            self._core.search(
                objective=objective,
                search_queries=search_queries,
                processor=processor,
                max_results=max_results,
                max_chars_per_result=max_chars_per_result,
                source_policy=source_policy,
            )
        )

    async def aclose(self) -> None:
        """Close this event loop's connection pool (unless the ``http_client`` was given by the caller)."""
        if self._given_http is not None:
            return
        import asyncio

        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.aclose()

    async def __aenter__(self) -> AsyncParallelClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # the driver --------------------------------------------------------------------------------------------

    async def _run(self, flow: Flow[T]) -> T:
        box: list[T] = []
        async for _ in self._drive(flow, box, emits=False):
            pass
        return box[0]

    def _iterate(self, flow: Flow[None]) -> AsyncIterator[Any]:
        return self._drive(flow, [], emits=True)

    async def _drive(self, flow: Flow[T], box: list[T], *, emits: bool) -> AsyncIterator[Any]:
        opened: list[StreamHandle[AsyncIterator[bytes]]] = []
        value: Any = None
        error: ParallelError | None = None
        try:
            while True:
                try:
                    effect = flow.send(value) if error is None else flow.throw(error)
                except StopIteration as stop:
                    box.append(stop.value)
                    return
                value, error = None, None
                if isinstance(effect, Emit):
                    if not emits:
                        raise TypeError("a request flow emitted a stream event")
                    yield effect.value
                    continue
                try:
                    value = await self._perform(effect, opened)
                except ParallelError as exc:
                    error = exc
        finally:
            flow.close()
            for handle in opened:
                await handle.response.aclose()

    async def _perform(
        self, effect: Send | Sleep | Read | Close, opened: list[StreamHandle[AsyncIterator[bytes]]]
    ) -> Any:
        if isinstance(effect, Sleep):
            await self._sleep(effect.seconds)
            return None
        if isinstance(effect, Close):
            await effect.handle.response.aclose()
            if effect.handle in opened:
                opened.remove(effect.handle)
            return None
        try:
            if isinstance(effect, Read):
                return await anext(effect.handle.chunks, b"")
            if not effect.stream:
                return await self._http.send(effect.request, follow_redirects=False)
            response = await self._http.send(effect.request, stream=True, follow_redirects=False)
            if not response.is_success:
                await response.aread()
                await response.aclose()
            handle = StreamHandle(response, response.aiter_bytes())
            opened.append(handle)
            return handle
        except httpx.TransportError as exc:
            request = effect.request if isinstance(effect, Send) else effect.handle.response.request
            raise transport_error(exc, request) from exc
