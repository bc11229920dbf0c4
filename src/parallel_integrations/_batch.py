"""The batch runner: any number of inputs through one Task Group, results yielded as runs complete. (It loads on
the first ``run_batch``; what it yields, :class:`BatchItem` and :class:`BatchProgress`, is in ``_batch_items.py``.)

Submission and bookkeeping are shared (:class:`BatchTracker` decides what each event means and keeps at most
``max_concurrency`` result fetches in flight, and one flow submits for both drivers). Each runner waits on one
inbox that the group's event stream and the result fetches both post to, so an answer is handed over as soon as
its fetch ends, not when the next event arrives: the sync runner reads events on a thread of its own and fetches
on a bounded thread pool; the async one reads events and fetches on tasks. Runs that have already ended when they
are listed (a resumed group) or that the event stream did not report are read from one snapshot of the group with
outputs, instead of one request each.

Memory does not grow with the results: inputs are consumed 1,000 at a time and results are handed over as they
come. What is held is the id of each run not yet delivered (about 150 bytes a run), so the caller's index can be
given back with each result.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

from pydantic import BaseModel

from ._batch_items import BatchInput, BatchItem, BatchProgress
from ._effects import Flow, consume
from ._errors import ParallelError, ParallelValidationError, TaskRunFailedError, note_interruption
from ._group_flows import add_runs, create_group, group_inputs
from ._limits import RUNS_PER_ADD_MAX
from ._models import TaskRunEvent, TaskRunInput, TaskRunResult, TaskSpec
from ._parse import parse_result
from ._run_flows import wait_result

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures
    import queue

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
        self.fetching = 0

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

    def start_fetches(self, limit: int) -> list[tuple[str, int]]:
        """The queued ``(run_id, index)`` pairs whose answers should be fetched now, so that at most ``limit``
        fetches are in flight; each counts as in flight until :meth:`fetched` takes its item."""
        room = max(0, min(limit - self.fetching, len(self.ready)))
        self.fetching += room
        return [self.ready.popleft() for _ in range(room)]

    def fetched(self, item: BatchItem[T]) -> BatchItem[T]:
        """A fetch's item, on its way to the caller."""
        self.fetching -= 1
        return self.delivered(item)

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
    spec: TaskSpec | None,
    taskgroup_id: str | None,
    metadata: Mapping[str, str | int | float | bool] | None,
    on_progress: Callable[[BatchProgress], None] | None,
    group: list[str],
) -> Flow[BatchTracker]:
    """Create the group (unless resuming) and add every input, or list a resumed group's runs: the part of a batch
    that is the same sync and async. The group's id goes into ``group`` as soon as it is known."""
    if taskgroup_id is None:
        taskgroup_id = (yield from create_group(core, metadata)).taskgroup_id
    group.append(taskgroup_id)
    tracker = BatchTracker(taskgroup_id, on_progress)
    if inputs is None:
        # One snapshot with outputs lists the group and delivers every run that has already ended.
        listing = core.group_runs(taskgroup_id, include_output=True)
        yield from consume(listing, lambda event: tracker.listed(event, output))
        tracker.report()
        return tracker
    for chunk in _runs(inputs, processor):
        runs = group_inputs(chunk, start=tracker.submitted)  # errors name the caller's index
        added = yield from add_runs(core, taskgroup_id, runs, spec, None, known_count=tracker.submitted)
        tracker.added(added.run_ids)
    return tracker


def _collect(core: Core, tracker: BatchTracker, output: Any) -> Flow[None]:
    """Deliver, from one snapshot of the group with outputs, every outstanding run that has ended."""
    snapshot = core.group_runs(tracker.taskgroup_id, include_output=True)
    yield from consume(snapshot, lambda event: tracker.from_snapshot(event, output))


# What the runner's inbox receives: a group event, a finished fetch (a future or a task, whose ``result()`` is its
# item), the end of the event stream, or the exception that ended it.
_EVENT, _FETCHED, _END, _FAILED = "event", "fetched", "end", "failed"
Message: TypeAlias = tuple[str, Any]
EVENT_BACKLOG = 16
"""Events read ahead of a caller who is slower than the stream; the reader waits beyond that, so a slow loop over
the results does not buffer the whole group."""


def _take(tracker: BatchTracker, message: Message, free_slot: Callable[[], None]) -> tuple[BatchItem[Any] | None, bool]:
    """What a message of the inbox means while events are read: an item to hand over (or ``None``), and whether
    the event stream goes on. An event frees its place in the reader's backlog (``free_slot``)."""
    kind, payload = message
    if kind == _EVENT:
        free_slot()
        return tracker.ended(payload), True
    if kind == _FETCHED:
        return tracker.fetched(payload.result()), True
    if kind == _FAILED:
        raise payload
    return None, False


