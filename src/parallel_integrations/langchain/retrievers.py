"""``ParallelSearchRetriever``: Parallel web search as a LangChain retriever, one ``Document`` per result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForRetrieverRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from parallel_integrations import ParallelValidationError

from ._convert import search_documents
from ._search import SearchSettings

__all__ = ["ParallelSearchRetriever"]

MAX_RESULTS = 40


class ParallelSearchRetriever(SearchSettings, BaseRetriever):
    """Parallel web search as a retriever: the query goes in, the top ``k`` results come back as ``Document``
    objects (excerpts as text, the URL as id; metadata ``source``, ``url``, ``title``, ``publish_date``, ``rank``,
    ``search_id``, ``query``).

    >>> retriever = ParallelSearchRetriever(k=5)               # key from PARALLEL_API_KEY
    >>> docs = retriever.invoke("how do Python decorators work")
    >>> docs = retriever.invoke("python asyncio tutorial", k=3)  # k per call

    Args:
        k: results per query, 1 to 40 (per call: ``invoke(query, k=3)``).
        query_as: how the query is sent: ``"objective"`` (a natural-language goal, the default),
            ``"search_queries"`` (one keyword query), or ``"both"``.
        processor, max_chars_per_result, source_policy: passed to every search (see ``ParallelClient.search``).
        api_key, base_url, timeout, max_retries, client, async_client: how to reach the API.

    ``close()`` / ``await aclose()`` (or ``with`` / ``async with``) close the clients the retriever built.
    """

    k: int = Field(default=5, ge=1, le=MAX_RESULTS, strict=True, description="Results per query (1 to 40).")
    query_as: Literal["objective", "search_queries", "both"] = Field(
        default="objective", description="Send the query as the objective, as a keyword query, or as both."
    )

    def _request(self, query: str, options: dict[str, Any]) -> tuple[str | None, list[str] | None, int]:
        unknown = sorted(set(options) - {"k"})
        if unknown:
            raise ParallelValidationError(unknown[0], "not an option of this retriever (per call: k)")
        k = options.get("k", self.k)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_RESULTS:
            raise ParallelValidationError("k", f"an integer from 1 to {MAX_RESULTS} (got {k!r})", limit=MAX_RESULTS)
        if not isinstance(query, str) or not query.strip():
            shown = type(query).__name__ if not isinstance(query, str) else "an empty string"
            raise ParallelValidationError("query", f"a non-empty string (got {shown})")
        objective = query if self.query_as != "search_queries" else None
        queries = [query] if self.query_as != "objective" else None
        return objective, queries, k

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        objective, queries, k = self._request(query, kwargs)
        return _top(search_documents(self._search(objective, queries, k), query), k)

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        objective, queries, k = self._request(query, kwargs)
        return _top(search_documents(await self._asearch(objective, queries, k), query), k)


def _top(documents: Sequence[Document], k: int) -> list[Document]:
    # The API returns at most max_results; the cut guards the promise of "exactly k" against an answer with more.
    return list(documents[:k])
