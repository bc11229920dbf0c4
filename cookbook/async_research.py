"""Async research: AsyncParallelClient running searches and typed task runs concurrently with asyncio.gather,
and the LangChain retriever and LlamaIndex query engine awaited on that same client (ainvoke, aquery).

    .venv/bin/python cookbook/async_research.py
"""

from __future__ import annotations

import asyncio
import time

from pydantic import BaseModel, Field

from parallel_integrations import AsyncParallelClient

TOPICS = ["context managers", "generators", "decorators"]


class Concept(BaseModel):
    """What a task run should find out about a Python concept."""

    name: str = Field(description="the concept's usual name")
    summary: str = Field(description="what it is for, in one sentence")


async def searches(client: AsyncParallelClient) -> None:
    print(f"== {len(TOPICS)} searches at once (asyncio.gather)")
    started = time.perf_counter()
    responses = await asyncio.gather(
        *(client.search(f"how do {topic} work in Python", max_results=2) for topic in TOPICS)
    )
    for topic, response in zip(TOPICS, responses, strict=True):
        print(f"  {topic}: {len(response.results)} results, first {response.results[0].url}")
    print(f"  ({time.perf_counter() - started:.1f} s for all of them)")


async def task_runs(client: AsyncParallelClient) -> None:
    print(f"\n== {len(TOPICS)} task runs at once, each a typed answer with citations")
    results = await asyncio.gather(
        *(client.task_runs.execute(f"Python {topic}", "lite", output=Concept, timeout=600) for topic in TOPICS),
        return_exceptions=True,  # one failed run does not cancel the others
    )
    for topic, result in zip(TOPICS, results, strict=True):
        if isinstance(result, BaseException):
            print(f"  {topic}: failed: {result}")
        elif result.parsed is not None:
            cited = sum(1 for _ in result.output.iter_citations())
            print(f"  {topic}: {result.parsed.summary[:70]}... ({cited} citations)")


async def adapters(client: AsyncParallelClient) -> None:
    from parallel_integrations.langchain import ParallelSearchRetriever
    from parallel_integrations.llama_index import ParallelQueryEngine

    print("\n== The adapters' async methods, on the same client, at once")
    retriever = ParallelSearchRetriever(async_client=client, k=3)
    engine = ParallelQueryEngine(async_client=client, processor="lite")
    documents, response = await asyncio.gather(
        retriever.ainvoke("how do Python generators work"),
        engine.aquery("What does the Python yield statement do?"),
    )
    print(f"  LangChain ainvoke: {len(documents)} documents, first {documents[0].id}")
    print(f"  LlamaIndex aquery: {' '.join(str(response).split())[:70]}...")
    for source in response.source_nodes:
        print(f"    source {source.score}: {source.node.metadata['url']}")


async def research(client: AsyncParallelClient) -> None:
    """Searches, task runs and the adapters, each group concurrently."""
    await searches(client)
    await task_runs(client)
    await adapters(client)


def main(client: AsyncParallelClient) -> None:
    """Run the research on ``client`` in a fresh event loop."""
    asyncio.run(research(client))


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator():
        main(AsyncParallelClient())
