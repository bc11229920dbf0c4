from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from llama_index.core import Settings
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.instrumentation.span_handlers import SimpleSpanHandler
from llama_index.core.llms import MockLLM
from llama_index_instrumentation import get_dispatcher
from pydantic import Field

from parallel_integrations import AsyncParallelClient, ParallelClient


@pytest.fixture
def mock_settings() -> Iterator[None]:
    """A ``MockLLM`` and an 8-dimension ``MockEmbedding`` in ``Settings``, restored afterwards (also unset)."""
    saved = (Settings._llm, Settings._embed_model)
    Settings.llm = MockLLM(max_tokens=16)
    Settings.embed_model = MockEmbedding(embed_dim=8)
    try:
        yield
    finally:
        Settings._llm, Settings._embed_model = saved


@pytest.fixture
def no_settings() -> Iterator[None]:
    """``Settings`` with no LLM and no embedding model: touching either would try to load OpenAI's."""
    saved = (Settings._llm, Settings._embed_model)
    Settings._llm, Settings._embed_model = None, None
    try:
        yield
    finally:
        Settings._llm, Settings._embed_model = saved


class Refusing(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A transport that fails the test if anything is sent through it; counts the attempts."""

    def __init__(self) -> None:
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise AssertionError(f"unexpected request on this client: {request.method} {request.url}")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self.handle_request(request)


@pytest.fixture
def refusing_sync_client() -> tuple[ParallelClient, Refusing]:
    """A sync client that must not be used (to prove async code paths use the async client)."""
    transport = Refusing()
    return ParallelClient("k", base_url="http://127.0.0.1:9", http_client=httpx.Client(transport=transport)), transport


@pytest.fixture
def refusing_async_client() -> tuple[AsyncParallelClient, Refusing]:
    """An async client that must not be used (to prove sync code paths use the sync client)."""
    transport = Refusing()
    client = AsyncParallelClient("k", base_url="http://127.0.0.1:9", http_client=httpx.AsyncClient(transport=transport))
    return client, transport


class Recorder:
    """The JSON bodies a client sent, read by an httpx request hook."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> None:
        self.bodies.append(json.loads(request.content) if request.content else {})


@pytest.fixture
def recorded(emulator) -> Iterator[tuple[ParallelClient, Recorder]]:
    """A sync client on the test's emulator that records every request body."""
    recorder = Recorder()
    http = httpx.Client(event_hooks={"request": [recorder]})
    with ParallelClient(http_client=http) as client:
        yield client, recorder
    http.close()


class Collect(BaseEventHandler):
    """Keeps every instrumentation event it is sent."""

    events: list[BaseEvent] = Field(default_factory=list)

    @classmethod
    def class_name(cls) -> str:
        return "Collect"

    def handle(self, event: BaseEvent, **kwargs: object) -> None:
        self.events.append(event)


@pytest.fixture
def instrumented() -> Iterator[tuple[list[BaseEvent], SimpleSpanHandler]]:
    """The events and spans of LlamaIndex's root dispatcher during the test (handlers removed afterwards)."""
    handler, spans = Collect(), SimpleSpanHandler()
    root = get_dispatcher()
    root.add_event_handler(handler)
    root.add_span_handler(spans)
    try:
        yield handler.events, spans
    finally:
        root.event_handlers.remove(handler)
        root.span_handlers.remove(spans)
