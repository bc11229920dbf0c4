"""Parallel search as a LlamaIndex retriever, for any query engine or agent with your own LLM:

>>> retriever = ParallelSearchRetriever(max_results=5)
>>> engine = RetrieverQueryEngine.from_args(retriever, llm=my_llm)
>>> print(engine.query("how do Python decorators work"))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.callbacks.base import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle

from parallel_integrations import AsyncParallelClient, ParallelClient, SourcePolicy

from ._clients import Clients, Closable, SearchCall
from ._convert import search_result_nodes

__all__ = ["ParallelSearchRetriever"]

F = TypeVar("F", bound=Callable[..., Any])


def _signature_stored(method: F) -> F:
    # LlamaIndex wraps ``_retrieve`` and ``_aretrieve`` in a span that reads the method's signature on every call
    # (about 10 µs); a stored ``__signature__`` is read at once, and is the same signature.
    method.__signature__ = inspect.signature(method)  # type: ignore[attr-defined]
    return method


class ParallelSearchRetriever(Closable, BaseRetriever):
    """Each query is a Parallel search (the query text as the objective); each result is a ``NodeWithScore``
    whose text is the excerpts, metadata as for :class:`ParallelSearchReader`, and score ``1 / rank`` (1.0, 0.5,
    0.33, ...: only the order is meaningful, the API gives no relevance figure).

    Args:
        max_results: results per query, 1 to 40 (default 10).
        processor: ``"base"`` (fast) or ``"pro"`` (thorough); the API's default when ``None``.
        max_chars_per_result: the excerpt budget of each result (at least 100).
        source_policy: ``{"include_domains": [...], "exclude_domains": [...]}``.
        api_key, base_url, client, async_client: as for :class:`ParallelSearchReader`.
        callback_manager, verbose: as for any LlamaIndex retriever.

    ``close()`` / ``await aclose()`` (or ``with`` / ``async with``) close the clients the retriever built.
    """

    def __init__(
        self,
        *,
        max_results: int | None = 10,
        processor: str | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        api_key: str | None = None,
        base_url: str | None = None,
        client: ParallelClient | None = None,
        async_client: AsyncParallelClient | None = None,
        callback_manager: CallbackManager | None = None,
        verbose: bool = False,
    ) -> None:
        self._settings = SearchCall.checked(
            processor=processor,
            max_results=max_results,
            max_chars_per_result=max_chars_per_result,
            source_policy=source_policy,
        )
        self._clients = Clients.resolve(api_key=api_key, base_url=base_url, client=client, async_client=async_client)
        super().__init__(callback_manager=callback_manager, verbose=verbose)

    def __repr__(self) -> str:
        s = self._settings
        return (
            f"{type(self).__name__}(max_results={s.max_results!r}, processor={s.processor!r}, "
            f"base_url={self._clients.base_url!r})"
        )

    def _call(self, query_bundle: QueryBundle) -> SearchCall:
        return replace(self._settings, objective=query_bundle.query_str)

    @_signature_stored
    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        call = self._call(query_bundle)
        return search_result_nodes(self._clients.search(call), call.query)

    @_signature_stored
    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        call = self._call(query_bundle)
        return search_result_nodes(await self._clients.asearch(call), call.query)
