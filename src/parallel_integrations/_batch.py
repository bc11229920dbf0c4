"""The batch runner: any number of inputs through one Task Group, results yielded as runs complete. (It loads on
the first ``run_batch``; what it yields, :class:`BatchItem` and :class:`BatchProgress`, is in ``_batch_items.py``.)

Submission and bookkeeping are shared (:class:`BatchTracker` decides what each event means, and one flow submits
for both drivers); the sync runner fetches results on a bounded thread pool, the async one on tasks bounded by a
semaphore. Runs that have already ended when they are listed (a resumed group) or that the event stream did not
report are read from one snapshot of the group with outputs, instead of one request each.

Memory does not grow with the results: inputs are consumed 1,000 at a time and results are handed over as they
come. What is held is the id of each run not yet delivered (about 150 bytes a run), so the caller's index can be
given back with each result.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from ._batch_items import BatchInput, BatchItem, BatchProgress
from ._effects import Flow, consume
from ._errors import ParallelError, ParallelValidationError, TaskRunFailedError, note_interruption
from ._limits import RUNS_PER_ADD_MAX
from ._models import TaskRunEvent, TaskRunInput, TaskRunResult
from ._parse import parse_result

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

    from ._contract import AsyncDriver, Driver
    from ._core import Core

__all__ = ["BatchInput", "BatchItem", "BatchProgress", "BatchTracker", "run_batch", "run_batch_async"]

T = TypeVar("T")


class BatchTracker:
    """The runner's bookkeeping, free of I/O: which run is which input, what is left, and progress reports."""

    def __init__(self, taskgroup_id: str, on_progress: Callable[[BatchProgress], None] | None) -> None:
        self.taskgroup_id = taskgroup_id
        self.on_progress = on_progress
        self.index_of: dict[str, int] = {}
        self.ready: deque[tuple[str, int]] = deque()
        self.submitted = 0
        self.completed = 0
        self.failed = 0

    def added(self, run_ids: Iterable[str]) -> None:
        """Runs now in the group, in input order."""
        for run_id in run_ids:
            self.index_of[run_id] = self.submitted
            self.submitted += 1
        self.report()

    def listed(self, event: Any, output: Any) -> BatchItem[Any] | None:
        """A run of a resumed group, from a snapshot with outputs: registered, and delivered at once if it has
        ended."""
        if not isinstance(event, TaskRunEvent):
            return None
        self.index_of[event.run.run_id] = self.submitted
        self.submitted += 1
        return self.from_snapshot(event, output)

    def from_snapshot(self, event: Any, output: Any) -> BatchItem[Any] | None:
        """For a snapshot event with outputs: the item of an outstanding run that has ended, else ``None``."""
        if not isinstance(event, TaskRunEvent) or event.run.is_active or event.run.run_id not in self.index_of:
            return None
        run = event.run
        if run.status == "completed" and event.output is None:
            return None  # no output in the snapshot: left for its result endpoint
        index = self.index_of.pop(run.run_id)
        if run.status != "completed":
            return self.delivered(BatchItem(index, run.run_id, error=TaskRunFailedError(run)))
        assert event.output is not None
        try:
            result = parse_result(TaskRunResult(run=run, output=event.output), output)
        except ParallelError as exc:
            return self.delivered(BatchItem(index, run.run_id, error=exc))
        return self.delivered(BatchItem(index, run.run_id, result=result))

    def ended(self, event: Any) -> BatchItem[Any] | None:
        """Read a group event: a completed run joins the queue of answers to fetch; a run that ended otherwise
        becomes its item at once; anything else is ignored (``None``)."""
        if not isinstance(event, TaskRunEvent) or event.run.is_active:
            return None
        run = event.run
        index = self.index_of.pop(run.run_id, None)
        if index is None:
            return None
        if run.status == "completed":
            self.ready.append((run.run_id, index))
            return None
        return self.delivered(BatchItem(index, run.run_id, error=TaskRunFailedError(run)))

    def next_fetches(self, room: int) -> list[tuple[str, int]]:
        """Up to ``room`` queued ``(run_id, index)`` pairs whose answers should be fetched now."""
        return [self.ready.popleft() for _ in range(min(room, len(self.ready)))]

    def worth_a_snapshot(self, threshold: int) -> bool:
        """Once the group is idle: whether one snapshot with outputs should answer what is left, because more than
        ``threshold`` answers are still queued or some runs were never reported. If so, the queue goes back to the
        outstanding runs that the snapshot delivers."""
        if len(self.ready) <= threshold and not self.index_of:
            return False
        while self.ready:
            run_id, index = self.ready.popleft()
            self.index_of[run_id] = index
        return True

    def release_remaining(self) -> None:
        """Queue every run still outstanding for its result endpoint (the last resort)."""
        self.ready.extend(self.index_of.items())
        self.index_of.clear()

    def delivered(self, item: BatchItem[T]) -> BatchItem[T]:
        """Count an item on its way to the caller."""
        if item.ok:
            self.completed += 1
        else:
            self.failed += 1
        self.report()
        return item

    @property
    def done(self) -> bool:
        """Every submitted run has been delivered or is being fetched."""
        return not self.index_of and not self.ready

    @property
    def all_ended(self) -> bool:
        """Every submitted run has been seen ending (its answer may still be queued)."""
        return not self.index_of

    def report(self) -> None:
        """Tell ``on_progress`` where the batch stands."""
        if self.on_progress is not None:
            self.on_progress(BatchProgress(self.taskgroup_id, self.submitted, self.completed, self.failed))


