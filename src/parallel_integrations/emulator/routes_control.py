"""Control routes under ``/_emulator`` (no API key needed; never faulted), for driving an emulator that runs
in another process (``python -m parallel_integrations.emulator``). In-process, :class:`RunningEmulator` offers
the same as methods.

==========================================  ======================================================================
``GET /_emulator/health``                   ``{"ok": true}``
``POST /_emulator/reset``                   forget runs, groups, events, scripts, faults, the request log
``POST /_emulator/scripts``                 body: :class:`Script` fields ``{"input", "content" | "error",
                                            "basis", "processor", "times"}``
``GET|POST|DELETE /_emulator/faults``       list / add (body: :class:`Fault` fields) / clear faults
``POST /_emulator/schedule``                body ``{"queued": s, "running": s}`` for runs created from now on
``GET /_emulator/runs``                     ``{"runs": [{"run": TaskRun, "input": TaskRunInput}]}``
``POST /_emulator/runs/{run_id}/complete``  finish a run now
``POST /_emulator/runs/{run_id}/fail``      fail a run now; body ``{"message": "..."}`` (optional)
``GET /_emulator/requests``                 the request log: ``{"requests": [{method, path, query, headers,
                                            status, fault}]}``
==========================================  ======================================================================
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .engine import Schedule
from .faults import Fault
from .handlers import Context, endpoint, json_body, json_response
from .scripts import Script
from .wire import ApiError

__all__ = ["control_routes"]

T = TypeVar("T")
_OK = {"ok": True}


def _build(factory: Callable[..., T], body: Any, what: str) -> T:
    if not isinstance(body, dict):
        raise ApiError(422, f"{what}: the body must be a JSON object")
    try:
        return factory(**body)
    except (TypeError, ValueError) as exc:
        raise ApiError(422, f"{what}: {exc}") from None


def control_routes(ctx: Context) -> list[Route]:
    """The ``/_emulator`` routes, bound to ``ctx``."""
    engine = ctx.engine

    async def health(request: Request) -> Response:
        return json_response(_OK)

    async def reset(request: Request) -> Response:
        engine.reset()
        ctx.faults.clear()
        ctx.log.clear()
        return json_response(_OK)

    @endpoint()
    async def add_script(request: Request) -> Response:
        engine.add_script(_build(Script, await json_body(request), "script"))
        return json_response(_OK)

    @endpoint()
    async def faults(request: Request) -> Response:
        if request.method == "POST":
            ctx.faults.add(_build(Fault, await json_body(request), "fault"))
        elif request.method == "DELETE":
            ctx.faults.clear()
        return json_response({"faults": [f.to_dict() for f in ctx.faults.pending()]})

    @endpoint()
    async def schedule(request: Request) -> Response:
        engine.set_schedule(_build(Schedule, await json_body(request), "schedule"))
        return json_response(_OK)

    async def runs(request: Request) -> Response:
        listed = [{"run": r.wire(), "input": engine.run_input(r)} for r in engine.runs()]
        return json_response({"runs": listed})

    @endpoint()
    async def complete(request: Request) -> Response:
        try:
            engine.complete_run(request.path_params["run_id"])
        except KeyError:
            raise ApiError(404, "Run id not found") from None
        return json_response(_OK)

    @endpoint()
    async def fail(request: Request) -> Response:
        body = await json_body(request, empty={})
        message = body.get("message") if isinstance(body, dict) else None
        try:
            engine.fail_run(request.path_params["run_id"], str(message or "Run failed (emulator)"))
        except KeyError:
            raise ApiError(404, "Run id not found") from None
        return json_response(_OK)

    async def requests(request: Request) -> Response:
        return json_response({"requests": [dataclasses.asdict(r) for r in ctx.log.records()]})

    return [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/scripts", add_script, methods=["POST"]),
        Route("/_emulator/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/schedule", schedule, methods=["POST"]),
        Route("/_emulator/runs", runs, methods=["GET"]),
        Route("/_emulator/runs/{run_id}/complete", complete, methods=["POST"]),
        Route("/_emulator/runs/{run_id}/fail", fail, methods=["POST"]),
        Route("/_emulator/requests", requests, methods=["GET"]),
    ]
