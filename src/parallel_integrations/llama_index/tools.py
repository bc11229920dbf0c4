"""Parallel as agent tools: ``search`` (fast web search) and ``run_task`` (a cited research answer), each with a
sync and an async implementation.

>>> tools = ParallelToolSpec(max_results=5, task_processor="base").to_tool_list()
>>> agent = FunctionAgent(tools=tools, llm=my_llm)

The model sees compact text: numbered sources with their URLs (``[1] title`` / ``URL: ...`` / excerpts), within
``max_chars`` characters. Settings a developer fixes (processors, result counts, domains, output schema) are
constructor arguments the model never sees. A failure comes back as text starting with ``Error:`` and naming
the error type, so the agent can react instead of crashing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from llama_index.core.tools.tool_spec.base import BaseToolSpec

from parallel_integrations import AsyncParallelClient, ParallelClient, ParallelError, SourcePolicy
from parallel_integrations.documents import DEFAULT_CHAR_BUDGET, render_search, render_task_result

from . import _checks
from ._clients import Clients, Closable, SearchCall, TaskCall

__all__ = ["ParallelToolSpec"]


def _error_text(exc: ParallelError) -> str:
    # The client's errors never hold the key; the model gets the type and message to decide what to do next.
    return f"Error: {type(exc).__name__}: {exc}"


class ParallelToolSpec(Closable, BaseToolSpec):
    """Two tools for an agent: ``search`` and ``run_task`` (``spec_functions`` pairs each with its async twin).

    Args:
        max_results: results per search, 1 to 40 (default 5).
        search_processor: ``"base"`` or ``"pro"``; the API's default when ``None``.
        max_chars_per_result: the excerpt budget of each search result (at least 100).
        source_policy: ``{"include_domains": [...], "exclude_domains": [...]}`` for searches.
        task_processor: the processor ``run_task`` uses (default ``"base"``).
        task_output: a pydantic class, a JSON schema or a text description of ``run_task``'s answer; ``None``
            lets the processor choose.
        task_timeout: seconds ``run_task`` waits for its run (``None``: as long as it takes); a run that takes
            longer is reported to the model as an ``Error: TaskRunTimeoutError`` naming the run.
        max_chars: the size of each tool's text for the model, in characters (default 6,000).
        api_key, base_url, client, async_client: as for :class:`ParallelSearchReader`.

    ``close()`` / ``await aclose()`` (or ``with`` / ``async with``) close the clients the spec built; its tools then
    answer with an ``Error:`` text.
    """

    spec_functions = [("search", "asearch"), ("run_task", "arun_task")]  # noqa: RUF012 (BaseToolSpec's shape)

    def __init__(
        self,
        *,
        max_results: int | None = 5,
        search_processor: str | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        task_processor: str = "base",
        task_output: Any = None,
        task_timeout: float | None = None,
        max_chars: int = DEFAULT_CHAR_BUDGET,
        api_key: str | None = None,
        base_url: str | None = None,
        client: ParallelClient | None = None,
        async_client: AsyncParallelClient | None = None,
    ) -> None:
        self._search = SearchCall.checked(
            processor=search_processor,
            max_results=max_results,
            max_chars_per_result=max_chars_per_result,
            source_policy=source_policy,
        )
        self._task = TaskCall(
            input="",
            processor=_checks.required_text("task_processor", task_processor),
            output=_checks.task_output("task_output", task_output),
            timeout=_checks.optional_seconds("task_timeout", task_timeout),
        )
        self._max_chars = _checks.positive_int("max_chars", max_chars)
        self._clients = Clients.resolve(api_key=api_key, base_url=base_url, client=client, async_client=async_client)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_results={self._search.max_results!r}, "
            f"task_processor={self._task.processor!r}, base_url={self._clients.base_url!r})"
        )

    def _search_call(self, objective: object, search_queries: object) -> SearchCall:
        checked = SearchCall.checked(objective, search_queries)
        return replace(self._search, objective=checked.objective, search_queries=checked.search_queries)

    def _guarded(self, work: Callable[[], str]) -> str:
        try:
            return work()
        except ParallelError as exc:
            return _error_text(exc)

    async def _aguarded(self, work: Callable[[], Awaitable[str]]) -> str:
        try:
            return await work()
        except ParallelError as exc:
            return _error_text(exc)

    def search(self, objective: str, search_queries: list[str] | None = None) -> str:
        """Search the web. Fast (seconds). Returns numbered sources, each with its title, URL and excerpts; cite
        them by number and URL.

        Args:
            objective (str): what you want to find out, in one or two sentences.
            search_queries (list[str] | None): optional keyword queries (up to 5) that should match the pages.
        """

        def work() -> str:
            call = self._search_call(objective, search_queries)
            return render_search(self._clients.search(call), max_chars=self._max_chars)

        return self._guarded(work)

    async def asearch(self, objective: str, search_queries: list[str] | None = None) -> str:
        """Async :meth:`search`, same arguments and text."""

        async def work() -> str:
            call = self._search_call(objective, search_queries)
            return render_search(await self._clients.asearch(call), max_chars=self._max_chars)

        return await self._aguarded(work)

    def run_task(self, input: str) -> str:
        """Research a question in depth on the web and return an answer with numbered, cited sources (URL and
        confidence per field). Slower than search (up to minutes): use it for questions search cannot settle.

        Args:
            input (str): the question or research task, with any context it needs.
        """

        def work() -> str:
            call = replace(self._task, input=_checks.task_input("input", input))
            return render_task_result(self._clients.execute(call), max_chars=self._max_chars)

        return self._guarded(work)

    async def arun_task(self, input: str) -> str:
        """Async :meth:`run_task`, same argument and text."""

        async def work() -> str:
            call = replace(self._task, input=_checks.task_input("input", input))
            return render_task_result(await self._clients.aexecute(call), max_chars=self._max_chars)

        return await self._aguarded(work)