def _until(flow: Flow[T], stopped: Callable[[], bool]) -> Flow[T | None]:
    """``flow``, ended once ``stopped()`` holds. It is asked at every step, so a stream closes at the next chunk
    it receives (a keep-alive comment at the latest) even when no event comes."""
    try:
        value: Any = None
        error: ParallelError | None = None
        while True:
            try:
                effect = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if stopped():
                return None
            value, error = None, None
            try:
                value = yield effect
            except ParallelError as exc:
                error = exc
    finally:
        flow.close()


class _EventReader:
    """Reads the group's events on a thread of its own and posts each to the inbox, at most ``EVENT_BACKLOG``
    ahead of the runner. :meth:`stop` returns at once; the thread ends, closing the stream, at its next chunk."""

    def __init__(self, driver: Driver, taskgroup_id: str, inbox: queue.Queue[Message]) -> None:
        import threading

        self.inbox = inbox
        self.stopped = threading.Event()
        self.slots = threading.Semaphore(EVENT_BACKLOG)
        flow = _until(driver.core.group_events(taskgroup_id), self.stopped.is_set)
        self.events = driver.iterate(flow)
        threading.Thread(target=self.read, name="parallel-batch-events", daemon=True).start()

    def read(self) -> None:
        try:
            for event in self.events:
                self.slots.acquire()
                if self.stopped.is_set():
                    return
                self.inbox.put((_EVENT, event))
            self.inbox.put((_END, None))
        except BaseException as exc:  # handed to the runner, which raises it unless it has stopped listening
            self.inbox.put((_FAILED, exc))
        finally:
            self.events.close()  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stop reading (a reader waiting for room in the backlog is woken to see it)."""
        self.stopped.set()
        self.slots.release()


class _Fetchers:
    """At most ``size`` result fetches at once, each outcome posted to the inbox as a done future.

    The threads are daemons, unlike a ``ThreadPoolExecutor``'s: a fetch in flight is a long poll of up to ten
    minutes, and a runner left early (a ``break``, Ctrl-C) must not hold the program open at exit until it ends.
    The run goes on on the server either way."""

    def __init__(self, size: int, fetch: Callable[[str, int], BatchItem[Any]], inbox: queue.Queue[Message]) -> None:
        import queue

        self.size = size
        self.fetch = fetch
        self.inbox = inbox
        self.jobs: queue.SimpleQueue[tuple[str, int] | None] = queue.SimpleQueue()
        self.threads = 0
        self.busy = 0

    def submit(self, run_id: str, index: int) -> None:
        """Fetch this run's result on a free thread (one is started while fewer than ``size`` exist)."""
        import threading

        self.busy += 1
        if self.threads < self.busy and self.threads < self.size:
            self.threads += 1
            threading.Thread(target=self.work, name=f"parallel-batch_{self.threads}", daemon=True).start()
        self.jobs.put((run_id, index))

    def done(self) -> None:
        """A posted outcome was taken from the inbox: its thread is free again."""
        self.busy -= 1

    def work(self) -> None:
        import concurrent.futures

        while (job := self.jobs.get()) is not None:
            outcome: concurrent.futures.Future[BatchItem[Any]] = concurrent.futures.Future()
            try:
                outcome.set_result(self.fetch(*job))
            except BaseException as exc:  # a bug, not an API error (fetch turns those into items): raise it there
                outcome.set_exception(exc)
            self.inbox.put((_FETCHED, outcome))

    def stop(self) -> None:
        """Let idle threads end; a thread in a long poll ends when it returns (or with the program)."""
        for _ in range(self.threads):
            self.jobs.put(None)


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
    spec: TaskSpec | None,
    taskgroup_id: str | None,
    metadata: Mapping[str, str | int | float | bool] | None,
    max_concurrency: int,
    on_progress: Callable[[BatchProgress], None] | None,
) -> Iterator[BatchItem[Any]]:
    """The sync runner behind ``client.task_groups.run_batch`` (``spec`` is compiled from ``output`` and
    ``input_schema`` by the caller, so that a schema error is raised before iteration)."""
    import queue

    core = driver.core
    group: list[str] = []
    submission = _submit(
        core,
        inputs,
        processor=processor,
        output=output,
        spec=spec,
        taskgroup_id=taskgroup_id,
        metadata=metadata,
        on_progress=on_progress,
        group=group,
    )

    def fetch(run_id: str, index: int) -> BatchItem[Any]:
        try:
            result = parse_result(driver.run(wait_result(core, run_id, None, None)), output)
        except ParallelError as exc:
            return BatchItem(index, run_id, error=exc)
        return BatchItem(index, run_id, result=result)

    # One inbox for the event reader's thread and the fetches: an answer is handed over as soon as it is fetched.
    inbox: queue.Queue[Message] = queue.Queue()
    pool = _Fetchers(max_concurrency, fetch, inbox)
    reader: _EventReader | None = None

    try:
        box: list[BatchTracker] = []
        yield from driver.drive(submission, box)  # a resumed group's runs that have already ended
        tracker = box[0]

        def start() -> None:
            for args in tracker.start_fetches(max_concurrency):
                pool.submit(*args)

        if not tracker.done:
            reader = _EventReader(driver, tracker.taskgroup_id, inbox)
            listening = True
            while listening and not tracker.all_ended:
                message = inbox.get()
                if message[0] == _FETCHED:
                    pool.done()
                item, listening = _take(tracker, message, reader.slots.release)
                if item is not None:
                    yield item
                start()
            reader.stop()
            # The group is idle: a long queue (or runs never reported) is answered by one snapshot with outputs.
            if tracker.worth_a_snapshot(max_concurrency):
                yield from driver.iterate(_collect(core, tracker, output))
            tracker.release_remaining()
            start()
            while tracker.fetching:
                kind, payload = inbox.get()
                if kind == _FETCHED:  # what the stopped reader still posts is of no more use
                    pool.done()
                    yield tracker.fetched(payload.result())
                    start()
    except BaseException as interrupt:
        note_interruption(interrupt, interrupted_note(group))
        raise
    finally:
        if reader is not None:
            reader.stop()
        # Leaving early (Ctrl-C, or the caller stopped iterating) does not wait for long polls in flight.
        pool.stop()


