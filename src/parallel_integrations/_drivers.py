"""The two httpx drivers: what performs a flow's effects for the clients (the contract they keep, and that
resources rely on, is ``_contract.py``).

:class:`HttpxDriver` and :class:`AsyncHttpxDriver` send with ``httpx``, read stream chunks, sleep through the
core's hooks, bound each attempt by its deadline (body included), and map transport failures to
:class:`APIConnectionError`. Everything else is decided in the core.
"""

from __future__ import annotations

import functools
import ssl
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic_core import SchemaError as PydanticSchemaError

from ._effects import Close, Emit, Flow, Read, Send, Sleep, StreamHandle
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    ParallelError,
    ParallelValidationError,
    raise_interrupt_behind,
)

if TYPE_CHECKING:
    import asyncio

    from ._core import Core

__all__ = ["AsyncHttpxDriver", "HttpxDriver", "tls_for", "transport_error"]

T = TypeVar("T")
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@functools.cache
def _verified_tls_context() -> ssl.SSLContext:
    # Building a TLS context loads the CA bundle (tens of ms): do it once per process, for every client.
    return httpx.create_ssl_context()


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    # For an http:// base URL (the emulator) TLS is never used: a verifying context without CA bundle is free.
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def tls_for(base_url: str) -> ssl.SSLContext:
    """The TLS context for a base URL (the CA bundle is loaded only for https)."""
    return _verified_tls_context() if base_url.startswith("https://") else _plain_http_context()


def transport_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Our error for an httpx transport failure. ``request_sent`` is false when no connection was made: a refused
    connection, or a connect or pool timeout (the request never left)."""
    never_connected = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    reason = str(exc) or type(exc).__name__
    return kind(
        reason, method=request.method, url=str(request.url.copy_with(query=None)), request_sent=not never_connected
    )


def _advance(flow: Flow[T], value: Any, error: ParallelError | None) -> Any:
    """The flow's next effect, given the outcome of the last one (``StopIteration`` when it ends)."""
    try:
        return flow.send(value) if error is None else flow.throw(error)
    except PydanticSchemaError as exc:  # a Ctrl-C during a model's first validation comes out wrapped
        raise_interrupt_behind(exc)
        raise


class _Deadline:
    """Checks, between chunks of a body, that the attempt is still within its deadline."""

    __slots__ = ("clock", "limit", "request", "seconds")

    def __init__(self, clock: Callable[[], float], seconds: float, request: httpx.Request) -> None:
        self.clock = clock
        self.seconds = seconds
        self.limit = clock() + seconds
        self.request = request

    def check(self) -> None:
        if self.clock() > self.limit:
            raise httpx.ReadTimeout(
                f"the answer took longer than the {self.seconds:g} s timeout to arrive", request=self.request
            )


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: _Deadline) -> None:
        self.inner = inner
        self.deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.deadline.check()
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _AsyncDeadlineStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, deadline: _Deadline) -> None:
        self.inner = inner
        self.deadline = deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.inner:
            self.deadline.check()
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


def _deadline_for(send: Send, clock: Callable[[], float]) -> _Deadline | None:
    return None if send.deadline is None else _Deadline(clock, send.deadline, send.request)


class HttpxDriver:
    """Performs flows with an ``httpx.Client`` (see :class:`Driver`)."""

    def __init__(self, core: Core, http: httpx.Client | None = None) -> None:
        self._core = core
        self.owns_http = http is None
        self.http = http or httpx.Client(verify=tls_for(core.config.base_url), limits=POOL_LIMITS)

    @property
    def core(self) -> Core:
        """The core whose flows this driver performs."""
        return self._core

    def sharing(self, core: Core) -> HttpxDriver:
        """A driver for another core that sends through this one's connection pool (which it does not own)."""
        return HttpxDriver(core, self.http)

    def close(self) -> None:
        """Close the connection pool, if this driver made it."""
        if self.owns_http:
            self.http.close()

    def run(self, flow: Flow[T]) -> T:
        """Perform a request flow to its end; its value."""
        box: list[T] = []
        for _ in self._drive(flow, box, emits=False):
            pass
        return box[0]

    def iterate(self, flow: Flow[Any]) -> Iterator[Any]:
        """Perform a streaming flow, yielding what it emits."""
        return self._drive(flow, [], emits=True)

    def drive(self, flow: Flow[T], box: list[T]) -> Iterator[Any]:
        """Perform a flow that both emits and returns: yields what it emits, then puts its value in ``box``."""
        return self._drive(flow, box, emits=True)

    def _drive(self, flow: Flow[T], box: list[T], *, emits: bool) -> Iterator[Any]:
        if self.http.is_closed:
            flow.close()
            raise ParallelValidationError(
                "client",
                "this ParallelClient is closed (close(), a with block, or its http_client closed): build a new one",
            )
        opened: list[StreamHandle[Iterator[bytes]]] = []
        value: Any = None
        error: ParallelError | None = None
        try:
            while True:
                try:
                    effect = _advance(flow, value, error)
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
            self._core.hooks.sleep(effect.seconds)
            return None
        if isinstance(effect, Close):
            effect.handle.response.close()
            if effect.handle in opened:
                opened.remove(effect.handle)
            return None
        try:
            if isinstance(effect, Read):
                return next(effect.handle.chunks, b"")
            deadline = _deadline_for(effect, self._core.hooks.clock)
            response = self.http.send(effect.request, stream=True, follow_redirects=False)
            if effect.stream and response.is_success:
                handle = StreamHandle(response, response.iter_bytes())
                opened.append(handle)
                return handle
            try:
                if deadline is not None:
                    response.stream = _DeadlineStream(response.stream, deadline)  # type: ignore[arg-type]
                response.read()
            finally:
                response.close()
            return StreamHandle(response, iter(())) if effect.stream else response
        except httpx.TransportError as exc:
            request = effect.request if isinstance(effect, Send) else effect.handle.response.request
            raise transport_error(exc, request) from exc


