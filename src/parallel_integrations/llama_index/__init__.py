"""Parallel for LlamaIndex: search results and task citations as ``Document``s, search as a retriever, a task
run as a query engine whose answer carries its citations, and agent tools.

>>> from parallel_integrations.llama_index import ParallelSearchReader, ParallelSearchRetriever
>>> documents = ParallelSearchReader().load_data("how do Python decorators work")

Needs the ``llama-index`` extra (llama-index-core 0.14): ``pip install "parallel-integrations[llama-index]"``.
Every class takes ``api_key``/``base_url`` (else ``PARALLEL_API_KEY``/``PARALLEL_BASE_URL``) or ready clients
(``client=``, ``async_client=``), built once per object and used by sync and async calls alike. ``close()``,
``await aclose()``, ``with`` and ``async with`` close the clients an object built (never given ones); a closed
object refuses calls.
"""

from __future__ import annotations

try:
    import llama_index.core.schema  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        'parallel_integrations.llama_index needs llama-index-core: pip install "parallel-integrations[llama-index]"'
    ) from exc

from .query_engine import ParallelQueryEngine
from .readers import ParallelSearchReader, ParallelTaskReader
from .retrievers import ParallelSearchRetriever
from .tools import ParallelToolSpec

__all__ = [
    "ParallelQueryEngine",
    "ParallelSearchReader",
    "ParallelSearchRetriever",
    "ParallelTaskReader",
    "ParallelToolSpec",
]
