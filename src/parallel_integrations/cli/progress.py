"""The batch's progress bar: runs submitted, running, completed and failed, with the group id to keep."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from parallel_integrations import BatchProgress

__all__ = ["BatchDisplay"]


class BatchDisplay:
    """A rich progress bar over ``total`` inputs; :meth:`update` is the batch's ``on_progress`` hook."""

    def __init__(self, console: Console, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.total = total
        self.last: BatchProgress | None = None
        self._announced: str | None = None
        self._progress: Progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}", markup=False),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: TaskID = self._progress.add_task("starting", total=total, counts="")

    def __enter__(self) -> BatchDisplay:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def note(self, text: str) -> None:
        """Show what is happening now (creating the group, submitting...)."""
        self._progress.update(self._task, description=text)

    def group(self, taskgroup_id: str, resumed: bool) -> None:
        """Name the group once, above the bar: it is what finds the runs again."""
        if self._announced != taskgroup_id:
            self._announced = taskgroup_id
            self._progress.console.print(f"{'Resuming' if resumed else 'Created'} task group {taskgroup_id}")

    def update(self, state: BatchProgress) -> None:
        """Show where the batch stands."""
        self.last = state
        counts = (
            f"submitted {state.submitted} · running {state.pending} · "
            f"completed {state.completed} · failed {state.failed}"
        )
        ended = state.completed + state.failed
        self._progress.update(self._task, description="runs", completed=ended, counts=counts)
