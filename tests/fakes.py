"""An HTTP-level fake of the API for client unit tests: scripted responses per route, every request recorded,
an injected clock so retries and deadlines never really sleep."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

from parallel_integrations import AsyncEventStream, AsyncParallelClient, ParallelClient
from parallel_integrations._effects import Hooks

API_KEY = "sk-test-4f1c9a7d2b"

Reply = httpx.Response | Exception | Callable[[httpx.Request], Any]


class FakeClock:
    """Monotonic time that only moves when the client sleeps or a handler advances it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class CutStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that yields ``chunks`` and then breaks like a dropped connection."""

    def __init__(self, chunks: list[bytes], *, cut: bool = True) -> None:
        self.chunks = chunks
        self.cut = cut
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.cut:
            raise httpx.ReadError("connection reset by peer")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.cut:
            raise httpx.ReadError("connection reset by peer")

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


class TrickleStream(CutStream):
    """A response body that arrives one chunk at a time, each chunk taking ``seconds`` on ``clock``."""

    def __init__(self, chunks: list[bytes], clock: FakeClock, seconds: float) -> None:
        super().__init__(chunks, cut=False)
        self.clock = clock
        self.seconds = seconds
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.clock.now += self.seconds
            self.sent += 1
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.clock.now += self.seconds
            self.sent += 1
            yield chunk


def sse(*events: dict[str, Any], comment: bool = False) -> bytes:
    out = b": keepalive\n\n" if comment else b""
    for event in events:
        out += f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
    return out


def error_body(
    message: str, ref_id: str = "6f1e2c1a-0000-4000-8000-000000000001", detail: Any = None
) -> dict[str, Any]:
    return {"type": "error", "error": {"ref_id": ref_id, "message": message, "detail": detail}}


def run_json(run_id: str = "trun_" + "a" * 32, status: str = "queued", **extra: Any) -> dict[str, Any]:
    active = status in ("queued", "running", "cancelling")
    return {
        "run_id": run_id,
        "status": status,
        "is_active": active,
        "processor": "lite",
        "warnings": None,
        "error": None,
        "metadata": None,
        "taskgroup_id": None,
        "created_at": "2025-04-23T20:21:48.037943Z",
        "modified_at": "2025-04-23T20:21:48.037943Z",
        **extra,
    }


class FakeAPI:
    """Routes ``(METHOD, path)`` to queued replies; the last reply of a route repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[httpx.Request] = []
        self.clock = FakeClock()

    def on(self, method: str, path: str, *replies: Reply) -> FakeAPI:
        self.routes.setdefault((method, path), []).extend(replies)
        return self

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(404, json=error_body(f"no fake route for {request.method} {request.url.path}"))
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(reply) and not isinstance(reply, httpx.Response):
            reply = reply(request)
        if isinstance(reply, Exception):
            raise reply
        assert isinstance(reply, httpx.Response)
        if isinstance(reply.stream, CutStream):
            return reply
        # A response object can be sent once; scripted ones are replayed as fresh copies.
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.read())

    def sync_client(self, **options: Any) -> ParallelClient:
        options.setdefault("base_url", "https://fake.test")
        client = ParallelClient(
            API_KEY, http_client=httpx.Client(transport=httpx.MockTransport(self.handle)), **options
        )
        client._core.hooks = self.hooks()
        return client

    def async_client(self, **options: Any) -> AsyncParallelClient:
        options.setdefault("base_url", "https://fake.test")
        transport = httpx.MockTransport(self.handle)
        client = AsyncParallelClient(API_KEY, http_client=httpx.AsyncClient(transport=transport), **options)
        client._core.hooks = self.hooks()
        return client

    def hooks(self) -> Hooks:
        """The fake clock (which sleeping advances) and no jitter."""
        return Hooks(clock=self.clock, rand=lambda: 0.0, sleep=self.clock.sleep, asleep=self.clock.asleep)

    def client(self, kind: str, **options: Any) -> ParallelClient | AsyncParallelClient:
        return self.sync_client(**options) if kind == "sync" else self.async_client(**options)


def call(result: Any) -> Any:
    """The value of a sync call, or of an async one run to completion."""
    return asyncio.run(result) if inspect.iscoroutine(result) else result


def collect(stream: Any, limit: int | None = None) -> list[Any]:
    """Every event of a sync or async stream (the first ``limit`` when given, then the stream is closed)."""
    if isinstance(stream, AsyncEventStream):

        async def gather() -> list[Any]:
            out = []
            async with stream:
                async for event in stream:
                    out.append(event)
                    if limit is not None and len(out) >= limit:
                        break
            return out

        return asyncio.run(gather())
    out = []
    with stream:
        for event in stream:
            out.append(event)
            if limit is not None and len(out) >= limit:
                break
    return out
