"""Task run routes: create (202), retrieve, input, the ``/result`` long poll, and the per-run event stream."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .handlers import Context, endpoint, json_body, json_response, query_number
from .streams import run_events_stream, sse_response
from .validate import validate_run
from .wire import ApiError

__all__ = ["task_routes"]

RUN_NOT_FOUND = "Run id not found"
RESULT_NOT_FOUND = "Run failed or run id not found"
RESULT_TIMEOUT = "Request timed out; run still active"
DEFAULT_RESULT_TIMEOUT = 600
_DISCONNECT_CHECK = 1.0  # how often a long poll looks whether its client went away


def task_routes(ctx: Context) -> list[Route]:
    """The task run routes, bound to ``ctx``."""
    engine = ctx.engine

    @endpoint()
    async def create(request: Request) -> Response:
        run = validate_run(await json_body(request))
        return json_response(engine.create_run(run).wire(), 202)

    @endpoint()
    async def retrieve(request: Request) -> Response:
        record = engine.get_run(request.path_params["run_id"])
        if record is None:
            raise ApiError(404, RUN_NOT_FOUND)
        return json_response(record.wire())

    @endpoint()
    async def retrieve_input(request: Request) -> Response:
        record = engine.get_run(request.path_params["run_id"])
        if record is None:
            raise ApiError(404, RUN_NOT_FOUND)
        return json_response(engine.run_input(record))

    @endpoint()
    async def result(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        timeout = query_number(request, "timeout", DEFAULT_RESULT_TIMEOUT, integer=True)
        assert timeout is not None
        deadline = engine.clock() + timeout
        while True:
            version = engine.version
            record = engine.get_run(run_id)
            if record is None or record.status in ("failed", "cancelled"):
                raise ApiError(404, RESULT_NOT_FOUND)
            if record.status == "completed":
                return json_response({"run": record.wire(), "output": await engine.output_async(record)})
            now = engine.clock()
            if now >= deadline or engine.closed:
                raise ApiError(408, RESULT_TIMEOUT)
            if await request.is_disconnected():
                return Response(status_code=499)  # nobody is listening any more
            await engine.wait_change(version, min(deadline, now + _DISCONNECT_CHECK))

    @endpoint()
    async def events(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        if engine.get_run(run_id) is None:
            raise ApiError(404, RUN_NOT_FOUND)
        until = engine.clock() + ctx.streams.run_events_lifetime
        return sse_response(run_events_stream(engine, run_id, until, ctx.streams))

    return [
        Route("/v1/tasks/runs", create, methods=["POST"]),
        Route("/v1/tasks/runs/{run_id}", retrieve, methods=["GET"]),
        Route("/v1/tasks/runs/{run_id}/input", retrieve_input, methods=["GET"]),
        Route("/v1/tasks/runs/{run_id}/result", result, methods=["GET"]),
        Route("/v1/tasks/runs/{run_id}/events", events, methods=["GET"]),
        Route("/v1beta/tasks/runs/{run_id}/events", events, methods=["GET"]),
    ]
