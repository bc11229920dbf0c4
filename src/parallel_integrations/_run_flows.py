"""The task-run flows: a run's input checked into its wire model, its creation (never re-sent once it may have
reached the server), reading it back, and the long poll for its result.

Each flow is a function of the :class:`Core` it sends through (``create_run(core, run, betas)``), written once
for sync and async like every flow (see ``_core.py``); the resources in ``_runs.py`` hand them to their driver.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from . import _limits, _validate
from ._core import Ambiguous, Core, betas_for, build_model, url_id
from ._effects import Flow
from ._errors import (
    NotFoundError,
    RequestTimeoutError,
    RunCreationUncertainError,
    TaskRunFailedError,
    TaskRunTimeoutError,
)
from ._models import TaskRun, TaskRunInput, TaskRunResult, TaskSpec

__all__ = [
    "MAX_SERVER_WAIT",
    "POLL_READ_MARGIN",
    "check_task_spec",
    "create_run",
    "retrieve_input",
    "retrieve_run",
    "run_input",
    "wait_result",
]

logger = logging.getLogger("parallel_integrations")

MAX_SERVER_WAIT = 600
"""The longest single ``/result`` long poll we ask the server for (its documented default)."""
POLL_READ_MARGIN = 30.0
"""Extra read timeout on a long poll beyond the wait asked of the server, so the server's 408 arrives first."""


def check_task_spec(spec: TaskSpec | None, field: str) -> None:
    """Refuse a JSON output or input schema that the API's schema rules would reject."""
    if spec is None:
        return
    from ._schema import check_schema

    for name in ("output_schema", "input_schema"):
        part = getattr(spec, name)
        schema = getattr(part, "json_schema", None)
        if schema is not None:
            check_schema(schema, field=f"{field}.{name}.json_schema")


def run_input(fields: TaskRunInput | Mapping[str, Any], field: str = "") -> TaskRunInput:
    """A validated :class:`TaskRunInput` from a model, keyword arguments or a mapping, limits checked."""
    _validate.run_fields(fields, field)
    data = fields if isinstance(fields, TaskRunInput) else {k: v for k, v in fields.items() if v is not None}
    if isinstance(data, dict) and isinstance(data.get("input"), BaseModel):
        data["input"] = data["input"].model_dump(mode="json")
    run = build_model(TaskRunInput, data, field)
    _limits.check_run_input(run.to_wire(), field)
    check_task_spec(run.task_spec, f"{field}.task_spec" if field else "task_spec")
    return run


def create_run(core: Core, run: TaskRunInput, betas: Sequence[str] | None) -> Flow[TaskRun]:
    """``POST /v1/tasks/runs``. Never silently re-sent once it may have reached the server."""
    try:
        created = yield from core.request(
            "POST",
            "/v1/tasks/runs",
            TaskRun.model_validate_json,
            body=run.to_wire(),
            betas=betas_for([run], betas),
            creation=True,
        )
    except Ambiguous as ambiguous:
        raise RunCreationUncertainError(run, ambiguous.cause) from ambiguous.cause
    logger.info("created task run %s (processor %s)", created.run_id, run.processor)
    return created


def retrieve_run(core: Core, run_id: str) -> Flow[TaskRun]:
    """``GET /v1/tasks/runs/{run_id}``."""
    return (yield from core.request("GET", f"/v1/tasks/runs/{url_id(run_id)}", TaskRun.model_validate_json))


def retrieve_input(core: Core, run_id: str) -> Flow[TaskRunInput]:
    """``GET /v1/tasks/runs/{run_id}/input``."""
    path = f"/v1/tasks/runs/{url_id(run_id)}/input"
    return (yield from core.request("GET", path, TaskRunInput.model_validate_json))


def wait_result(core: Core, run_id: str, timeout: float | None, betas: Sequence[str] | None) -> Flow[TaskRunResult]:
    """Long-poll ``/result`` until the run ends or ``timeout`` seconds pass (``None``: no deadline).

    A 408 re-issues the poll; a 404 is told apart by the run's status: failed or cancelled raises
    :class:`TaskRunFailedError`, an unknown id :class:`NotFoundError`."""
    run_id = url_id(run_id)
    start = core.hooks.clock()
    while True:
        wait = MAX_SERVER_WAIT
        if timeout is not None:
            remaining = start + timeout - core.hooks.clock()
            if remaining <= 0:
                raise TaskRunTimeoutError(run_id, core.hooks.clock() - start)
            wait = max(1, min(MAX_SERVER_WAIT, math.ceil(remaining)))
        try:
            return (
                yield from core.request(
                    "GET",
                    f"/v1/tasks/runs/{run_id}/result",
                    TaskRunResult.model_validate_json,
                    params={"timeout": wait},
                    betas=list(betas or ()),
                    read_timeout=wait + POLL_READ_MARGIN,
                    long_poll=True,
                )
            )
        except RequestTimeoutError:
            continue
        except NotFoundError:
            run = yield from retrieve_run(core, run_id)
            if run.status in ("failed", "cancelled"):
                raise TaskRunFailedError(run) from None
            if not run.is_active:
                raise
