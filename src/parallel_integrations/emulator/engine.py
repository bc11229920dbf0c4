"""The task engine: runs moving queued -> running -> completed (or failed) on a schedule, task groups with their
event log, scripted answers, and the waits that long polls and streams block on.

Time drives everything. Each run is created with the moments it starts and finishes (from the
:class:`Schedule`); :meth:`Engine.advance` applies every transition that is due, in time order, appending the
group events they cause. Every request calls it first, and whoever waits (a ``/result`` long poll, an event
stream) sleeps only until the next due moment or a change, whichever comes first. No background task is
needed, so the state read is always current and a restarted emulator catches up on its own.

All state sits behind one lock, so a test thread may script answers or force a run to finish while the server
thread serves requests; waiters on any event loop are woken through :class:`~.waiting.ChangeSignal`.
"""

from __future__ import annotations

import asyncio
import copy
import heapq
import json
import math
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .._models import TERMINAL_STATUSES, TaskGroup, TaskGroupStatus, TaskRunInput, TaskRunJsonOutput
from .records import GroupRecord, RunRecord
from .scripts import Script
from .store import StateStore
from .validate import RunRequest, events_on_by_default, output_plan, parse_input
from .waiting import ChangeSignal
from .wire import new_id, new_ref_id, timestamp

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = ["Engine", "Schedule"]

_ANSWER_CACHE_SIZE = 512


@dataclass(frozen=True)
class Schedule:
    """How long a new run stays ``queued`` and then ``running``, in seconds, before it completes (or fails).

    The default is quick enough for tests. ``Schedule(queued=0, running=math.inf)`` keeps runs running until a
    test finishes them (``RunningEmulator.complete_run``).
    """

    queued: float = 0.05
    running: float = 0.2

    def __post_init__(self) -> None:
        if not (self.queued >= 0 and self.running >= 0):
            raise ValueError(f"Schedule: durations must be >= 0 seconds (got {self.queued}, {self.running})")


