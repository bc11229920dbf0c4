"""Search settings shared by the retriever and the search tool, and the one place they call ``search``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.runnables.config import run_in_executor
from pydantic import Field

from parallel_integrations import SearchResponse, SourcePolicy

from ._clients import ClientSettings

__all__ = ["SearchSettings"]


class SearchSettings(ClientSettings):
    """What the developer fixes about every search (never shown to a model)."""

    processor: str | None = Field(
        default=None, strict=True, description='"base" (fast) or "pro" (thorough); the API\'s default when None.'
    )
    max_chars_per_result: int | None = Field(
        default=None, ge=100, strict=True, description="Excerpt budget of each result, in characters."
    )
    source_policy: SourcePolicy | None = Field(
        default=None, description='Domains to include or exclude: {"include_domains": [...], "exclude_domains": [...]}.'
    )

    def _fixed(self, max_results: int) -> dict[str, Any]:
        return {
            "processor": self.processor,
            "max_results": max_results,
            "max_chars_per_result": self.max_chars_per_result,
            "source_policy": self.source_policy,
        }

    def _search(self, objective: str | None, queries: Sequence[str] | None, max_results: int) -> SearchResponse:
        return self.sync_client().search(objective, search_queries=queries, **self._fixed(max_results))

    async def _asearch(self, objective: str | None, queries: Sequence[str] | None, max_results: int) -> SearchResponse:
        client = self.async_client_or_none()
        if client is None:
            return await run_in_executor(None, self._search, objective, queries, max_results)
        return await client.search(objective, search_queries=queries, **self._fixed(max_results))
