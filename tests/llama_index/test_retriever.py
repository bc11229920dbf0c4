"""ParallelSearchRetriever against the emulator: scored nodes, sync and async, inside LlamaIndex's own engines."""

from __future__ import annotations

from llama_index.core.instrumentation.events.retrieval import RetrievalEndEvent, RetrievalStartEvent
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine

from parallel_integrations import AsyncParallelClient
from parallel_integrations.llama_index import ParallelSearchRetriever


def assert_ranked(nodes, count):
    assert len(nodes) == count
    scores = [n.score for n in nodes]
    assert all(isinstance(s, float) for s in scores)
    assert scores == sorted(scores, reverse=True)
    assert len(set(scores)) == count  # strictly decreasing
    assert [n.node.metadata["rank"] for n in nodes] == list(range(1, count + 1))
    for node in nodes:
        assert node.node.node_id == node.node.metadata["url"]
        assert node.node.get_content().strip()


def test_retrieve_gives_scored_nodes_in_rank_order(emulator):
    retriever = ParallelSearchRetriever(max_results=4)
    nodes = retriever.retrieve("how do generators work")
    assert_ranked(nodes, 4)
    assert nodes[0].node.metadata["query"] == "how do generators work"


async def test_aretrieve_uses_the_async_client(emulator, refusing_sync_client):
    sync_client, transport = refusing_sync_client
    retriever = ParallelSearchRetriever(max_results=3, client=sync_client, async_client=AsyncParallelClient())
    assert_ranked(await retriever.aretrieve("exception handling"), 3)
    assert transport.calls == 0


def test_retrieve_uses_the_sync_client(emulator, refusing_async_client):
    async_client, transport = refusing_async_client
    from parallel_integrations import ParallelClient

    with ParallelClient() as client:
        retriever = ParallelSearchRetriever(max_results=2, client=client, async_client=async_client)
        assert_ranked(retriever.retrieve("exception handling"), 2)
    assert transport.calls == 0


def test_in_a_retriever_query_engine_with_a_mock_llm(emulator):
    retriever = ParallelSearchRetriever(max_results=3)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))
    response = engine.query("what does the with statement do")
    assert str(response).strip()
    assert len(response.source_nodes) == 3
    assert all(n.node.metadata["url"].startswith("https://docs.python.org/") for n in response.source_nodes)


async def test_in_a_retriever_query_engine_async(emulator):
    retriever = ParallelSearchRetriever(max_results=2)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))
    response = await engine.aquery("what does the with statement do")
    assert str(response).strip()
    assert [n.node.metadata["rank"] for n in response.source_nodes] == [1, 2]


def test_repr_shows_settings(emulator):
    text = repr(ParallelSearchRetriever(max_results=7, processor="base"))
    assert "max_results=7" in text
    assert "processor='base'" in text


async def test_retrieval_events_and_spans_are_emitted_sync_and_async(emulator, instrumented):
    events, spans = instrumented
    retriever = ParallelSearchRetriever(max_results=2)
    nodes = retriever.retrieve("generators")
    anodes = await retriever.aretrieve("generators")
    starts = [e for e in events if isinstance(e, RetrievalStartEvent)]
    ends = [e for e in events if isinstance(e, RetrievalEndEvent)]
    assert [e.str_or_query_bundle for e in starts] == ["generators", "generators"]
    assert [[n.node_id for n in e.nodes] for e in ends] == [[n.node_id for n in nodes], [n.node_id for n in anodes]]
    assert ends[0].nodes[0] is nodes[0]
    names = [span.id_.rsplit("-", 5)[0] for span in spans.completed_spans]
    # LlamaIndex's spans: around retrieve and aretrieve, and the one every retriever's _retrieve gets.
    for name in ("retrieve", "_retrieve", "aretrieve"):
        assert f"ParallelSearchRetriever.{name}" in names, names
    inner = next(s for s in spans.completed_spans if s.id_.startswith("ParallelSearchRetriever._retrieve-"))
    outer = next(s for s in spans.completed_spans if s.id_.startswith("ParallelSearchRetriever.retrieve-"))
    assert inner.parent_id == outer.id_
