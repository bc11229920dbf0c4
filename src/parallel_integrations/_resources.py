"""The resources: ``client.task_runs``, ``client.task_groups`` and the search behind ``client.search``, sync and
async. Each method validates its arguments into wire models, asks the core for the operation's flow, and hands it
to its driver: a resource holds a :class:`Driver` (or :class:`AsyncDriver`) and nothing else of its client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pydantic import BaseModel

from . import _validate
from ._batch_items import BatchInput, BatchItem, BatchProgress
from ._core import Core, build_model
from ._errors import ParallelValidationError, note_interruption
from ._models import (
    GroupEvent,
    McpServer,
    ParsedTaskRunResult,
    RunStatus,
    SearchResponse,
    SourcePolicy,
    TaskGroup,
    TaskGroupRunResponse,
    TaskRun,
    TaskRunInput,
    TaskRunResult,
    TaskSpec,
    Webhook,
)
from ._parse import parse_result

if TYPE_CHECKING:
    from ._contract import AsyncDriver, Driver

__all__ = [
    "AsyncEventStream",
    "AsyncResource",
    "AsyncSearch",
    "AsyncTaskGroups",
    "AsyncTaskRuns",
    "EventStream",
    "Search",
    "SyncResource",
    "TaskGroups",
    "TaskRuns",
    "describe",
]

M = TypeVar("M", bound=BaseModel)
E = TypeVar("E")


class EventStream(Generic[E]):
    """Typed events from an SSE stream. Iterate it; leaving the loop (or ``close()``, or a ``with`` block)
    closes the connection."""

    def __init__(self, events: Iterator[E]) -> None:
        self._events = events

    def __iter__(self) -> Iterator[E]:
        return self

    def __next__(self) -> E:
        return next(self._events)

    def close(self) -> None:
        """Stop reading and close the connection."""
        close = getattr(self._events, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> EventStream[E]:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncEventStream(Generic[E]):
    """Typed events from an SSE stream, for ``async for``; ``aclose()`` or ``async with`` closes the connection."""

    def __init__(self, events: AsyncIterator[E]) -> None:
        self._events = events

    def __aiter__(self) -> AsyncIterator[E]:
        return self

    async def __anext__(self) -> E:
        return await anext(self._events)

    async def aclose(self) -> None:
        """Stop reading and close the connection."""
        aclose = getattr(self._events, "aclose", None)
        if aclose is not None:
            await aclose()

    async def __aenter__(self) -> AsyncEventStream[E]:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


# --- shared argument handling ---------------------------------------------------------------------------------


def _run_input(core: Core, **fields: Any) -> TaskRunInput:
    return core.run_input(fields)


def _execute_spec(output: Any, input_schema: Any, task_spec: TaskSpec | Mapping[str, Any] | None) -> TaskSpec | None:
    if task_spec is not None:
        if output is not None or input_schema is not None:
            raise ParallelValidationError(
                "task_spec", "give output/input_schema or task_spec, not both (they become the task_spec)"
            )
        return build_model(TaskSpec, task_spec, "task_spec")
    from ._schema import output_task_spec

    return output_task_spec(output, input_schema)


def _spec(value: TaskSpec | Mapping[str, Any] | None, field: str) -> TaskSpec | None:
    return None if value is None else build_model(TaskSpec, value, field)


# --- the resource bases: a driver, and nothing else of the client ------------------------------------------


def describe(owner: object, core: Core | None) -> str:
    """``Name(base_url=..., endpoints=...)``; safe on a half-built object (no core yet)."""
    config = getattr(core, "config", None)
    if config is None:
        return f"{type(owner).__name__}(<not configured>)"
    return f"{type(owner).__name__}(base_url={config.base_url!r}, endpoints={config.endpoints!r})"


class SyncResource:
    """Base of the sync resources: performs the core's flows through a :class:`Driver`."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self._core: Core = driver.core  # a driver keeps its core for life

    def __repr__(self) -> str:
        driver = getattr(self, "_driver", None)
        return describe(self, getattr(driver, "core", None))


class AsyncResource:
    """Base of the async resources: performs the core's flows through an :class:`AsyncDriver`."""

    def __init__(self, driver: AsyncDriver) -> None:
        self._driver = driver
        self._core: Core = driver.core  # a driver keeps its core for life

    def __repr__(self) -> str:
        driver = getattr(self, "_driver", None)
        return describe(self, getattr(driver, "core", None))


def interrupted_note(run_id: str) -> str:
    """What a Ctrl-C during ``execute`` says: the run goes on, and how to pick it up again."""
    return (
        f"task run {run_id} was created and goes on on the server; "
        f'collect its result with client.task_runs.result("{run_id}")'
    )


