"""The import floors of the adapters: ``parallel_integrations`` plus the framework modules each adapter imports.

One definition, read by ``bench_langchain.py``, ``bench_llama_index.py`` and ``run_all.py`` (a test checks the
LlamaIndex list against the adapter's imports). Stdlib only: ``run_all.py`` loads it in every environment.
"""

from __future__ import annotations

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