class Engine:
    """Runs, groups, their events and scripts; thread-safe. ``corpus`` is built on first use when a factory."""

    def __init__(
        self,
        corpus: Corpus | Callable[[], Corpus],
        schedule: Schedule | None = None,
        state_path: str | os.PathLike[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._corpus_source = corpus
        self._corpus: Corpus | None = None
        self.default_schedule = schedule or Schedule()
        self.schedule = self.default_schedule
        self.clock = clock
        self.signal = ChangeSignal()
        self.closed = False
        self.version = 0
        self._lock = threading.RLock()
        self._runs: dict[str, RunRecord] = {}
        self._groups: dict[str, GroupRecord] = {}
        self._due: list[tuple[float, int, str]] = []
        self._scripts: list[Script] = []
        self._answers: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._seq = 0
        self._store = StateStore(state_path) if state_path is not None else None
        if self._store is not None:
            self._load(self._store)

    # --- corpus ---------------------------------------------------------------------------------------------

    @property
    def corpus(self) -> Corpus:
        """The search corpus (built on first use when given as a factory)."""
        with self._lock:
            if self._corpus is None:
                source = self._corpus_source
                self._corpus = source() if callable(source) else source
            return self._corpus

    # --- runs -----------------------------------------------------------------------------------------------

    def create_run(self, request: RunRequest) -> RunRecord:
        """Create a standalone run (queued)."""
        with self._lock:
            self._advance_locked()
            record = self._new_run(request, None)
            self._commit(runs=[record])
            return record

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, up to date, or ``None``."""
        with self._lock:
            self._advance_locked()
            return self._runs.get(run_id)

    def runs(self) -> list[RunRecord]:
        """Every run, in creation order."""
        with self._lock:
            self._advance_locked()
            return list(self._runs.values())

    def run_input(self, record: RunRecord) -> dict[str, Any]:
        """The run's input as submitted (a group's default task spec merged in)."""
        return copy.deepcopy(record.request)

    def output(self, record: RunRecord) -> dict[str, Any]:
        """The completed run's wire output: scripted, or synthesized from the corpus once and kept. The
        synthesis runs outside the engine's lock, so this may be called from a worker thread."""
        with self._lock:
            if record.output is not None:
                return record.output
            scripted, request = record.scripted, record.request
        output = scripted or self._synthesize(parse_input(request))
        with self._lock:
            if record.output is None:
                record.output = output
                self._save(runs=[record])
            return record.output

    async def output_async(self, record: RunRecord) -> dict[str, Any]:
        """:meth:`output` without blocking the event loop while an answer is synthesized (a few ms each)."""
        if record.output is not None:
            return record.output
        return await asyncio.to_thread(self.output, record)

    def complete_run(self, run_id: str) -> None:
        """Finish a run now (completed, or failed if it was scripted to fail). ``KeyError`` if unknown."""
        self._finish_now(run_id, None)

    def fail_run(self, run_id: str, message: str = "Run failed (emulator)") -> None:
        """Make a run fail now with ``message``. ``KeyError`` if unknown; no effect once it has finished."""
        self._finish_now(run_id, message)

    # --- groups ---------------------------------------------------------------------------------------------

    def create_group(self, metadata: Mapping[str, Any] | None) -> TaskGroup:
        """Create an empty task group."""
        with self._lock:
            now = self.clock()
            group = GroupRecord(new_id("tgrp"), dict(metadata) if metadata is not None else None, now, now)
            self._groups[group.taskgroup_id] = group
            self._commit(groups=[group])
            return self._group_view(group)

    def group(self, taskgroup_id: str) -> TaskGroup | None:
        """The group with its aggregated status, or ``None``."""
        with self._lock:
            self._advance_locked()
            group = self._groups.get(taskgroup_id)
            return self._group_view(group) if group is not None else None

    def add_runs(
        self, taskgroup_id: str, requests: Sequence[RunRequest]
    ) -> tuple[list[str], str | None, str | None, TaskGroupStatus]:
        """Add runs to a group: (run ids, run cursor, event cursor, status). The cursors point just before this
        batch and are ``None`` for the first batch. ``KeyError`` for an unknown group."""
        with self._lock:
            self._advance_locked()
            group = self._groups[taskgroup_id]
            run_cursor = str(len(group.run_ids)) if group.run_ids else None
            event_cursor = str(len(group.events)) if group.events else None
            records = [self._new_run(request, group) for request in requests]
            group.modified_at = self.clock()
            event = self._append_status(group)
            self._commit(runs=records, groups=[group], events=[event])
            return [r.run_id for r in records], run_cursor, event_cursor, group.status()

    def group_runs(self, taskgroup_id: str, after: int = 0) -> list[tuple[int, RunRecord]] | None:
        """The group's runs after cursor ``after`` as (cursor, record), in cursor order; ``None`` if unknown."""
        with self._lock:
            self._advance_locked()
            group = self._groups.get(taskgroup_id)
            if group is None:
                return None
            return [(i + 1, self._runs[rid]) for i, rid in enumerate(group.run_ids) if i + 1 > after]

    def group_events(self, taskgroup_id: str, after: int = 0) -> tuple[list[dict[str, Any]], TaskGroupStatus]:
        """The group's events after cursor ``after`` and its current status. ``KeyError`` if unknown."""
        with self._lock:
            self._advance_locked()
            group = self._groups[taskgroup_id]
            return group.events[after:], group.status()

    # --- scripts, schedule, reset ---------------------------------------------------------------------------

    def add_script(self, script: Script) -> None:
        """Register a scripted answer for runs created from now on."""
        with self._lock:
            self._scripts.append(script)

    def set_schedule(self, schedule: Schedule) -> None:
        """Use ``schedule`` for runs created from now on."""
        with self._lock:
            self.schedule = schedule

    def reset(self) -> None:
        """Forget every run, group, event and script; back to the default schedule."""
        with self._lock:
            self._runs.clear()
            self._groups.clear()
            self._due.clear()
            self._scripts.clear()
            self.schedule = self.default_schedule
            if self._store is not None:
                self._store.clear()
            self._changed()

    def close(self) -> None:
        """Stop: long polls and streams end at once; the state file is closed."""
        with self._lock:
            self.closed = True
            if self._store is not None:
                self._store.close()
                self._store = None
            self._changed()

    # --- time -----------------------------------------------------------------------------------------------

    def advance(self) -> None:
        """Apply every transition that is due (also done by every read)."""
        with self._lock:
            self._advance_locked()

    async def wait_change(self, version: int, until: float) -> None:
        """Sleep until the state changes after ``version`` (read :attr:`version` before looking at the state),
        the next transition is due, or ``until`` (Unix seconds), whichever comes first."""
        future = self.signal.waiter()
        with self._lock:
            self._advance_locked()
            if self.version != version or self.closed:
                self.signal.discard(future)
                return
            due = self._due[0][0] if self._due else math.inf
        # A hair past the due moment, so the transition is due when we look again.
        await self.signal.wait(future, min(until, due + 0.001) - self.clock())

    # --- internals ------------------------------------------------------------------------------------------

    def _new_run(self, request: RunRequest, group: GroupRecord | None) -> RunRecord:
        now = self.clock()
        self._seq += 1
        model = request.model
        enabled = model.enable_events if model.enable_events is not None else events_on_by_default(model.processor)
        record = RunRecord(
            run_id=new_id("trun"),
            seq=self._seq,
            request=request.wire,
            processor=model.processor,
            taskgroup_id=group.taskgroup_id if group is not None else None,
            created_at=now,
            started_at=now + self.schedule.queued,
            finished_at=now + self.schedule.queued + self.schedule.running,
            modified_at=now,
            warnings=list(request.warnings),
            events_enabled=bool(enabled),
        )
        script = self._script_for(model)
        if script is not None:
            if script.error is not None:
                record.failure = script.error
            else:
                record.scripted = script.output()
        self._runs[record.run_id] = record
        self._schedule(record)
        if group is not None:
            group.run_ids.append(record.run_id)
            group.counts["queued"] = group.counts.get("queued", 0) + 1
        return record

    def _script_for(self, run: TaskRunInput) -> Script | None:
        for script in reversed(self._scripts):
            if script.matches(run):
                if script.times is not None:
                    script.times -= 1
                return script
        return None

    def _schedule(self, record: RunRecord) -> None:
        for moment in (record.started_at, record.finished_at):
            if math.isfinite(moment):
                heapq.heappush(self._due, (moment, record.seq, record.run_id))

    def _finish_now(self, run_id: str, failure: str | None) -> None:
        with self._lock:
            self._advance_locked()
            record = self._runs[run_id]
            if record.status in TERMINAL_STATUSES:
                return
            now = self.clock()
            if failure is not None:
                record.failure = failure
            record.started_at = min(record.started_at, now)
            record.finished_at = now
            self._schedule(record)
            self._advance_locked()

    def _advance_locked(self) -> None:
        now = self.clock()
        changed: list[RunRecord] = []
        groups: dict[str, GroupRecord] = {}
        events: list[tuple[str, int, dict[str, Any]]] = []
        while self._due and self._due[0][0] <= now:
            moment, _, run_id = heapq.heappop(self._due)
            record = self._runs.get(run_id)
            if record is None:
                continue
            status = record.status_at(moment)
            if status == record.status:
                continue
            group = self._groups.get(record.taskgroup_id) if record.taskgroup_id else None
            if group is not None:
                group.counts[record.status] -= 1
                if not group.counts[record.status]:
                    del group.counts[record.status]
                group.counts[status] = group.counts.get(status, 0) + 1
                group.modified_at = moment
                groups[group.taskgroup_id] = group
            record.status = status
            record.modified_at = moment
            if status == "failed":
                record.error = {"ref_id": new_ref_id(), "message": record.failure, "detail": None}
            changed.append(record)
            if group is not None and status in TERMINAL_STATUSES:
                events.append(
                    self._append(group, {"type": "task_run.state", "run": record.wire(), "input": None, "output": None})
                )
        if not changed:
            return
        events += [self._append_status(group) for group in groups.values()]
        self._commit(runs=changed, groups=groups.values(), events=events)

    def _append(self, group: GroupRecord, event: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
        number = len(group.events) + 1
        event = {"type": event["type"], "event_id": str(number), **event}
        group.events.append(event)
        return group.taskgroup_id, number, event

    def _append_status(self, group: GroupRecord) -> tuple[str, int, dict[str, Any]]:
        return self._append(group, {"type": "task_group_status", "status": group.status().model_dump(mode="json")})

    def _group_view(self, group: GroupRecord) -> TaskGroup:
        return TaskGroup(
            taskgroup_id=group.taskgroup_id,
            status=group.status(),
            metadata=group.metadata,
            created_at=timestamp(group.created_at),
        )

    def _synthesize(self, run: TaskRunInput) -> dict[str, Any]:
        from .synth import synthesize

        plan = output_plan(run)
        # Synthesis is deterministic, and tests often repeat an input: keep the recent answers.
        key = json.dumps([run.input, plan.schema, plan.description], sort_keys=True, default=str)
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None:
                self._answers.move_to_end(key)
                return cached
        synthesis = synthesize(self.corpus, run.input, plan.schema, text_description=plan.description)
        output = synthesis.output()
        if plan.auto and isinstance(output, TaskRunJsonOutput):
            output = output.model_copy(update={"output_schema": plan.schema})
        answer = output.model_dump(mode="json")
        with self._lock:
            self._answers[key] = answer
            if len(self._answers) > _ANSWER_CACHE_SIZE:
                self._answers.popitem(last=False)
        return answer

    def _commit(
        self,
        *,
        runs: Sequence[RunRecord] = (),
        groups: Iterable[GroupRecord] = (),
        events: Sequence[tuple[str, int, dict[str, Any]]] = (),
    ) -> None:
        self._save(runs=runs, groups=groups, events=events)
        self._changed()

    def _save(
        self,
        *,
        runs: Sequence[RunRecord] = (),
        groups: Iterable[GroupRecord] = (),
        events: Sequence[tuple[str, int, dict[str, Any]]] = (),
    ) -> None:
        if self._store is not None:
            self._store.save(runs=[asdict(r) for r in runs], groups=[g.document() for g in groups], events=events)

    def _changed(self) -> None:
        self.version += 1
        self.signal.notify()

    def _load(self, store: StateStore) -> None:
        runs, groups, events = store.load()
        for doc in runs:
            record = RunRecord(**doc)
            self._runs[record.run_id] = record
            self._seq = max(self._seq, record.seq)
            if record.status not in TERMINAL_STATUSES:
                self._schedule(record)
        for doc in groups:
            group = GroupRecord(**doc, events=events.get(doc["taskgroup_id"], []))
            self._groups[group.taskgroup_id] = group
