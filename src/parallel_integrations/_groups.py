"""``client.task_groups``, sync and async: creating a group, adding runs to it, reading it and its runs back, its
event streams, and ``run_batch`` (any number of inputs as one group, each outcome as its run ends; the runner is
``_batch.py``). Each method validates its arguments, builds the flow (``_group_flows.py``; the event streams are
the core's) and hands it to its driver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from . import _validate
from ._batch_items import BatchInput, BatchItem, BatchProgress
from ._core import build_model
from ._group_flows import add_runs, create_group, group_inputs, retrieve_group, retrieve_group_run
from ._models import GroupEvent, RunStatus, TaskGroup, TaskGroupRunResponse, TaskRun, TaskRunInput, TaskSpec
from ._resources import AsyncEventStream, AsyncResource, EventStream, SyncResource

__all__ = ["AsyncTaskGroups", "TaskGroups"]

M = TypeVar("M", bound=BaseModel)


def _spec(value: TaskSpec | Mapping[str, Any] | None, field: str) -> TaskSpec | None:
    return None if value is None else build_model(TaskSpec, value, field)


class TaskGroups(SyncResource):
    """Task groups: batches of runs, monitored and collected together."""

    def create(self, *, metadata: Mapping[str, str | int | float | bool] | None = None) -> TaskGroup:
        """Create an empty group; add runs to it with :meth:`add_runs` and its ``taskgroup_id``.

        A creation that fails with a 5xx or a dropped connection is retried (``max_retries`` times), as a read
        is: a group costs nothing until it holds runs. When the failed attempt had in fact reached the server,
        that retry leaves one extra, empty group behind (no runs, no cost; the API can neither list nor delete
        groups), and a WARNING on the ``parallel_integrations`` logger says so. Runs are never duplicated:
        :meth:`add_runs` is reconciled, not re-sent blindly.
        """
        _validate.metadata(metadata)
        return self._driver.run(create_group(self._core, metadata))

    def retrieve(self, taskgroup_id: str) -> TaskGroup:
        """The group's aggregated status: run count, counts per status, ``is_active``."""
        _validate.path_id(taskgroup_id, "taskgroup_id")
        return self._driver.run(retrieve_group(self._core, taskgroup_id))

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
        runs = group_inputs(inputs)
        spec = _spec(default_task_spec, "default_task_spec")
        return self._driver.run(add_runs(self._core, taskgroup_id, runs, spec, betas))

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
        return self._driver.run(retrieve_group_run(self._core, taskgroup_id, run_id))

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
        from ._schema import task_spec_for

        spec = task_spec_for(output, input_schema, output_field="output")  # raised here, not at the first item
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


class AsyncTaskGroups(AsyncResource):
    """Task groups, awaited. See :class:`TaskGroups` for each method."""

    async def create(self, *, metadata: Mapping[str, str | int | float | bool] | None = None) -> TaskGroup:
        """Create an empty group. A retry after a failure the server may have acted on can leave one extra empty
        group behind, and a WARNING says so; see :meth:`TaskGroups.create`."""
        _validate.metadata(metadata)
        return await self._driver.run(create_group(self._core, metadata))

    async def retrieve(self, taskgroup_id: str) -> TaskGroup:
        """The group's aggregated status."""
        _validate.path_id(taskgroup_id, "taskgroup_id")
        return await self._driver.run(retrieve_group(self._core, taskgroup_id))

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
        runs = group_inputs(inputs)
        spec = _spec(default_task_spec, "default_task_spec")
        return await self._driver.run(add_runs(self._core, taskgroup_id, runs, spec, betas))

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
        return await self._driver.run(retrieve_group_run(self._core, taskgroup_id, run_id))

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
        from ._schema import task_spec_for

        spec = task_spec_for(output, input_schema, output_field="output")  # raised here, not at the first item
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
