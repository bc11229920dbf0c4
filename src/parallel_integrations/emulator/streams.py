"""The three event streams, written as the reference's "Gotchas" prescribe: every event is an ``event:`` line
and one ``data:`` line of JSON, then a blank line; no ``id:`` lines (the cursor travels as ``data.event_id``);
only ``: keepalive`` comments while idle.

- :func:`group_runs_stream`: a finite snapshot of a group's runs in cursor order, then the stream ends.
- :func:`group_events_stream`: the group's event log from the start (or after ``last_event_id``), then live;
  it ends after the final ``task_group_status`` once the group is no longer active, or at its deadline.
- :func:`run_events_stream`: one run's state, progress messages and progress stats, replayed from its start,
  then live, ending with the final ``task_run.state`` (with the output when completed). A run created without
  events enabled (below ``pro``, or ``enable_events: false``) gets only the first and the final state: the
  API documents a reduced event frequency for such runs, not an error.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.responses import StreamingResponse

from .._models import TERMINAL_STATUSES
from .._sse import encode_comment, encode_event
from .engine import Engine
from .records import RunRecord
from .wire import timestamp

__all__ = [
    "StreamSettings",
    "group_events_stream",
    "group_runs_stream",
    "input_text",
    "run_events_stream",
    "sse_response",
]

_KEEPALIVE = encode_comment("keepalive")


@dataclass(frozen=True)
class StreamSettings:
    """Stream timing: keep-alive interval when idle, and the longest a group or run stream stays open."""

    keepalive: float = 5.0
    group_events_lifetime: float = 3600.0
    run_events_lifetime: float = 570.0


def sse_response(events: AsyncIterator[bytes]) -> StreamingResponse:
    """A ``text/event-stream`` response sending each encoded event as it is produced."""
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


def _event(data: dict[str, Any]) -> bytes:
    return encode_event(json.dumps(data, separators=(",", ":"), ensure_ascii=False), event=data["type"])


def input_text(run_input: Any) -> str:
    """A run input as search text: the string itself, or an object's keys and values."""
    if isinstance(run_input, str):
        return run_input
    if isinstance(run_input, dict):
        return " ".join(f"{k} {v}" for k, v in run_input.items())
    return str(run_input)


async def group_runs_stream(
    engine: Engine,
    records: Iterable[tuple[int, RunRecord]],
    *,
    status: str | None,
    include_input: bool,
    include_output: bool,
) -> AsyncIterator[bytes]:
    """One ``task_run.state`` event per run (cursor order), filtered by ``status``; then the end."""
    for cursor, record in records:
        if status is not None and record.status != status:
            continue
        output = await engine.output_async(record) if include_output and record.status == "completed" else None
        yield _event(
            {
                "type": "task_run.state",
                "event_id": str(cursor),
                "run": record.wire(),
                "input": engine.run_input(record) if include_input else None,
                "output": output,
            }
        )


async def group_events_stream(
    engine: Engine, taskgroup_id: str, after: int, until: float, settings: StreamSettings
) -> AsyncIterator[bytes]:
    """The group's events after cursor ``after``, then live ones, until the group is idle or ``until``."""
    position = after
    quiet_since = engine.clock()
    while True:
        version = engine.version
        events, status = engine.group_events(taskgroup_id, position)
        for event in events:
            yield _event(event)
            position += 1
            quiet_since = engine.clock()
        if not status.is_active:
            if position == 0:
                # A group without runs has no events yet; say so once rather than end silently.
                yield _event({"type": "task_group_status", "event_id": "0", "status": status.model_dump(mode="json")})
            return
        now = engine.clock()
        if now >= until or engine.closed:
            return
        if now - quiet_since >= settings.keepalive:
            yield _KEEPALIVE
            quiet_since = now
        await engine.wait_change(version, min(until, quiet_since + settings.keepalive))


async def run_events_stream(
    engine: Engine, run_id: str, until: float, settings: StreamSettings
) -> AsyncIterator[bytes]:
    """The run's timeline (see the module docstring) from the start, then live, until its final state."""
    sent = 0
    quiet_since = engine.clock()
    sources: list[str] | None = None
    while True:
        version = engine.version
        record = engine.get_run(run_id)
        if record is None:  # forgotten by a reset
            return
        now = engine.clock()
        if sources is None and record.events_enabled and now >= record.started_at:
            found = engine.corpus.passages(input_text(record.request.get("input")), limit=10)
            sources = list(dict.fromkeys(page.url for page, _, _ in found))[:5]
        if record.status == "completed":
            await engine.output_async(record)  # ready before the final event is built
        timeline = _timeline(record, sources or [])
        for moment, build in timeline[sent:]:
            if moment > now:
                break
            yield _event(build(engine, record))
            sent += 1
            quiet_since = now
        if sent == len(timeline):
            return
        if now >= until or engine.closed:
            return
        if now - quiet_since >= settings.keepalive:
            yield _KEEPALIVE
            quiet_since = now
        # Progress messages are not engine transitions: wake for the next one too.
        await engine.wait_change(version, min(until, quiet_since + settings.keepalive, timeline[sent][0]))


_Builder = Callable[[Engine, RunRecord], dict[str, Any]]


def _timeline(record: RunRecord, sources: list[str]) -> list[tuple[float, _Builder]]:
    """The run's events with the moment each happens; the last one only once the run is terminal."""
    created = record.created_at
    items: list[tuple[float, _Builder]] = [
        (
            created,
            lambda _e, r: {
                "type": "task_run.state",
                "event_id": None,
                "run": r.wire("queued", created),
                "input": None,
                "output": None,
            },
        ),
    ]
    if record.events_enabled:
        start, span = record.started_at, max(record.finished_at - record.started_at, 0.0)
        first, second = start + span / 3, start + 2 * span / 3
        query = input_text(record.request.get("input"))[:120]
        items += [
            (start, _message("exec_status", f"Run started on the {record.processor} processor", start)),
            (start, _message("plan", f"Planning the research for: {query}", start)),
            (first, _message("search", f"Searching the web for: {query}", first)),
            (first, _stats(len(sources) * 3, 0, [], 33)),
            (second, _message("result", f"Read {len(sources)} sources relevant to the question", second)),
            (second, _stats(len(sources) * 3, len(sources), sources, 67)),
        ]
    if record.status in TERMINAL_STATUSES:
        items.append((record.modified_at, _final))
    else:
        items.append((float("inf"), _final))
    return items


def _message(kind: str, text: str, moment: float) -> _Builder:
    stamp = timestamp(moment)
    return lambda _e, _r: {"type": f"task_run.progress_msg.{kind}", "message": text, "timestamp": stamp}


def _stats(considered: int, read: int, sample: list[str], meter: int) -> _Builder:
    stats = {"num_sources_considered": considered, "num_sources_read": read, "sources_read_sample": sample}
    return lambda _e, _r: {"type": "task_run.progress_stats", "source_stats": stats, "progress_meter": meter}


def _final(engine: Engine, record: RunRecord) -> dict[str, Any]:
    output = engine.output(record) if record.status == "completed" else None
    return {"type": "task_run.state", "event_id": None, "run": record.wire(), "input": None, "output": output}
