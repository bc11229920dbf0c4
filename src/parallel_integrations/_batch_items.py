"""What a batch hands back: :class:`BatchItem` per input and :class:`BatchProgress` reports. The runner that
produces them (``_batch.py``) is imported on the first ``run_batch``, so a program that never runs a batch does
not load it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeAlias, TypeVar

from pydantic import BaseModel

from ._errors import ParallelError
from ._models import ParsedTaskRunResult, TaskRunInput

__all__ = ["BatchInput", "BatchItem", "BatchProgress"]

T = TypeVar("T")
BatchInput: TypeAlias = str | Mapping[str, Any] | BaseModel | TaskRunInput
"""A string, a mapping or a pydantic instance is a run's input; a :class:`TaskRunInput` brings its own processor
and task spec."""


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a batch stands: runs submitted so far, and how many ended completed or failed."""

    taskgroup_id: str
    submitted: int
    completed: int
    failed: int

    @property
    def pending(self) -> int:
        """Runs submitted but not yet delivered."""
        return self.submitted - self.completed - self.failed


@dataclass(frozen=True, slots=True)
class BatchItem(Generic[T]):
    """One input's outcome. ``index`` is the input's position (for a resumed group: the run's position in it).
    Exactly one of ``result`` and ``error`` is set. As for ``execute``, the output class instance is at
    ``result.output.parsed`` (``None`` when the batch has no output class); ``parsed`` is a shortcut to it."""

    index: int
    run_id: str
    result: ParsedTaskRunResult[T] | None = None
    error: ParallelError | None = None

    @property
    def ok(self) -> bool:
        """Whether the run completed and its output was read."""
        return self.error is None

    @property
    def parsed(self) -> T | None:
        """The output as an instance of the batch's output class (``None`` without one or on error)."""
        return None if self.result is None else self.result.output.parsed

    def unwrap(self) -> ParsedTaskRunResult[T]:
        """The result, or the error raised."""
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result
