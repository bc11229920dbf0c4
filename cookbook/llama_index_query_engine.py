"""LlamaIndex query engines: ParallelQueryEngine (a task run as a cited answer, plain or typed, no LLM needed)
and ParallelSearchRetriever inside LlamaIndex's RetrieverQueryEngine with your own LLM.

The retriever's engine uses LlamaIndex's MockLLM here so the script runs offline; put your LLM in its place.
With ``PARALLEL_API_KEY`` set this calls the Parallel API; without it, the emulator starts on a free port.

    .venv/bin/python cookbook/llama_index_query_engine.py
"""

from __future__ import annotations

import asyncio

from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from pydantic import BaseModel, Field

from parallel_integrations import AsyncParallelClient, ParallelClient
from parallel_integrations.llama_index import ParallelQueryEngine, ParallelSearchRetriever


class Statement(BaseModel):
    """What the task run should find out about a Python statement."""

    keyword: str = Field(description="the keyword that introduces the statement")
    summary: str = Field(description="what the statement does, in one sentence")


def cited_answer(client: ParallelClient) -> None:
    print("== ParallelQueryEngine: the answer, its citations, the run")
    response = ParallelQueryEngine(processor="lite", client=client).query("What does the Python with statement do?")
    print(str(response)[:300])
    for source in response.source_nodes:
        print(f"  [{source.score}] {source.node.metadata['field']}: {source.node.metadata['url']}")
    print(f"  run {response.metadata['run_id']}, {len(response.metadata['basis'])} basis entries")


def typed_answer(client: ParallelClient, async_client: AsyncParallelClient) -> None:
    print("\n== ParallelQueryEngine with output=Statement, awaited: a PydanticResponse")
    engine = ParallelQueryEngine(processor="lite", output=Statement, client=client, async_client=async_client)
    response = asyncio.run(engine.aquery("the Python for statement"))
    print(f"  keyword: {response.keyword}\n  summary: {response.summary[:120]}")
    for basis in response.metadata["basis"]:
        print(f"  {basis['field']}: confidence {basis['confidence']}, {len(basis['citations'])} citations")


def retriever_engine(client: ParallelClient) -> None:
    print("\n== ParallelSearchRetriever in a RetrieverQueryEngine (your LLM writes the answer)")
    retriever = ParallelSearchRetriever(max_results=3, client=client)
    engine = RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=20))
    response = engine.query("How do Python decorators work?")
    print(f"  answer: {str(response)[:100]!r}")
    for source in response.source_nodes:
        print(f"  {source.score:.2f} {source.node.metadata['title']}: {source.node.metadata['url']}")


def main(client: ParallelClient, async_client: AsyncParallelClient) -> None:
    """Run the three engines with these clients."""
    cited_answer(client)
    typed_answer(client, async_client)
    retriever_engine(client)


if __name__ == "__main__":
    from connect import api_or_emulator

    with api_or_emulator(), ParallelClient() as client:
        main(client, AsyncParallelClient())
