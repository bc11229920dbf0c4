"""``client.task_runs``, sync and async: creating a run, reading it back, waiting for its result, ``execute``
(create, wait and parse into the caller's class) and a run's event stream. Each method validates its arguments,
builds the flow (``_run_flows.py``; the event stream is the core's) and hands it to its driver."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from . import _validate
from ._core import build_model
from ._errors import ParallelValidationError, note_interruption
from ._models import (
    GroupEvent,
    McpServer,
    ParsedTaskRunResult,
    SourcePolicy,
    TaskRun,
    TaskRunInput,
    TaskRunResult,
    TaskSpec,
    Webhook,
)
from ._parse import parse_result
from ._resources import AsyncEventStream, AsyncResource, EventStream, SyncResource
from ._run_flows import create_run, retrieve_input, retrieve_run, run_input, wait_result

__all__ = ["AsyncTaskRuns", "TaskRuns"]

M = TypeVar("M", bound=BaseModel)


def interrupted_note(run_id: str) -> str:
    """What a Ctrl-C during ``execute`` says: the run goes on, and how to pick it up again."""
    return (
        f"task run {run_id} was created and goes on on the server; "
        f'collect its result with client.task_runs.result("{run_id}")'
    )


def _run_input(**fields: Any) -> TaskRunInput:
    return run_input(fields)


def _execute_spec(output: Any, input_schema: Any, task_spec: TaskSpec | Mapping[str, Any] | None) -> TaskSpec | None:
    if task_spec is not None:
        if output is not None or input_schema is not None:
            raise ParallelValidationError(
                "task_spec", "give output/input_schema or task_spec, not both (they become the task_spec)"
            )
        return build_model(TaskSpec, task_spec, "task_spec")
    from ._schema import task_spec_for

    return task_spec_for(output, input_schema, output_field="output")


class TaskRuns(SyncResource):
    """Task runs: one input in, schema-shaped output with per-field basis out."""

    def create(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        task_spec: TaskSpec | Mapping[str, Any] | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        enable_events: bool | None = None,
        mcp_servers: Sequence[McpServer | Mapping[str, Any]] | None = None,
        webhook: Webhook | Mapping[str, Any] | None = None,
        previous_interaction_id: str | None = None,
        betas: Sequence[str] | None = None,
    ) -> TaskRun:
        """Start a run (``POST /v1/tasks/runs``) and return it queued; collect it with :meth:`result`.

        ``processor`` is ``lite``, ``base``, ``core``, ``core2x``, ``pro``, ``ultra``... (``-fast`` variants too).
        Beta features (``mcp_servers``, ``enable_events``, ``webhook``) add their ``parallel-beta`` value
        themselves; ``betas`` adds others. If the request fails after it may have reached the server it is not
        re-sent: :class:`RunCreationUncertainError` carries what was sent.
        """
        _validate.betas(betas)
        run = _run_input(
            input=input,
            processor=processor,
            task_spec=task_spec,
            metadata=metadata,
            source_policy=source_policy,
            enable_events=enable_events,
            mcp_servers=mcp_servers,
            webhook=webhook,
            previous_interaction_id=previous_interaction_id,
        )
        return self._driver.run(create_run(self._core, run, betas))

    def retrieve(self, run_id: str) -> TaskRun:
        """The run's current state (does not wait)."""
        _validate.path_id(run_id, "run_id")
        return self._driver.run(retrieve_run(self._core, run_id))

    def retrieve_input(self, run_id: str) -> TaskRunInput:
        """The input the run was created with, task spec included."""
        _validate.path_id(run_id, "run_id")
        return self._driver.run(retrieve_input(self._core, run_id))

    def result(self, run_id: str, *, timeout: float | None = None, betas: Sequence[str] | None = None) -> TaskRunResult:
        """Wait for the run to finish and return its output with basis.

        Waiting is a server-side long poll, re-issued until ``timeout`` seconds have passed (``None``: as long as
        the run is active). Raises :class:`TaskRunFailedError` if the run failed, :class:`TaskRunTimeoutError`
        if the deadline passed first (the run goes on; call again later), :class:`NotFoundError` for an unknown id.
        """
        _validate.result(run_id, timeout, betas)
        return self._driver.run(wait_result(self._core, run_id, timeout, betas))

    @overload
    def execute(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        output: type[M],
        input_schema: Any = None,
        task_spec: None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        timeout: float | None = None,
        betas: Sequence[str] | None = None,
    ) -> ParsedTaskRunResult[M]: ...
    @overload
    def execute(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        output: Any = None,
        input_schema: Any = None,
        task_spec: TaskSpec | Mapping[str, Any] | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        timeout: float | None = None,
        betas: Sequence[str] | None = None,
    ) -> ParsedTaskRunResult[None]: ...
    def execute(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        output: Any = None,
        input_schema: Any = None,
        task_spec: TaskSpec | Mapping[str, Any] | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        timeout: float | None = None,
        betas: Sequence[str] | None = None,
    ) -> ParsedTaskRunResult[Any]:
        """Create a run and wait for its result (``timeout`` seconds at most; ``None``: no deadline).

        ``output`` is a pydantic class (then ``result.output.parsed``, or its shortcut ``result.parsed``, is an
        instance of it, as in the official SDK), a JSON schema (bare, or in the API's ``{"type": "json",
        "json_schema": ...}`` form), or a text description (then ``parsed`` is ``None``). ``input_schema`` describes
        a structured ``input`` the same way (``input`` may then be an instance of that class). Raises what
        :meth:`create` and :meth:`result` raise, and :class:`OutputValidationError` when the answer does not
        fit the class.
        """
        _validate.execute(output, input_schema, task_spec, timeout, betas)
        run = _run_input(
            input=input,
            processor=processor,
            task_spec=_execute_spec(output, input_schema, task_spec),
            metadata=metadata,
            source_policy=source_policy,
        )
        created = self._driver.run(create_run(self._core, run, betas))
        try:
            return parse_result(self.result(created.run_id, timeout=timeout, betas=betas), output)
        except BaseException as interrupt:
            note_interruption(interrupt, interrupted_note(created.run_id))
            raise

    def stream_events(self, run_id: str) -> EventStream[GroupEvent]:
        """Progress of a run created with ``enable_events=True``: state, progress messages and source stats,
        ending with the final state (with its output when completed). Not resumable."""
        _validate.path_id(run_id, "run_id")
        return EventStream(self._driver.iterate(self._core.run_events(run_id)))