def _runs(inputs: Iterable[BatchInput], processor: str | None) -> Iterator[list[TaskRunInput | dict[str, Any]]]:
    """Inputs as run inputs, 1,000 at a time (consumed lazily, so a generator of inputs is never held whole)."""
    iterator = iter(inputs)
    position = 0
    while chunk := list(islice(iterator, RUNS_PER_ADD_MAX)):
        runs: list[TaskRunInput | dict[str, Any]] = []
        for item in chunk:
            if isinstance(item, TaskRunInput):
                runs.append(item)
            elif processor is None:
                raise ParallelValidationError(f"inputs[{position}]", "processor= is required for plain inputs")
            else:
                runs.append(
                    {"input": item if isinstance(item, str | BaseModel) else dict(item), "processor": processor}
                )
            position += 1
        yield runs


def _submit(
    core: Core,
    inputs: Iterable[BatchInput] | None,
    *,
    processor: str | None,
    output: Any,
    input_schema: Any,
    taskgroup_id: str | None,
    metadata: Mapping[str, str | int | float | bool] | None,
    on_progress: Callable[[BatchProgress], None] | None,
    group: list[str],
) -> Flow[BatchTracker]:
    """Create the group (unless resuming) and add every input, or list a resumed group's runs: the part of a batch
    that is the same sync and async. The group's id goes into ``group`` as soon as it is known."""
    from ._schema import output_task_spec

    spec = output_task_spec(output, input_schema)
    if taskgroup_id is None:
        taskgroup_id = (yield from core.create_group(metadata)).taskgroup_id
    group.append(taskgroup_id)
    tracker = BatchTracker(taskgroup_id, on_progress)
    if inputs is None:
        # One snapshot with outputs lists the group and delivers every run that has already ended.
        listing = core.group_runs(taskgroup_id, include_output=True)
        yield from consume(listing, lambda event: tracker.listed(event, output))
        tracker.report()
        return tracker
    for chunk in _runs(inputs, processor):
        flow = core.add_runs(taskgroup_id, core.group_inputs(chunk), spec, None, known_count=tracker.submitted)
        tracker.added((yield from flow).run_ids)
    return tracker


def _collect(core: Core, tracker: BatchTracker, output: Any) -> Flow[None]:
    """Deliver, from one snapshot of the group with outputs, every outstanding run that has ended."""
    snapshot = core.group_runs(tracker.taskgroup_id, include_output=True)
    yield from consume(snapshot, lambda event: tracker.from_snapshot(event, output))


def interrupted_note(group: list[str]) -> str:
    """What a Ctrl-C during ``run_batch`` says: the group goes on, and the call that collects it."""
    if not group:
        return "the batch was interrupted before its task group was created; nothing was submitted"
    return (
        f"task group {group[0]} goes on on the server; collect its results with "
        f'client.task_groups.run_batch(taskgroup_id="{group[0]}")'
    )


