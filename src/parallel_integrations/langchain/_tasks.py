"""Task settings shared by the task tools, the toolkit and the runnable, and the one place a run is started,
awaited and announced.

A run is announced with LangChain custom events (visible as ``on_custom_event`` in ``astream_events``):
``parallel_task_start`` once the run exists (``run_id``, ``processor``, ``status``) and ``parallel_task_end`` when
waiting ends (``run_id``, ``status``, and ``error`` when it did not complete), even when the answer is immediate.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from langchain_core.callbacks import adispatch_custom_event, dispatch_custom_event
from langchain_core.runnables.config import ensure_config, run_in_executor
from pydantic import BaseModel, Field, PrivateAttr

from parallel_integrations import (
    ParallelError,
    TaskRun,
    TaskRunFailedError,
    TaskRunResult,
    TaskRunTimeoutError,
    TaskSpec,
    output_task_spec,
    parse_result,
)

from ._clients import ClientSettings

__all__ = ["END_EVENT", "START_EVENT", "OutputSpec", "TaskSettings", "end_data", "is_model_class", "start_data"]

OutputSpec: TypeAlias = type[BaseModel] | dict[str, Any] | str | None
"""What ``output=`` takes: a pydantic class, a JSON schema (bare, or ``{"type": "json", "json_schema": ...}``), a
text description (or ``{"type": "text", "description": ...}``), or ``None`` (or ``{"type": "auto"}``) for the API's
automatic output."""


def is_model_class(output: Any) -> bool:
    """Whether ``output`` is a pydantic class (then answers are parsed into instances)."""
    return isinstance(output, type) and issubclass(output, BaseModel)


START_EVENT = "parallel_task_start"
END_EVENT = "parallel_task_end"


def start_data(run: TaskRun) -> dict[str, Any]:
    """The payload of ``parallel_task_start``."""
    return {"run_id": run.run_id, "processor": run.processor or None, "status": run.status}


def end_data(run_id: str, result: TaskRunResult | None = None, error: BaseException | None = None) -> dict[str, Any]:
    """The payload of ``parallel_task_end``: the final status, or why waiting stopped."""
    if result is not None:
        return {"run_id": run_id, "status": result.run.status}
    status: str
    if isinstance(error, TaskRunFailedError):
        status = error.run.status
    elif isinstance(error, TaskRunTimeoutError):
        status = "still_running"
    else:
        status = "error"
    return {"run_id": run_id, "status": status, "error": f"{type(error).__name__}: {error}"}


def _inside_a_run() -> bool:
    # dispatch_custom_event needs a parent run; a bare call of _run (no invoke) has none.
    return ensure_config().get("callbacks") is not None


def emit(name: str, data: dict[str, Any]) -> None:
    """Dispatch a custom event to the current run's handlers."""
    if _inside_a_run():
        dispatch_custom_event(name, data)


async def aemit(name: str, data: dict[str, Any]) -> None:
    """Dispatch a custom event to the current run's handlers (async handlers awaited)."""
    if _inside_a_run():
        await adispatch_custom_event(name, data)


class TaskSettings(ClientSettings):
    """What the developer fixes about every task run (never shown to a model)."""

    processor: str = Field(
        default="base", strict=True, description='The task processor: "lite", "base", "core", "pro", "ultra"...'
    )
    output: OutputSpec = Field(
        default=None,
        description="The answer's shape: a pydantic class, a JSON schema, a text description, or None (automatic).",
    )
    run_timeout: float | None = Field(
        default=None,
        gt=0,
        strict=True,
        description="Seconds to wait for a run's answer (None: as long as the run is active).",
    )

    _spec: TaskSpec | None = PrivateAttr(default=None)

    def model_post_init(self, context: Any, /) -> None:
        """Compile the output schema once, so that a schema the API cannot take fails here, not at the first call."""
        super().model_post_init(context)
        self._spec = output_task_spec(self.output)

    # one run, announced ------------------------------------------------------------------------------------

    def _create(self, input: str | dict[str, Any]) -> TaskRun:
        return self.sync_client().task_runs.create(input, self.processor, task_spec=self._spec)

    def _start(self, input: str | dict[str, Any]) -> TaskRun:
        run = self._create(input)
        emit(START_EVENT, start_data(run))
        return run

    def _finish(self, run_id: str, timeout: float | None) -> TaskRunResult:
        try:
            result = self.sync_client().task_runs.result(run_id, timeout=timeout)
        except ParallelError as exc:
            emit(END_EVENT, end_data(run_id, error=exc))
            raise
        emit(END_EVENT, end_data(run_id, result))
        return parse_result(result, self.output)

    def _run_task(self, input: str | dict[str, Any]) -> TaskRunResult:
        return self._finish(self._start(input).run_id, self.run_timeout)

    async def _acreate(self, input: str | dict[str, Any]) -> TaskRun:
        client = self.async_client_or_none()
        if client is None:
            return await run_in_executor(None, self._create, input)
        return await client.task_runs.create(input, self.processor, task_spec=self._spec)

    async def _astart(self, input: str | dict[str, Any]) -> TaskRun:
        run = await self._acreate(input)
        await aemit(START_EVENT, start_data(run))
        return run

    async def _afinish(self, run_id: str, timeout: float | None) -> TaskRunResult:
        client = self.async_client_or_none()
        if client is None:
            return await run_in_executor(None, self._finish, run_id, timeout)
        try:
            result = await client.task_runs.result(run_id, timeout=timeout)
        except ParallelError as exc:
            await aemit(END_EVENT, end_data(run_id, error=exc))
            raise
        await aemit(END_EVENT, end_data(run_id, result))
        return parse_result(result, self.output)

    async def _arun_task(self, input: str | dict[str, Any]) -> TaskRunResult:
        return await self._afinish((await self._astart(input)).run_id, self.run_timeout)