class AsyncTaskRuns(AsyncResource):
    """Task runs, awaited. See :class:`TaskRuns` for each method."""

    async def create(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        task_spec: TaskSpec | Mapping[str, Any] | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        enable_events: bool | None = None,
        mcp_servers: Sequence[McpServer | Mapping[str, Any]] | None = None,
        webhook: Webhook | Mapping[str, Any] | None = None,
        previous_interaction_id: str | None = None,
        betas: Sequence[str] | None = None,
    ) -> TaskRun:
        """Start a run and return it queued. See :meth:`TaskRuns.create`."""
        _validate.betas(betas)
        run = _run_input(
            input=input,
            processor=processor,
            task_spec=task_spec,
            metadata=metadata,
            source_policy=source_policy,
            enable_events=enable_events,
            mcp_servers=mcp_servers,
            webhook=webhook,
            previous_interaction_id=previous_interaction_id,
        )
        return await self._driver.run(create_run(self._core, run, betas))

    async def retrieve(self, run_id: str) -> TaskRun:
        """The run's current state (does not wait)."""
        _validate.path_id(run_id, "run_id")
        return await self._driver.run(retrieve_run(self._core, run_id))

    async def retrieve_input(self, run_id: str) -> TaskRunInput:
        """The input the run was created with, task spec included."""
        _validate.path_id(run_id, "run_id")
        return await self._driver.run(retrieve_input(self._core, run_id))

    async def result(
        self, run_id: str, *, timeout: float | None = None, betas: Sequence[str] | None = None
    ) -> TaskRunResult:
        """Wait for the run to finish and return its output. See :meth:`TaskRuns.result`."""
        _validate.result(run_id, timeout, betas)
        return await self._driver.run(wait_result(self._core, run_id, timeout, betas))

    @overload
    async def execute(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        output: type[M],
        input_schema: Any = None,
        task_spec: None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        timeout: float | None = None,
        betas: Sequence[str] | None = None,
    ) -> ParsedTaskRunResult[M]: ...
    @overload
    async def execute(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        output: Any = None,
        input_schema: Any = None,
        task_spec: TaskSpec | Mapping[str, Any] | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        timeout: float | None = None,
        betas: Sequence[str] | None = None,
    ) -> ParsedTaskRunResult[None]: ...
    async def execute(
        self,
        input: str | Mapping[str, Any] | BaseModel,
        processor: str,
        *,
        output: Any = None,
        input_schema: Any = None,
        task_spec: TaskSpec | Mapping[str, Any] | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
        timeout: float | None = None,
        betas: Sequence[str] | None = None,
    ) -> ParsedTaskRunResult[Any]:
        """Create a run and wait for its result. See :meth:`TaskRuns.execute`."""
        _validate.execute(output, input_schema, task_spec, timeout, betas)
        run = _run_input(
            input=input,
            processor=processor,
            task_spec=_execute_spec(output, input_schema, task_spec),
            metadata=metadata,
            source_policy=source_policy,
        )
        created = await self._driver.run(create_run(self._core, run, betas))
        try:
            return parse_result(await self.result(created.run_id, timeout=timeout, betas=betas), output)
        except BaseException as interrupt:
            note_interruption(interrupt, interrupted_note(created.run_id))
            raise

    def stream_events(self, run_id: str) -> AsyncEventStream[GroupEvent]:
        """Progress events of a run created with ``enable_events=True``. See :meth:`TaskRuns.stream_events`."""
        _validate.path_id(run_id, "run_id")
        return AsyncEventStream(self._driver.iterate(self._core.run_events(run_id)))