def run_batch(
    driver: Driver,
    inputs: Iterable[BatchInput] | None,
    *,
    processor: str | None,
    output: Any,
    input_schema: Any,
    taskgroup_id: str | None,
    metadata: Mapping[str, str | int | float | bool] | None,
    max_concurrency: int,
    on_progress: Callable[[BatchProgress], None] | None,
) -> Iterator[BatchItem[Any]]:
    """The sync runner behind ``client.task_groups.run_batch``."""
    import concurrent.futures

    core = driver.core
    group: list[str] = []
    submission = _submit(
        core,
        inputs,
        processor=processor,
        output=output,
        input_schema=input_schema,
        taskgroup_id=taskgroup_id,
        metadata=metadata,
        on_progress=on_progress,
        group=group,
    )

    def fetch(run_id: str, index: int) -> BatchItem[Any]:
        try:
            result = parse_result(driver.run(core.wait_result(run_id, None, None)), output)
        except ParallelError as exc:
            return BatchItem(index, run_id, error=exc)
        return BatchItem(index, run_id, result=result)

    pool = concurrent.futures.ThreadPoolExecutor(max_concurrency, thread_name_prefix="parallel-batch")
    pending: set[concurrent.futures.Future[BatchItem[Any]]] = set()
    finished_normally = False
    try:
        box: list[BatchTracker] = []
        yield from driver.drive(submission, box)  # a resumed group's runs that have already ended
        tracker = box[0]

        def start() -> None:
            for args in tracker.next_fetches(max_concurrency - len(pending)):
                pending.add(pool.submit(fetch, *args))

        def harvest(block: bool) -> list[BatchItem[Any]]:
            nonlocal pending
            if block:
                finished, pending = concurrent.futures.wait(pending, return_when="FIRST_COMPLETED")
            else:
                finished = {f for f in pending if f.done()}
                pending -= finished
            return [tracker.delivered(f.result()) for f in finished]

        if not tracker.done:
            # Events are read as they come; completed runs queue for a bounded number of fetches.
            events = driver.iterate(core.group_events(tracker.taskgroup_id))
            try:
                for event in events:
                    item = tracker.ended(event)
                    if item is not None:
                        yield item
                    yield from harvest(block=False)
                    start()
                    if tracker.all_ended:
                        break
            finally:
                events.close()  # type: ignore[attr-defined]
            # The group is idle: a long queue (or runs never reported) is answered by one snapshot with outputs.
            if tracker.worth_a_snapshot(max_concurrency):
                yield from driver.iterate(_collect(core, tracker, output))
            tracker.release_remaining()
            while pending or tracker.ready:
                start()
                yield from harvest(block=True)
        finished_normally = True
    except BaseException as interrupt:
        note_interruption(interrupt, interrupted_note(group))
        raise
    finally:
        # Leaving early (Ctrl-C, or the caller stopped iterating) must not wait for long polls in flight.
        pool.shutdown(wait=finished_normally, cancel_futures=True)


async def run_batch_async(
    driver: AsyncDriver,
    inputs: Iterable[BatchInput] | None,
    *,
    processor: str | None,
    output: Any,
    input_schema: Any,
    taskgroup_id: str | None,
    metadata: Mapping[str, str | int | float | bool] | None,
    max_concurrency: int,
    on_progress: Callable[[BatchProgress], None] | None,
) -> AsyncIterator[BatchItem[Any]]:
    """The async runner behind ``AsyncParallelClient.task_groups.run_batch``."""
    import asyncio

    core = driver.core
    group: list[str] = []
    submission = _submit(
        core,
        inputs,
        processor=processor,
        output=output,
        input_schema=input_schema,
        taskgroup_id=taskgroup_id,
        metadata=metadata,
        on_progress=on_progress,
        group=group,
    )

    async def fetch(run_id: str, index: int) -> BatchItem[Any]:
        try:
            result = parse_result(await driver.run(core.wait_result(run_id, None, None)), output)
        except ParallelError as exc:
            return BatchItem(index, run_id, error=exc)
        return BatchItem(index, run_id, result=result)

    pending: set[asyncio.Task[BatchItem[Any]]] = set()
    try:
        box: list[BatchTracker] = []
        async for item in driver.drive(submission, box):  # a resumed group's runs already ended
            yield item
        tracker = box[0]
        if tracker.done:
            return

        def start() -> None:
            for args in tracker.next_fetches(max_concurrency - len(pending)):
                pending.add(asyncio.create_task(fetch(*args)))

        async def harvest(block: bool) -> list[BatchItem[Any]]:
            nonlocal pending
            if block:
                finished, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            else:
                finished = {t for t in pending if t.done()}
                pending -= finished
            return [tracker.delivered(t.result()) for t in finished]

        events = driver.iterate(core.group_events(tracker.taskgroup_id))
        try:
            async for event in events:
                item = tracker.ended(event)
                if item is not None:
                    yield item
                for item in await harvest(block=False):
                    yield item
                start()
                if tracker.all_ended:
                    break
        finally:
            await events.aclose()  # type: ignore[attr-defined]
        if tracker.worth_a_snapshot(max_concurrency):
            async for item in driver.iterate(_collect(core, tracker, output)):
                yield item
        tracker.release_remaining()
        while pending or tracker.ready:
            start()
            for item in await harvest(block=True):
                yield item
    except BaseException as interrupt:
        note_interruption(interrupt, interrupted_note(group))
        raise
    finally:
        for task in pending:
            task.cancel()
