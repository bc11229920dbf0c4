"""The floors the adapters are measured against: what any adapter on the same framework would pay.

- At import: ``parallel_integrations`` plus the framework modules each adapter imports.
- Per call: :func:`ready_retriever`, a LlamaIndex retriever that returns nodes it already holds, so that a search
  followed by its ``retrieve()`` costs what any LlamaIndex retriever on this client costs (LlamaIndex's spans,
  events and callback manager) with no conversion of its own; :func:`ready_search_tool`, the search tool with its
  answer ready, so that a search followed by its ``invoke()`` costs LangChain's part of the tool's call (callback
  manager, run events, config context, the ``ToolMessage``) with no rendering of its own.

One definition, read by ``bench_langchain.py``, ``bench_llama_index.py``, ``_cases.py`` and ``run_all.py`` (a test
checks the LlamaIndex list against the adapter's imports). Stdlib only at import: ``run_all.py`` loads it in every
environment; the frameworks are imported inside the functions.
"""

from __future__ import annotations

import inspect
from typing import Any

LANGCHAIN_MODULES = (
    "langchain_core.callbacks",
    "langchain_core.documents",
    "langchain_core.retrievers",
    "langchain_core.tools",
    "langchain_core.runnables",
    "langchain_core.runnables.config",
    "langchain_core.prompt_values",
    "langchain_core.utils",
    "langchain_core.messages",
)
LLAMA_INDEX_MODULES = (
    "llama_index.core.base.base_query_engine",
    "llama_index.core.base.base_retriever",
    "llama_index.core.base.response.schema",
    "llama_index.core.bridge.pydantic",
    "llama_index.core.callbacks.base",
    "llama_index.core.prompts.mixin",
    "llama_index.core.readers.base",
    "llama_index.core.schema",
    "llama_index.core.tools.tool_spec.base",
)


def floor(modules: tuple[str, ...]) -> str:
    """The statement a floor case runs."""
    return "import parallel_integrations, " + ", ".join(modules)


def ready_retriever(nodes: list[Any]) -> Any:
    """A LlamaIndex ``BaseRetriever`` whose ``retrieve``/``aretrieve`` answer ``nodes`` at once.

    Its ``_retrieve`` and ``_aretrieve`` keep their signatures as ``ParallelSearchRetriever``'s do (LlamaIndex's
    span would otherwise compute them on every call), so the floor pays exactly the framework's part of the
    adapter's call.
    """
    from llama_index.core.base.base_retriever import BaseRetriever
    from llama_index.core.schema import NodeWithScore, QueryBundle

    def stored(method: Any) -> Any:
        method.__signature__ = inspect.signature(method)
        return method

    class ReadyNodes(BaseRetriever):
        @stored
        def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            return list(nodes)

        @stored
        async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
            return list(nodes)

    return ReadyNodes()


def ready_search_tool(client: Any, async_client: Any, text: str, response: Any) -> Any:
    """A ``ParallelSearchTool`` whose ``_run`` and ``_arun`` answer ``(text, response)`` at once.

    It is the search tool in every other way (same schema, same argument handling, same clients), so its
    ``invoke()`` pays exactly LangChain's part of the tool's call. Its methods carry the real tool's annotations as
    objects, as the tool's module does: LangChain reads them on every call, and string annotations (this module's
    ``from __future__ import annotations``) would cost far more to read.
    """
    from parallel_integrations.langchain import ParallelSearchTool

    class ReadySearchTool(ParallelSearchTool):
        def _run(self, objective: str, search_queries: list[str] | None = None) -> Any:
            return text, response

        async def _arun(self, objective: str, search_queries: list[str] | None = None) -> Any:
            return text, response

    for name in ("_run", "_arun"):
        getattr(ReadySearchTool, name).__annotations__ = dict(getattr(ParallelSearchTool, name).__annotations__)
    return ReadySearchTool(client=client, async_client=async_client, max_results=10, max_chars=100_000)
