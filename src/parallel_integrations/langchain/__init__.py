"""LangChain adapters for the Parallel API: a retriever, agent tools, a structured-output runnable.

Install with ``pip install "parallel-integrations[langchain]"``::

    from parallel_integrations.langchain import ParallelSearchRetriever, ParallelToolkit, ParallelTaskRunnable

Every object builds its client once, from ``api_key`` (else ``PARALLEL_API_KEY``) and ``base_url`` (else
``PARALLEL_BASE_URL``), or takes an injected ``client=`` / ``async_client=``. Documents follow the metadata table
of :mod:`parallel_integrations.documents`.
"""

from __future__ import annotations

try:
    import langchain_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'parallel_integrations.langchain needs LangChain: pip install "parallel-integrations[langchain]"'
    ) from exc

from ._convert import basis_documents, search_documents
from .retrievers import ParallelSearchRetriever
from .runnables import ParallelTaskRunnable
from .toolkits import ParallelToolkit
from .tools import ParallelSearchTool, ParallelTaskResultTool, ParallelTaskStartTool, ParallelTaskTool

__all__ = [
    "ParallelSearchRetriever",
    "ParallelSearchTool",
    "ParallelTaskResultTool",
    "ParallelTaskRunnable",
    "ParallelTaskStartTool",
    "ParallelTaskTool",
    "ParallelToolkit",
    "basis_documents",
    "search_documents",
]
