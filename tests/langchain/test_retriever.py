"""ParallelSearchRetriever: documents per the shared metadata table, k, how the query is sent, validation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelValidationError
from parallel_integrations.emulator import RunningEmulator
from parallel_integrations.langchain import ParallelSearchRetriever

TABLE_KEYS = {"source", "url", "title", "publish_date", "rank", "search_id", "query"}


def search_answer(count: int) -> dict[str, Any]:
    return {
        "search_id": "search_0123456789abcdef0123456789abcdef",
        "results": [
            {"url": f"https://example.com/{i}", "title": f"Page {i}", "excerpts": [f"first {i}", f"second {i}"]}
            for i in range(1, count + 1)
        ],
    }


class Recorder:
    """An httpx handler answering every search with ``count`` results and keeping the request bodies."""

    def __init__(self, count: int = 12) -> None:
        self.count = count
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        return httpx.Response(200, json=search_answer(self.count))


def injected(recorder: Recorder, **settings: Any) -> ParallelSearchRetriever:
    client = ParallelClient(
        "k", base_url="https://api.test", http_client=httpx.Client(transport=httpx.MockTransport(recorder))
    )
    return ParallelSearchRetriever(client=client, **settings)


def test_documents_follow_the_shared_table(emulator: RunningEmulator) -> None:
    docs = ParallelSearchRetriever(k=4).invoke("how do Python decorators work")
    assert len(docs) == 4
    assert [d.metadata["rank"] for d in docs] == [1, 2, 3, 4]
    for doc in docs:
        assert set(doc.metadata) == TABLE_KEYS
        assert doc.id == doc.metadata["url"] == doc.metadata["source"]
        assert doc.metadata["url"].startswith("https://docs.python.org/")
        assert doc.metadata["query"] == "how do Python decorators work"
        assert doc.page_content
        assert all(v is None or isinstance(v, str | int | float) for v in doc.metadata.values())
    assert len({d.metadata["search_id"] for d in docs}) == 1


async def test_async_matches_sync(emulator: RunningEmulator) -> None:
    retriever = ParallelSearchRetriever(k=3)
    sync_docs = retriever.invoke("the with statement")
    async_docs = await retriever.ainvoke("the with statement")
    assert [d.id for d in async_docs] == [d.id for d in sync_docs]


def test_k_per_call_overrides_the_constructor() -> None:
    recorder = Recorder()
    retriever = injected(recorder, k=5)
    assert len(retriever.invoke("q")) == 5
    assert len(retriever.invoke("q", k=2)) == 2
    assert [b["max_results"] for b in recorder.bodies] == [5, 2]


def test_never_more_than_k_even_if_the_api_sends_more() -> None:
    recorder = Recorder(count=12)
    assert len(injected(recorder, k=3).invoke("q")) == 3


@pytest.mark.parametrize(
    ("query_as", "objective", "queries"),
    [
        ("objective", "decorators", None),
        ("search_queries", None, ["decorators"]),
        ("both", "decorators", ["decorators"]),
    ],
)
def test_query_as(query_as: str, objective: str | None, queries: list[str] | None) -> None:
    recorder = Recorder()
    injected(recorder, query_as=query_as).invoke("decorators")
    body = recorder.bodies[0]
    assert body.get("objective") == objective
    assert body.get("search_queries") == queries


def test_developer_settings_reach_the_request() -> None:
    recorder = Recorder()
    retriever = injected(
        recorder, processor="pro", max_chars_per_result=800, source_policy={"include_domains": ["python.org"]}
    )
    retriever.invoke("q")
    body = recorder.bodies[0]
    assert body["processor"] == "pro"
    assert body["max_chars_per_result"] == 800
    assert body["source_policy"]["include_domains"] == ["python.org"]


async def test_only_a_sync_client_serves_async_calls_in_a_thread() -> None:
    recorder = Recorder()
    docs = await injected(recorder, k=2).ainvoke("q")
    assert len(docs) == 2
    assert len(recorder.bodies) == 1


async def test_an_injected_async_client_is_used() -> None:
    recorder = Recorder()
    client = AsyncParallelClient(
        "k", base_url="https://api.test", http_client=httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    )
    retriever = ParallelSearchRetriever(async_client=client, k=2)
    assert len(await retriever.ainvoke("q")) == 2
    with pytest.raises(ParallelValidationError, match="client"):
        retriever.invoke("q")


@pytest.mark.parametrize("k", [0, 41, "3", 2.0, True])
def test_bad_k_per_call_is_refused_before_sending(k: Any) -> None:
    recorder = Recorder()
    with pytest.raises(ParallelValidationError, match=r"^k: "):
        injected(recorder).invoke("q", k=k)
    assert recorder.bodies == []


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"k": 0}, "k"),
        ({"k": "5"}, "k"),
        ({"query_as": "keywords"}, "query_as"),
        ({"max_chars_per_result": 10}, "max_chars_per_result"),
        ({"processor": 3}, "processor"),
        ({"max_retries": -1}, "max_retries"),
    ],
)
def test_bad_settings_name_the_field(settings: dict[str, Any], field: str) -> None:
    with pytest.raises(ParallelValidationError) as caught:
        ParallelSearchRetriever(api_key="k", **settings)
    assert caught.value.field == field


def test_unknown_per_call_option_is_refused() -> None:
    with pytest.raises(ParallelValidationError, match="max_results"):
        injected(Recorder()).invoke("q", max_results=3)


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARALLEL_API_KEY", raising=False)
    with pytest.raises(ParallelValidationError, match="PARALLEL_API_KEY") as caught:
        ParallelSearchRetriever()
    assert caught.value.field == "api_key"


def test_clients_are_built_once_per_object(emulator: RunningEmulator) -> None:
    retriever = ParallelSearchRetriever(k=1)
    first = retriever.sync_client()
    retriever.batch(["a", "b", "c", "d"], config={"max_concurrency": 4})
    assert retriever.sync_client() is first


@pytest.mark.parametrize("query", ["", "   ", 3])
def test_an_empty_or_non_string_query_is_refused(query: Any) -> None:
    recorder = Recorder()
    with pytest.raises(ParallelValidationError, match=r"^query: "):
        injected(recorder).invoke(query)
    assert recorder.bodies == []
