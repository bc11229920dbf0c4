"""Task group routes, served at both ``/v1beta/tasks/groups`` (the seed's paths) and ``/v1/tasks/groups``.

422 answers here use FastAPI's shape ``{"detail": [{loc, msg, type}]}``, as the API's group endpoints do; other
errors use the usual ``ErrorResponse``. An invalid processor inside ``add_runs`` is a 422 naming
``["body", "inputs", i, "processor"]`` (the 403 is documented for single run creation only).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._limits import check_metadata, check_runs_count
from .._models import RunStatus
from .handlers import Context, endpoint, json_body, json_response, query_bool, query_cursor, query_number
from .streams import group_events_stream, group_runs_stream, sse_response
from .validate import RunRequest, validate_run, validate_task_spec
from .wire import ApiError

__all__ = ["group_routes"]

GROUP_NOT_FOUND = "TaskGroup not found"
RUN_NOT_FOUND = "Run id not found"
_STATUSES: tuple[RunStatus, ...] = (
    "queued", "action_required", "running", "completed", "failed", "cancelling", "cancelled",
)  # fmt: skip


def _object_body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(
            422,
            "body: must be a JSON object",
            errors=[{"loc": ["body"], "msg": "Input should be an object", "type": "model_type"}],
        )
    return body


def _parse_runs(body: dict[str, Any]) -> list[RunRequest]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        kind, msg = ("missing", "Field required") if inputs is None else ("list_type", "Input should be a list")
        raise ApiError(422, f"inputs: {msg}", errors=[{"loc": ["body", "inputs"], "msg": msg, "type": kind}])
    check_runs_count(len(inputs))
    default = body.get("default_task_spec")
    if default is not None:
        validate_task_spec(default, "default_task_spec")
    runs: list[RunRequest] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(inputs):
        try:
            runs.append(validate_run(item, field=f"inputs[{i}]", default_spec=default, in_group=True))
        except ApiError as error:
            errors += error.errors
    if errors:
        raise ApiError(422, f"{len(errors)} invalid input(s)", errors=errors)
    return runs


def group_routes(ctx: Context) -> list[Route]:
    """The group routes under both prefixes, bound to ``ctx``."""
    engine = ctx.engine

    @endpoint(fastapi_422=True)
    async def create(request: Request) -> Response:
        body = _object_body(await json_body(request, empty={}))
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise ApiError(
                422,
                "metadata: must be an object",
                errors=[
                    {"loc": ["body", "metadata"], "msg": "Input should be a valid dictionary", "type": "dict_type"}
                ],
            )
        check_metadata(metadata)
        return json_response(engine.create_group(metadata).model_dump(mode="json"))

    @endpoint(fastapi_422=True)
    async def retrieve(request: Request) -> Response:
        group = engine.group(request.path_params["taskgroup_id"])
        if group is None:
            raise ApiError(404, GROUP_NOT_FOUND)
        return json_response(group.model_dump(mode="json"))

    @endpoint(fastapi_422=True)
    async def add_runs(request: Request) -> Response:
        query_bool(request, "refresh_status", True)  # accepted; the status is always fresh here
        runs = _parse_runs(_object_body(await json_body(request)))
        try:
            run_ids, run_cursor, event_cursor, status = engine.add_runs(request.path_params["taskgroup_id"], runs)
        except KeyError:
            raise ApiError(404, GROUP_NOT_FOUND) from None
        body = {
            "status": status.model_dump(mode="json"),
            "run_ids": run_ids,
            "run_cursor": run_cursor,
            "event_cursor": event_cursor,
        }
        return json_response(body)

    @endpoint(fastapi_422=True)
    async def get_runs(request: Request) -> Response:
        status = request.query_params.get("status") or None
        if status is not None and status not in _STATUSES:
            msg = f"Input should be one of {', '.join(_STATUSES)}"
            raise ApiError(422, f"status: {msg}", errors=[{"loc": ["query", "status"], "msg": msg, "type": "enum"}])
        include_input = query_bool(request, "include_input")
        include_output = query_bool(request, "include_output")
        records = engine.group_runs(request.path_params["taskgroup_id"], query_cursor(request))
        if records is None:
            raise ApiError(404, GROUP_NOT_FOUND)
        stream = group_runs_stream(
            engine, records, status=status, include_input=include_input, include_output=include_output
        )
        return sse_response(stream)

    @endpoint(fastapi_422=True)
    async def events(request: Request) -> Response:
        taskgroup_id = request.path_params["taskgroup_id"]
        after = query_cursor(request)
        lifetime = ctx.streams.group_events_lifetime
        timeout = query_number(request, "timeout", None, integer=False)
        if engine.group(taskgroup_id) is None:
            raise ApiError(404, GROUP_NOT_FOUND)
        until = engine.clock() + (lifetime if timeout is None else min(timeout, lifetime))
        return sse_response(group_events_stream(engine, taskgroup_id, after, until, ctx.streams))

    @endpoint(fastapi_422=True)
    async def retrieve_run(request: Request) -> Response:
        taskgroup_id = request.path_params["taskgroup_id"]
        if engine.group(taskgroup_id) is None:
            raise ApiError(404, GROUP_NOT_FOUND)
        record = engine.get_run(request.path_params["run_id"])
        if record is None or record.taskgroup_id != taskgroup_id:
            raise ApiError(404, RUN_NOT_FOUND)
        return json_response(record.wire())

    routes: list[Route] = []
    for prefix in ("/v1beta/tasks/groups", "/v1/tasks/groups"):
        routes += [
            Route(prefix, create, methods=["POST"]),
            Route(prefix + "/{taskgroup_id}", retrieve, methods=["GET"]),
            Route(prefix + "/{taskgroup_id}/runs", add_runs, methods=["POST"]),
            Route(prefix + "/{taskgroup_id}/runs", get_runs, methods=["GET"]),
            Route(prefix + "/{taskgroup_id}/events", events, methods=["GET"]),
            Route(prefix + "/{taskgroup_id}/runs/{run_id}", retrieve_run, methods=["GET"]),
        ]
    return routes
