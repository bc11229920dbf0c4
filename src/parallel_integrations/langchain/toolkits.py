"""``ParallelToolkit``: the Parallel tools for an agent in one line, sharing one pair of clients."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import Field, PrivateAttr

from parallel_integrations import SourcePolicy
from parallel_integrations.documents import DEFAULT_CHAR_BUDGET

from ._clients import ClientSettings
from ._tasks import OutputSpec
from .tools import ParallelSearchTool, ParallelTaskResultTool, ParallelTaskStartTool, ParallelTaskTool

__all__ = ["ParallelToolkit"]


class ParallelToolkit(ClientSettings, BaseToolkit):
    """The Parallel tools for an agent: ``parallel_search``, plus ``parallel_task`` (waits for the answer) or the
    non-blocking pair ``parallel_task_start`` / ``parallel_task_result``, or both, by ``task_mode``.

    >>> tools = ParallelToolkit(processor="base", output=Answer).get_tools()
    >>> agent = create_agent(model, tools)

    The tools share this toolkit's clients (one connection pool) and its settings. The toolkit owns those clients:
    closing it (``close()``, ``aclose()``, ``with``, ``async with``) closes them and its tools; closing one of its
    tools only stops that tool.

    Args:
        task_mode: ``"wait"`` (``parallel_task``), ``"start_and_fetch"`` (the pair) or ``"both"``.
        processor, output, run_timeout: for task runs (see :class:`ParallelTaskTool`).
        result_wait: seconds ``parallel_task_result`` waits before saying the run is still going.
        search_processor, max_results, max_chars_per_result, source_policy: for searches.
        max_chars: size of each tool's text for the model.
        api_key, base_url, timeout, max_retries, client, async_client: how to reach the API.
    """

    task_mode: Literal["wait", "start_and_fetch", "both"] = "wait"
    processor: str = Field(default="base", strict=True, description="The task processor.")
    output: OutputSpec = Field(default=None, description="The task answer's shape (pydantic class, schema, text).")
    run_timeout: float | None = Field(
        default=None, gt=0, strict=True, description="Seconds parallel_task waits for an answer."
    )
    result_wait: float = Field(default=5.0, ge=1, strict=True, description="Seconds parallel_task_result waits.")
    search_processor: str | None = Field(default=None, strict=True, description='Search processor: "base", "pro".')
    max_results: int = Field(default=5, ge=1, le=40, strict=True, description="Results per search.")
    max_chars_per_result: int | None = Field(default=None, ge=100, strict=True, description="Excerpt budget.")
    source_policy: SourcePolicy | None = Field(default=None, description="Domains to include or exclude in searches.")
    max_chars: int = Field(default=DEFAULT_CHAR_BUDGET, ge=200, strict=True, description="Text budget per answer.")

    _tools: list[BaseTool] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        """Build the tools once, on this toolkit's clients."""
        super().model_post_init(context)
        shared: dict[str, Any] = {
            "client": self._sync,
            "async_client": self._async,
            "base_url": self.base_url,
            "max_chars": self.max_chars,
        }
        task: dict[str, Any] = {
            **shared,
            "processor": self.processor,
            "output": self.output,
            "run_timeout": self.run_timeout,
        }
        tools: list[BaseTool] = [
            ParallelSearchTool(
                **shared,
                processor=self.search_processor,
                max_results=self.max_results,
                max_chars_per_result=self.max_chars_per_result,
                source_policy=self.source_policy,
            )
        ]
        if self.task_mode in ("wait", "both"):
            tools.append(ParallelTaskTool(**task))
        if self.task_mode in ("start_and_fetch", "both"):
            tools.append(ParallelTaskStartTool(**task))
            tools.append(ParallelTaskResultTool(**task, wait=self.result_wait))
        self._tools = tools

    def close(self) -> None:
        """Close this toolkit's tools, then the clients it built (see :meth:`ClientSettings.close`)."""
        for tool in self._tools:
            if isinstance(tool, ClientSettings):
                tool.close()
        super().close()

    async def aclose(self) -> None:
        """Close this toolkit's tools, then the clients it built, async ones included."""
        for tool in self._tools:
            if isinstance(tool, ClientSettings):
                await tool.aclose()
        await super().aclose()

    def get_tools(self) -> list[BaseTool]:
        """The tools, ready for an agent (the same instances on every call)."""
        return list(self._tools)