class Search(SyncResource):
    """Web search; ``client.search(...)`` delegates here."""

    def search(
        self,
        objective: str | None = None,
        *,
        search_queries: Sequence[str] | None = None,
        processor: str | None = None,
        max_results: int | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        """Ranked URLs with excerpts, best first. See :meth:`ParallelClient.search`."""
        _validate.search(objective, search_queries, processor, max_results, max_chars_per_result, source_policy)
        return self._driver.run(
            self._core.search(
                objective=objective,
                search_queries=search_queries,
                processor=processor,
                max_results=max_results,
                max_chars_per_result=max_chars_per_result,
                source_policy=source_policy,
            )
        )


class AsyncSearch(AsyncResource):
    """Web search, awaited; ``AsyncParallelClient.search(...)`` delegates here."""

    async def search(
        self,
        objective: str | None = None,
        *,
        search_queries: Sequence[str] | None = None,
        processor: str | None = None,
        max_results: int | None = None,
        max_chars_per_result: int | None = None,
        source_policy: SourcePolicy | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        """Ranked URLs with excerpts, best first. See :meth:`ParallelClient.search`."""
        _validate.search(objective, search_queries, processor, max_results, max_chars_per_result, source_policy)
        return await self._driver.run(
            self._core.search(
                objective=objective,
                search_queries=search_queries,
                processor=processor,
                max_results=max_results,
                max_chars_per_result=max_chars_per_result,
                source_policy=source_policy,
            )
        )


# --- sync -----------------------------------------------------------------------------------------------------


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
            self._core,
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
        return self._driver.run(self._core.create_run(run, betas))

    def retrieve(self, run_id: str) -> TaskRun:
        """The run's current state (does not wait)."""
        _validate.path_id(run_id, "run_id")
        return self._driver.run(self._core.retrieve_run(run_id))

    def retrieve_input(self, run_id: str) -> TaskRunInput:
        """The input the run was created with, task spec included."""
        _validate.path_id(run_id, "run_id")
        return self._driver.run(self._core.retrieve_input(run_id))

    def result(self, run_id: str, *, timeout: float | None = None, betas: Sequence[str] | None = None) -> TaskRunResult:
        """Wait for the run to finish and return its output with basis.

        Waiting is a server-side long poll, re-issued until ``timeout`` seconds have passed (``None``: as long as
        the run is active). Raises :class:`TaskRunFailedError` if the run failed, :class:`TaskRunTimeoutError`
        if the deadline passed first (the run goes on; call again later), :class:`NotFoundError` for an unknown id.
        """
        _validate.result(run_id, timeout, betas)
        return self._driver.run(self._core.wait_result(run_id, timeout, betas))

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
            self._core,
            input=input,
            processor=processor,
            task_spec=_execute_spec(output, input_schema, task_spec),
            metadata=metadata,
            source_policy=source_policy,
        )
        created = self._driver.run(self._core.create_run(run, betas))
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


class TaskGroups(SyncResource):
    """Task groups: batches of runs, monitored and collected together."""

    def create(self, *, metadata: Mapping[str, str | int | float | bool] | None = None) -> TaskGroup:
        """Create an empty group."""
        _validate.metadata(metadata)
        return self._driver.run(self._core.create_group(metadata))

    def retrieve(self, taskgroup_id: str) -> TaskGroup:
        """The group's aggregated status: run count, counts per status, ``is_active``."""
        _validate.path_id(taskgroup_id, "taskgroup_id")
        return self._driver.run(self._core.retrieve_group(taskgroup_id))

    def add_runs(
        self,
        taskgroup_id: str,
        inputs: Iterable[TaskRunInput | Mapping[str, Any]],
        *,
        default_task_spec: TaskSpec | Mapping[str, Any] | None = None,
        betas: Sequence[str] | None = None,
    ) -> TaskGroupRunResponse:
        """Add runs to a group; ``run_ids`` come back in input order.

        Any number of inputs is accepted: they go in requests of at most 1,000, each carrying
        ``default_task_spec``. Every input is validated before the first request. A request that fails after it
        may have reached the server is reconciled through the group's run count, never blindly re-sent (assumes no
        other writer adds to the group at the same moment).
        """
        _validate.add_runs(taskgroup_id, inputs, default_task_spec, betas)
        core = self._core
        runs = core.group_inputs(inputs)
        return self._driver.run(core.add_runs(taskgroup_id, runs, _spec(default_task_spec, "default_task_spec"), betas))

    def stream_runs(
        self,
        taskgroup_id: str,
        *,
        status: RunStatus | None = None,
        include_input: bool = False,
        include_output: bool = False,
        last_event_id: str | None = None,
    ) -> EventStream[GroupEvent]:
        """Every run of the group as it is now (a finite snapshot, in the order added), optionally with inputs and
        (for completed runs) outputs. Resumes by itself after a dropped connection."""
        _validate.stream_runs(taskgroup_id, status, include_input, include_output, last_event_id)
        flow = self._core.group_runs(taskgroup_id, status, include_input, include_output, last_event_id)
        return EventStream(self._driver.iterate(flow))

    def stream_events(self, taskgroup_id: str, *, last_event_id: str | None = None) -> EventStream[GroupEvent]:
        """The group's events: status changes and runs reaching a final state, from the start (or after
        ``last_event_id``) until the group is no longer active. A dropped connection is resumed after the last
        event received, so every event arrives exactly once."""
        _validate.stream_events(taskgroup_id, last_event_id)
        return EventStream(self._driver.iterate(self._core.group_events(taskgroup_id, last_event_id)))

    def retrieve_run(self, taskgroup_id: str, run_id: str) -> TaskRun:
        """One run of the group."""
        _validate.group_run(taskgroup_id, run_id)
        return self._driver.run(self._core.retrieve_group_run(taskgroup_id, run_id))

    @overload
    def run_batch(
        self,
        inputs: Iterable[BatchInput] | None = None,
        *,
        processor: str | None = None,
        output: type[M],
        input_schema: Any = None,
        taskgroup_id: str | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        max_concurrency: int = 16,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> Iterator[BatchItem[M]]: ...
    @overload
    def run_batch(
        self,
        inputs: Iterable[BatchInput] | None = None,
        *,
        processor: str | None = None,
        output: Any = None,
        input_schema: Any = None,
        taskgroup_id: str | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        max_concurrency: int = 16,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> Iterator[BatchItem[None]]: ...
    def run_batch(
        self,
        inputs: Iterable[BatchInput] | None = None,
        *,
        processor: str | None = None,
        output: Any = None,
        input_schema: Any = None,
        taskgroup_id: str | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        max_concurrency: int = 16,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> Iterator[BatchItem[Any]]:
        """Run any number of inputs as one Task Group and yield each outcome as its run ends.

        ``inputs`` are strings, mappings or pydantic instances (run with ``processor``, ``output`` and
        ``input_schema``, as in :meth:`TaskRuns.execute`), or :class:`TaskRunInput` objects with their own processor
        and spec; they are added 1,000 per request, paced under the API's rate
        limit. Each :class:`BatchItem` carries its input's ``index``; a failed run is an item whose ``error`` is
        :class:`TaskRunFailedError`, and the batch goes on. At most ``max_concurrency`` results are fetched at
        once. ``on_progress`` receives a :class:`BatchProgress` (with the ``taskgroup_id``: keep it) whenever
        runs are submitted or end. Pass ``taskgroup_id=`` instead of inputs to collect an existing group's runs
        without submitting anything (indexes are then positions in the group).

        >>> for item in client.task_groups.run_batch(companies, processor="base", output=Profile):
        ...     print(item.index, item.parsed if item.ok else item.error)
        """
        _validate.run_batch(
            inputs, processor, output, input_schema, taskgroup_id, metadata, max_concurrency, on_progress
        )
        from ._batch import run_batch  # the runner loads on the first batch
        from ._schema import output_task_spec

        spec = output_task_spec(output, input_schema)  # a schema error is raised here, not at the first item
        return run_batch(
            self._driver,
            inputs,
            processor=processor,
            output=output,
            spec=spec,
            taskgroup_id=taskgroup_id,
            metadata=metadata,
            max_concurrency=max_concurrency,
            on_progress=on_progress,
        )


# --- async ----------------------------------------------------------------------------------------------------


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
            self._core,
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
        return await self._driver.run(self._core.create_run(run, betas))

    async def retrieve(self, run_id: str) -> TaskRun:
        """The run's current state (does not wait)."""
        _validate.path_id(run_id, "run_id")
        return await self._driver.run(self._core.retrieve_run(run_id))

    async def retrieve_input(self, run_id: str) -> TaskRunInput:
        """The input the run was created with, task spec included."""
        _validate.path_id(run_id, "run_id")
        return await self._driver.run(self._core.retrieve_input(run_id))

    async def result(
        self, run_id: str, *, timeout: float | None = None, betas: Sequence[str] | None = None
    ) -> TaskRunResult:
        """Wait for the run to finish and return its output. See :meth:`TaskRuns.result`."""
        _validate.result(run_id, timeout, betas)
        return await self._driver.run(self._core.wait_result(run_id, timeout, betas))

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
            self._core,
            input=input,
            processor=processor,
            task_spec=_execute_spec(output, input_schema, task_spec),
            metadata=metadata,
            source_policy=source_policy,
        )
        created = await self._driver.run(self._core.create_run(run, betas))
        try:
            return parse_result(await self.result(created.run_id, timeout=timeout, betas=betas), output)
        except BaseException as interrupt:
            note_interruption(interrupt, interrupted_note(created.run_id))
            raise

    def stream_events(self, run_id: str) -> AsyncEventStream[GroupEvent]:
        """Progress events of a run created with ``enable_events=True``. See :meth:`TaskRuns.stream_events`."""
        _validate.path_id(run_id, "run_id")
        return AsyncEventStream(self._driver.iterate(self._core.run_events(run_id)))


class AsyncTaskGroups(AsyncResource):
    """Task groups, awaited. See :class:`TaskGroups` for each method."""

    async def create(self, *, metadata: Mapping[str, str | int | float | bool] | None = None) -> TaskGroup:
        """Create an empty group."""
        _validate.metadata(metadata)
        return await self._driver.run(self._core.create_group(metadata))

    async def retrieve(self, taskgroup_id: str) -> TaskGroup:
        """The group's aggregated status."""
        _validate.path_id(taskgroup_id, "taskgroup_id")
        return await self._driver.run(self._core.retrieve_group(taskgroup_id))

    async def add_runs(
        self,
        taskgroup_id: str,
        inputs: Iterable[TaskRunInput | Mapping[str, Any]],
        *,
        default_task_spec: TaskSpec | Mapping[str, Any] | None = None,
        betas: Sequence[str] | None = None,
    ) -> TaskGroupRunResponse:
        """Add runs, in requests of at most 1,000. See :meth:`TaskGroups.add_runs`."""
        _validate.add_runs(taskgroup_id, inputs, default_task_spec, betas)
        core = self._core
        runs = core.group_inputs(inputs)
        spec = _spec(default_task_spec, "default_task_spec")
        return await self._driver.run(core.add_runs(taskgroup_id, runs, spec, betas))

    def stream_runs(
        self,
        taskgroup_id: str,
        *,
        status: RunStatus | None = None,
        include_input: bool = False,
        include_output: bool = False,
        last_event_id: str | None = None,
    ) -> AsyncEventStream[GroupEvent]:
        """A finite snapshot of the group's runs. See :meth:`TaskGroups.stream_runs`."""
        _validate.stream_runs(taskgroup_id, status, include_input, include_output, last_event_id)
        flow = self._core.group_runs(taskgroup_id, status, include_input, include_output, last_event_id)
        return AsyncEventStream(self._driver.iterate(flow))

    def stream_events(self, taskgroup_id: str, *, last_event_id: str | None = None) -> AsyncEventStream[GroupEvent]:
        """The group's events until it is no longer active. See :meth:`TaskGroups.stream_events`."""
        _validate.stream_events(taskgroup_id, last_event_id)
        events = self._core.group_events(taskgroup_id, last_event_id)
        return AsyncEventStream(self._driver.iterate(events))

    async def retrieve_run(self, taskgroup_id: str, run_id: str) -> TaskRun:
        """One run of the group."""
        _validate.group_run(taskgroup_id, run_id)
        return await self._driver.run(self._core.retrieve_group_run(taskgroup_id, run_id))

    @overload
    def run_batch(
        self,
        inputs: Iterable[BatchInput] | None = None,
        *,
        processor: str | None = None,
        output: type[M],
        input_schema: Any = None,
        taskgroup_id: str | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        max_concurrency: int = 16,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> AsyncIterator[BatchItem[M]]: ...
    @overload
    def run_batch(
        self,
        inputs: Iterable[BatchInput] | None = None,
        *,
        processor: str | None = None,
        output: Any = None,
        input_schema: Any = None,
        taskgroup_id: str | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        max_concurrency: int = 16,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> AsyncIterator[BatchItem[None]]: ...
    def run_batch(
        self,
        inputs: Iterable[BatchInput] | None = None,
        *,
        processor: str | None = None,
        output: Any = None,
        input_schema: Any = None,
        taskgroup_id: str | None = None,
        metadata: Mapping[str, str | int | float | bool] | None = None,
        max_concurrency: int = 16,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> AsyncIterator[BatchItem[Any]]:
        """Run any number of inputs as one Task Group; ``async for`` each outcome as its run ends.
        See :meth:`TaskGroups.run_batch`."""
        _validate.run_batch(
            inputs, processor, output, input_schema, taskgroup_id, metadata, max_concurrency, on_progress
        )
        from ._batch import run_batch_async  # the runner loads on the first batch
        from ._schema import output_task_spec

        spec = output_task_spec(output, input_schema)  # a schema error is raised here, not at the first item
        return run_batch_async(
            self._driver,
            inputs,
            processor=processor,
            output=output,
            spec=spec,
            taskgroup_id=taskgroup_id,
            metadata=metadata,
            max_concurrency=max_concurrency,
            on_progress=on_progress,
        )