async def run_batch_async(
    driver: AsyncDriver,
    inputs: Iterable[BatchInput] | None,
    *,
    processor: str | None,
    output: Any,
    spec: TaskSpec | None,
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
        spec=spec,
        taskgroup_id=taskgroup_id,
        metadata=metadata,
        on_progress=on_progress,
        group=group,
    )

    async def fetch(run_id: str, index: int) -> BatchItem[Any]:
        try:
            result = parse_result(await driver.run(wait_result(core, run_id, None, None)), output)
        except ParallelError as exc:
            return BatchItem(index, run_id, error=exc)
        return BatchItem(index, run_id, result=result)

    # One inbox for the event reader's task and the fetch tasks: an answer is handed over as soon as it is fetched.
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    slots = asyncio.Semaphore(EVENT_BACKLOG)
    fetches: set[asyncio.Task[BatchItem[Any]]] = set()
    reader: asyncio.Task[None] | None = None

    def post(task: asyncio.Task[BatchItem[Any]]) -> None:
        fetches.discard(task)
        if not task.cancelled():
            inbox.put_nowait((_FETCHED, task))

    async def read(taskgroup_id: str) -> None:
        events = driver.iterate(core.group_events(taskgroup_id))
        try:
            async for event in events:
                await slots.acquire()
                inbox.put_nowait((_EVENT, event))
            inbox.put_nowait((_END, None))
        except asyncio.CancelledError:
            raise  # the runner stopped listening
        except BaseException as exc:  # handed to the runner, a KeyboardInterrupt included, to be raised there
            inbox.put_nowait((_FAILED, exc))
        finally:
            await events.aclose()  # type: ignore[attr-defined]

    try:
        box: list[BatchTracker] = []
        async for item in driver.drive(submission, box):  # a resumed group's runs already ended
            yield item
        tracker = box[0]
        if tracker.done:
            return

        def start() -> None:
            for args in tracker.start_fetches(max_concurrency):
                task = asyncio.create_task(fetch(*args))
                fetches.add(task)
                task.add_done_callback(post)

        reader = asyncio.create_task(read(tracker.taskgroup_id))
        listening = True
        while listening and not tracker.all_ended:
            item, listening = _take(tracker, await inbox.get(), slots.release)
            if item is not None:
                yield item
            start()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)  # the stream is closed before a snapshot is read
        if tracker.worth_a_snapshot(max_concurrency):
            async for item in driver.iterate(_collect(core, tracker, output)):
                yield item
        tracker.release_remaining()
        start()
        while tracker.fetching:
            kind, payload = await inbox.get()
            if kind == _FETCHED:  # what the stopped reader still posted is of no more use
                yield tracker.fetched(payload.result())
                start()
    except BaseException as interrupt:
        note_interruption(interrupt, interrupted_note(group))
        raise
    finally:
        for task in list(fetches):
            task.cancel()
        if reader is not None and not reader.done():
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)  # the stream is closed before the runner returns
