"""LangChain adapters for the Parallel API: a retriever, agent tools, a structured-output runnable.

Install with ``pip install "parallel-integrations[langchain]"``::

    from parallel_integrations.langchain import ParallelSearchRetriever, ParallelToolkit, ParallelTaskRunnable

Every object builds its client once, from ``api_key`` (else ``PARALLEL_API_KEY``) and ``base_url`` (else
``PARALLEL_BASE_URL``), or takes an injected ``client=`` / ``async_client=``. ``close()``, ``await aclose()``,
``with`` and ``async with`` close the clients an object built (never injected ones); a closed object refuses calls.
Documents follow the metadata table of :mod:`parallel_integrations.documents`.

Each name is imported from its module when first asked for (as ``langchain_core`` does), so a program that uses
the search tool does not build the classes of the retriever, the runnable and the toolkit.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

try:
    import langchain_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'parallel_integrations.langchain needs LangChain: pip install "parallel-integrations[langchain]"'
    ) from exc

if TYPE_CHECKING:
    from ._convert import basis_documents, search_documents
    from .retrievers import ParallelSearchRetriever
    from .runnables import ParallelTaskRunnable
    from .toolkits import ParallelToolkit
    from .tools import ParallelSearchTool, ParallelTaskResultTool, ParallelTaskStartTool, ParallelTaskTool

_MODULE_OF = {
    "ParallelSearchRetriever": "retrievers",
    "ParallelSearchTool": "tools",
    "ParallelTaskResultTool": "tools",
    "ParallelTaskRunnable": "runnables",
    "ParallelTaskStartTool": "tools",
    "ParallelTaskTool": "tools",
    "ParallelToolkit": "toolkits",
    "basis_documents": "_convert",
    "search_documents": "_convert",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use, then keep it here (later look-ups are plain)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
