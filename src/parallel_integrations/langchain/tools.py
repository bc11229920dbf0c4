"""Agent tools: ``parallel_search`` (web search), ``parallel_task`` (a research task with cited answer), and the
non-blocking pair ``parallel_task_start`` / ``parallel_task_result``.

The model sees only the arguments of each ``args_schema``; everything the developer fixes (processor, result count,
excerpt size, source policy, output schema, timeouts, text budget) is a constructor argument. Each tool answers
with ``response_format="content_and_artifact"``: compact text with numbered, URL-bearing sources for the model,
and the typed response as the artifact. API errors reach the model as a readable ``ToolException`` message
(``handle_tool_error=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import ArgsSchema, BaseTool, ToolException
from pydantic import BaseModel, Field

from parallel_integrations import ParallelError, SearchResponse
from parallel_integrations.documents import DEFAULT_CHAR_BUDGET, render_search

from ._search import SearchSettings

__all__ = ["ParallelSearchInput", "ParallelSearchTool", "tool_error"]


def tool_error(exc: ParallelError) -> ToolException:
    """An API or input error as the message a model reads (the error's own text never holds the key)."""
    return ToolException(f"Parallel API error ({type(exc).__name__}): {exc}")


class ParallelSearchInput(BaseModel):
    """What a model gives ``parallel_search``."""

    objective: str = Field(
        description=(
            "What you need to find out, as a natural-language goal: the question to answer or the facts needed, "
            "with any context that narrows it (time period, place, kind of source to prefer). At most 5,000 "
            "characters."
        )
    )
    search_queries: list[str] | None = Field(
        default=None,
        description=(
            "Optional: up to 5 short keyword queries (a few words each, at most 200 characters) that complement "
            "the objective, e.g. ['python decorators', 'functools.wraps']. Leave out to search by the objective."
        ),
    )


class ParallelSearchTool(SearchSettings, BaseTool):
    """Web search for an agent (tool name ``parallel_search``).

    The model gives an ``objective`` and optional ``search_queries``; the tool answers with numbered results (title,
    URL, excerpts) cut to ``max_chars`` characters, and the typed :class:`SearchResponse` as artifact.

    >>> tool = ParallelSearchTool(max_results=5, max_chars=4000)
    >>> tool.invoke({"objective": "When was PEP 572 accepted?"})            # the text
    >>> tool.invoke({"type": "tool_call", "id": "1", "name": "parallel_search", "args": {...}})  # a ToolMessage

    Args:
        max_results: results per search, 1 to 40 (default 5).
        max_chars: size of the text the model reads, in characters; results past it are left out with a note.
        processor, max_chars_per_result, source_policy: passed to every search.
        api_key, base_url, timeout, max_retries, client, async_client: how to reach the API.
    """

    name: str = "parallel_search"
    description: str = (
        "Search the web with Parallel. Give an objective (what you need to find out) and optionally a few keyword "
        "queries. Returns numbered sources, each with its title, URL and relevant excerpts: cite the URLs you use."
    )
    args_schema: ArgsSchema | None = ParallelSearchInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool | str | Callable[[ToolException], str] | None = True

    max_results: int = Field(default=5, ge=1, le=40, strict=True, description="Results per search (1 to 40).")
    max_chars: int = Field(
        default=DEFAULT_CHAR_BUDGET, ge=200, strict=True, description="Length of the text the model reads."
    )

    def _run(
        self,
        objective: str,
        search_queries: list[str] | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, SearchResponse]:
        try:
            response = self._search(objective, search_queries, self.max_results)
        except ParallelError as exc:
            raise tool_error(exc) from exc
        return render_search(response, max_chars=self.max_chars), response

    async def _arun(
        self,
        objective: str,
        search_queries: list[str] | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, SearchResponse]:
        try:
            response = await self._asearch(objective, search_queries, self.max_results)
        except ParallelError as exc:
            raise tool_error(exc) from exc
        return render_search(response, max_chars=self.max_chars), response
