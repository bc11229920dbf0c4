"""Waiting for a run's answer with a spinner that shows the run's status and the time spent.

The wait is the client's long poll, re-issued in slices of :data:`SLICE_SECONDS` so the status shown follows
the run (queued, running); no sleeping in between. Ctrl-C stops the wait only: the run goes on server-side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console

    from parallel_integrations import ParallelClient, TaskRun, TaskRunResult

__all__ = ["SLICE_SECONDS", "timeout_option", "wait_for_result"]

SLICE_SECONDS = 10.0


def timeout_option(help: str) -> Callable[[Any], Any]:
    """The ``--timeout SECONDS`` option of a command that waits for a run (a positive number; none: no limit)."""
    return click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS", help=help)


def _status_line(run: TaskRun) -> str:
    return f"Run {run.run_id} ({run.processor or 'processor unknown'}): {run.status}"


def wait_for_result(
    client: ParallelClient, run: TaskRun, console: Console, timeout: float | None = None
) -> TaskRunResult:
    """The run's result, waiting at most ``timeout`` seconds (``None``: as long as the run is active) with a
    progress line on ``console``. Raises what ``client.task_runs.result`` raises (``TaskRunFailedError``,
    ``TaskRunTimeoutError`` once the deadline has passed)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from parallel_integrations import TaskRunTimeoutError

    started = time.monotonic()
    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        line = progress.add_task(_status_line(run))
        while True:
            remaining = None if timeout is None else timeout - (time.monotonic() - started)
            if remaining is not None and remaining <= 0:
                raise TaskRunTimeoutError(run.run_id, time.monotonic() - started)
            wait = SLICE_SECONDS if remaining is None else min(SLICE_SECONDS, remaining)
            try:
                return client.task_runs.result(run.run_id, timeout=wait)
            except TaskRunTimeoutError:
                run = client.task_runs.retrieve(run.run_id)
                progress.update(line, description=_status_line(run))