class AsyncHttpxDriver:
    """Performs flows with an ``httpx.AsyncClient`` (see :class:`AsyncDriver`). One connection pool is kept per
    running event loop (an ``httpx.AsyncClient`` cannot cross loops), unless one was given."""

    def __init__(
        self,
        core: Core,
        http: httpx.AsyncClient | None = None,
        pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None,
        gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None,
    ) -> None:
        self._core = core
        self.given_http = http
        self.pools = weakref.WeakKeyDictionary() if pools is None else pools
        self.gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary() if gates is None else gates
        )

    @property
    def core(self) -> Core:
        """The core whose flows this driver performs."""
        return self._core

    def sharing(self, core: Core) -> AsyncHttpxDriver:
        """A driver for another core that sends through this one's connection pools."""
        return AsyncHttpxDriver(core, self.given_http, self.pools, self.gates)

    def _gate(self) -> asyncio.Semaphore | None:
        # Calls waiting inside httpcore's pool cost time quadratic in their number (each change of the pool scans
        # every waiting request against every connection): a FIFO semaphore sized like the pool keeps the waiting
        # outside. A pool the caller gave us keeps its own limits.
        if self.given_http is not None:
            return None
        import asyncio

        loop = asyncio.get_running_loop()
        gate = self.gates.get(loop)
        if gate is None:
            gate = self.gates[loop] = asyncio.Semaphore(POOL_LIMITS.max_connections or 100)
        return gate

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection pool of the running event loop."""
        if self.given_http is not None:
            return self.given_http
        import asyncio

        loop = asyncio.get_running_loop()
        pool = self.pools.get(loop)
        if pool is None:
            self._forget_closed_loops()
            pool = httpx.AsyncClient(verify=tls_for(self._core.config.base_url), limits=POOL_LIMITS)
            self.pools[loop] = pool
        return pool

    def _forget_closed_loops(self) -> None:
        # A pool refers to its loop through its connections, so its weak key never dies on its own: each
        # asyncio.run() would leave one pool behind. A closed loop can no longer run a pool's aclose(); dropped,
        # the pool is collected and its sockets are closed with it.
        for table in (self.pools, self.gates):
            for loop in [loop for loop in table if loop.is_closed()]:
                del table[loop]

    async def aclose(self) -> None:
        """Close the running loop's connection pool, if this driver made it, and drop those of closed loops."""
        if self.given_http is not None:
            return
        import asyncio

        pool = self.pools.pop(asyncio.get_running_loop(), None)
        self._forget_closed_loops()
        if pool is not None:
            await pool.aclose()

    async def run(self, flow: Flow[T]) -> T:
        """Perform a request flow to its end; its value."""
        box: list[T] = []
        async for _ in self._drive(flow, box, emits=False):
            pass
        return box[0]

    def iterate(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        """Perform a streaming flow, yielding what it emits."""
        return self._drive(flow, [], emits=True)

    def drive(self, flow: Flow[T], box: list[T]) -> AsyncIterator[Any]:
        """Perform a flow that both emits and returns: yields what it emits, then puts its value in ``box``."""
        return self._drive(flow, box, emits=True)

    async def _drive(self, flow: Flow[T], box: list[T], *, emits: bool) -> AsyncIterator[Any]:
        opened: list[StreamHandle[AsyncIterator[bytes]]] = []
        value: Any = None
        error: ParallelError | None = None
        try:
            while True:
                try:
                    effect = _advance(flow, value, error)
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
            hooks = self._core.hooks
            if hooks.asleep is not None:
                await hooks.asleep(effect.seconds)
            else:
                import asyncio

                await asyncio.sleep(effect.seconds)
            return None
        if isinstance(effect, Close):
            await effect.handle.response.aclose()
            if effect.handle in opened:
                opened.remove(effect.handle)
            return None
        try:
            if isinstance(effect, Read):
                return await anext(effect.handle.chunks, b"")
            gate = None if effect.stream else self._gate()
            if gate is None:
                return await self._send(effect, opened)
            await self._enter(gate, effect.request)
            try:
                return await self._send(effect, opened)
            finally:
                gate.release()
        except httpx.TransportError as exc:
            request = effect.request if isinstance(effect, Send) else effect.handle.response.request
            raise transport_error(exc, request) from exc

    async def _enter(self, gate: asyncio.Semaphore, request: httpx.Request) -> None:
        # Waiting for a free connection is bounded like httpx's own pool wait (the client's timeout), and fails the
        # same way: a pool timeout, the request never sent.
        import asyncio

        try:
            await asyncio.wait_for(gate.acquire(), timeout=self._core.config.timeout)
        except TimeoutError:
            raise httpx.PoolTimeout("no free connection within the timeout", request=request) from None

    async def _send(self, effect: Send, opened: list[StreamHandle[AsyncIterator[bytes]]]) -> Any:
        deadline = _deadline_for(effect, self._core.hooks.clock)
        response = await self.http.send(effect.request, stream=True, follow_redirects=False)
        if effect.stream and response.is_success:
            handle = StreamHandle(response, response.aiter_bytes())
            opened.append(handle)
            return handle
        try:
            if deadline is not None:
                response.stream = _AsyncDeadlineStream(response.stream, deadline)  # type: ignore[arg-type]
            await response.aread()
        finally:
            await response.aclose()
        return StreamHandle(response, _no_chunks()) if effect.stream else response


async def _no_chunks() -> AsyncIterator[bytes]:
    return
    yield  # pragma: no cover
