"""The task-group flows: creating a group, reading it and its runs back, and adding runs in requests of at most
1,000, reconciled through the group's run count when a request may have landed (so runs are never duplicated).

Each flow is a function of the :class:`Core` it sends through (``add_runs(core, ...)``), written once for sync
and async like every flow (see ``_core.py``); the resources in ``_groups.py`` and the batch runner in
``_batch.py`` hand them to their driver. The group's event streams are the core's (``Core.group_events``,
``Core.group_runs``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import _limits
from ._core import Ambiguous, Core, betas_for, url_id
from ._effects import Flow, Sleep, consume
from ._errors import APIResponseValidationError, ParallelError, ParallelValidationError, RunCreationUncertainError
from ._models import TaskGroup, TaskGroupRunResponse, TaskRun, TaskRunInput, TaskSpec
from ._retry import decide
from ._run_flows import check_task_spec, run_input

__all__ = ["add_runs", "create_group", "group_inputs", "retrieve_group", "retrieve_group_run"]

logger = logging.getLogger("parallel_integrations")


def create_group(core: Core, metadata: Mapping[str, Any] | None) -> Flow[TaskGroup]:
    """``POST /v1beta/tasks/groups``. An empty group costs nothing, so a failed creation is retried like a read;
    a retry after a failure the server may have acted on (a 5xx, a connection cut once the request was sent) may
    leave one empty group behind (the API can neither list nor delete groups), and a WARNING says so."""
    _limits.check_metadata(metadata)
    body = {"metadata": dict(metadata)} if metadata else {}
    group = yield from core.request(
        "POST", core.group_path(), TaskGroup.model_validate_json, body=body, leftover="an empty task group"
    )
    logger.info("created task group %s", group.taskgroup_id)
    return group


def retrieve_group(core: Core, taskgroup_id: str) -> Flow[TaskGroup]:
    """``GET /v1beta/tasks/groups/{taskgroup_id}``."""
    return (yield from core.request("GET", core.group_path(taskgroup_id), TaskGroup.model_validate_json))


def retrieve_group_run(core: Core, taskgroup_id: str, run_id: str) -> Flow[TaskRun]:
    """``GET /v1beta/tasks/groups/{taskgroup_id}/runs/{run_id}``."""
    path = core.group_path(taskgroup_id, f"/runs/{url_id(run_id)}")
    return (yield from core.request("GET", path, TaskRun.model_validate_json))


def group_inputs(inputs: Iterable[TaskRunInput | Mapping[str, Any]], start: int = 0) -> list[TaskRunInput]:
    """Validate every run input of an add-runs call before anything is sent. ``start`` is the position of the
    first of them among all the caller's inputs (a batch validates 1,000 at a time), so errors name the
    caller's index."""
    runs = [run_input(item, f"inputs[{i}]") for i, item in enumerate(inputs, start)]
    if not runs:
        raise ParallelValidationError("inputs", "at least one input is required", limit=1)
    return runs


def add_runs(
    core: Core,
    taskgroup_id: str,
    runs: list[TaskRunInput],
    default_task_spec: TaskSpec | None,
    betas: Sequence[str] | None,
    known_count: int | None = None,
) -> Flow[TaskGroupRunResponse]:
    """Add runs in requests of at most 1,000, each carrying the default spec; run ids come back in input order.

    A request that fails after it may have reached the server, or succeeds with a body that does not parse, is
    reconciled through the group's run count: resent if the runs did not land, their ids collected if they did,
    never blindly duplicated."""
    check_task_spec(default_task_spec, "default_task_spec")
    spec_wire = default_task_spec.to_wire() if default_task_spec is not None else None
    header = betas_for(runs, betas)
    if known_count is None:
        known_count = (yield from retrieve_group(core, taskgroup_id)).status.num_task_runs
    run_ids: list[str] = []
    first: TaskGroupRunResponse | None = None
    last: TaskGroupRunResponse | None = None
    for start in range(0, len(runs), _limits.RUNS_PER_ADD_MAX):
        chunk = runs[start : start + _limits.RUNS_PER_ADD_MAX]
        body: dict[str, Any] = {"inputs": [run.to_wire() for run in chunk]}
        if spec_wire is not None:
            body["default_task_spec"] = spec_wire
        last = yield from _add_chunk(core, taskgroup_id, chunk, body, header, known_count)
        first = first or last
        run_ids.extend(last.run_ids)
        known_count = max(known_count + len(chunk), last.status.num_task_runs)
    assert first is not None
    assert last is not None
    return TaskGroupRunResponse(
        status=last.status, run_ids=run_ids, run_cursor=first.run_cursor, event_cursor=first.event_cursor
    )


def _add_chunk(
    core: Core, taskgroup_id: str, chunk: list[TaskRunInput], body: Any, betas: Sequence[str], known_count: int
) -> Flow[TaskGroupRunResponse]:
    path = core.group_path(taskgroup_id, "/runs")
    resends = 0
    while True:
        try:
            added = yield from core.request(
                "POST", path, TaskGroupRunResponse.model_validate_json, body=body, betas=betas, creation=True
            )
        except Ambiguous as ambiguous:
            cause = ambiguous.cause
        except APIResponseValidationError as broken:
            cause = broken  # a success whose body did not arrive whole: the runs landed, their ids are read back
        else:
            _log_added(taskgroup_id, added.run_ids)
            return added
        # The request may have landed: the group's run count tells. If that cannot be read either, what was
        # sent is handed back rather than a connection error that invites a resubmit.
        try:
            now = (yield from retrieve_group(core, taskgroup_id)).status.num_task_runs
            if now == known_count + len(chunk):
                run_ids = yield from _run_ids_after(core, taskgroup_id, known_count, len(chunk))
                group = yield from retrieve_group(core, taskgroup_id)
                _log_added(taskgroup_id, run_ids)
                return TaskGroupRunResponse(status=group.status, run_ids=run_ids)
        except ParallelError as unreachable:
            raise RunCreationUncertainError(list(chunk), cause) from unreachable
        decision = decide(cause, resends, max_retries=core.config.max_retries, policy=core.policy, rand=core.hooks.rand)
        if now != known_count or decision.action != "retry":
            raise RunCreationUncertainError(list(chunk), cause) from cause
        logger.info(
            "re-sending %d runs to %s in %.2f s: they did not land (%s)",
            len(chunk),
            taskgroup_id,
            decision.delay,
            decision.reason,
        )
        yield Sleep(decision.delay)
        resends += 1


def _run_ids_after(core: Core, taskgroup_id: str, skip: int, count: int) -> Flow[list[str]]:
    """The ids of runs ``skip`` to ``skip + count`` of a group, in the order they were added."""
    ids: list[str] = []
    position = 0

    def take(event: Any) -> None:
        nonlocal position
        run = getattr(event, "run", None)
        if run is not None:
            if skip <= position < skip + count:
                ids.append(run.run_id)
            position += 1

    yield from consume(core.group_runs(taskgroup_id), take)
    return ids


def _log_added(taskgroup_id: str, run_ids: Sequence[str]) -> None:
    if run_ids and logger.isEnabledFor(logging.INFO):
        logger.info("added %d runs to %s: %s", len(run_ids), taskgroup_id, " ".join(run_ids))
