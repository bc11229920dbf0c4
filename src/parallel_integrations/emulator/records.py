"""The documents the engine keeps (and the state file stores): one per run and one per task group."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, cast

from .._models import (
    ACTIVE_STATUSES,
    TERMINAL_STATUSES,
    ErrorObject,
    RunStatus,
    TaskGroupStatus,
    TaskRun,
)
from .wire import timestamp

__all__ = ["GroupRecord", "RunRecord"]


@dataclass
class RunRecord:
    """Everything the emulator keeps about one run (a JSON document in the state file)."""

    run_id: str
    seq: int
    request: dict[str, Any]
    processor: str
    taskgroup_id: str | None
    created_at: float
    started_at: float
    finished_at: float
    status: str = "queued"
    modified_at: float = 0.0
    warnings: list[dict[str, Any]] = field(default_factory=list)
    events_enabled: bool = False
    failure: str | None = None
    scripted: dict[str, Any] | None = None
    output: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    def status_at(self, moment: float) -> str:
        """The status the schedule gives this run at ``moment``."""
        if self.status in TERMINAL_STATUSES:
            return self.status
        if moment >= self.finished_at:
            return "failed" if self.failure is not None else "completed"
        return "running" if moment >= self.started_at else "queued"

    def view(self, status: str | None = None, modified_at: float | None = None) -> TaskRun:
        """The wire ``TaskRun`` (optionally as it was at an earlier status)."""
        status = status or self.status
        return TaskRun(
            run_id=self.run_id,
            interaction_id=self.run_id,
            status=cast(RunStatus, status),
            is_active=status in ACTIVE_STATUSES,
            processor=self.processor,
            warnings=self.warnings or None,
            error=ErrorObject.model_validate(self.error) if status == "failed" and self.error else None,
            metadata=self.request.get("metadata"),
            taskgroup_id=self.taskgroup_id,
            created_at=timestamp(self.created_at),
            modified_at=timestamp(self.modified_at if modified_at is None else modified_at),
        )

    def wire(self, status: str | None = None, modified_at: float | None = None) -> dict[str, Any]:
        """:meth:`view` as a JSON-ready dict, every field present (``null`` where empty) as the API sends."""
        return self.view(status, modified_at).model_dump(mode="json")


@dataclass
class GroupRecord:
    taskgroup_id: str
    metadata: dict[str, Any] | None
    created_at: float
    modified_at: float
    run_ids: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def status(self) -> TaskGroupStatus:
        """The aggregated status: counts per run status (non-zero only); active while any run is."""
        return TaskGroupStatus(
            num_task_runs=len(self.run_ids),
            task_run_status_counts=dict(self.counts),
            is_active=any(self.counts.get(s) for s in ACTIVE_STATUSES),
            status_message=None,
            modified_at=timestamp(self.modified_at),
        )

    def document(self) -> dict[str, Any]:
        """The stored form (events are stored apart, one row each)."""
        doc = asdict(self)
        del doc["events"]
        return doc
