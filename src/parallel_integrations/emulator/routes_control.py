"""Control routes under ``/_emulator`` (never faulted, not logged), for driving an emulator that runs in another
process (``python -m parallel_integrations.emulator``); in-process, :class:`RunningEmulator` offers the same as
methods. They need no API key, except on an emulator that listens beyond loopback. :data:`CONTROL_ROUTES` lists
them (``GET /`` shows the list; ``docs/emulator.md`` has each body with an example). A body is checked like an
API body: a 422 names each missing, unknown or mistyped field.
"""

from __future__ import annotations

import dataclasses
from html import escape
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .engine import Schedule
from .faults import Fault
from .handlers import Context, endpoint, json_body, json_response
from .scripts import Script
from .wire import ApiError, errors_from_pydantic

__all__ = ["API_ROUTES", "CONTROL_ROUTES", "LANDING_PAGE", "control_routes", "landing_route"]

T = TypeVar("T")
_OK = {"ok": True}


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(factory: type[Any]) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(factory)
    if adapter is None:
        adapter = _ADAPTERS[factory] = TypeAdapter(factory)
    return adapter


def _build(factory: type[T], body: Any, what: str) -> T:
    """A control object from a request body, checked like an API body: a 422 naming each missing, unknown or
    mistyped field (``{"loc": ["body", "queued"], "msg": "Field required"}``), or the rule it breaks."""
    if not isinstance(body, dict):
        raise ApiError(
            422,
            f"{what}: the body must be a JSON object",
            errors=[{"loc": ["body"], "msg": "Input should be an object", "type": "model_type"}],
        )
    known = {f.name for f in dataclasses.fields(factory)}  # type: ignore[arg-type]
    unknown = [key for key in body if key not in known]
    if unknown:
        errors = [{"loc": ["body", key], "msg": "Unknown field", "type": "extra_forbidden"} for key in unknown]
        raise ApiError(422, f"{what}: unknown field {unknown[0]!r} (fields: {', '.join(sorted(known))})", errors=errors)
    try:
        built: T = _adapter(factory).validate_python(body)
    except ValidationError as exc:
        error = errors_from_pydantic(exc)
        raise ApiError(422, f"{what}: {error.message}", errors=error.errors) from None
    return built


API_ROUTES = (
    ("POST", "/v1/search", "search (also /v1beta/search and /alpha/search)"),
    ("POST", "/v1/tasks/runs", "create a task run (202)"),
    ("GET", "/v1/tasks/runs/{run_id}", "a run's status"),
    ("GET", "/v1/tasks/runs/{run_id}/input", "the input a run was created with"),
    ("GET", "/v1/tasks/runs/{run_id}/result", "long poll for the result (?timeout=seconds, 408 while running)"),
    ("GET", "/v1/tasks/runs/{run_id}/events", "a run's event stream (SSE; also under /v1beta)"),
    ("POST", "/v1/tasks/groups", "create a task group (also under /v1beta)"),
    ("GET", "/v1/tasks/groups/{id}", "a group's status"),
    ("POST", "/v1/tasks/groups/{id}/runs", "add runs to a group"),
    ("GET", "/v1/tasks/groups/{id}/runs", "a group's runs (SSE snapshot)"),
    ("GET", "/v1/tasks/groups/{id}/events", "a group's event stream (SSE)"),
    ("GET", "/v1/tasks/groups/{id}/runs/{run_id}", "one run of a group"),
)
CONTROL_ROUTES = (
    ("GET", "/_emulator/health", "is it up"),
    ("POST", "/_emulator/reset", "forget runs, groups, scripts, faults, the request log"),
    ("POST", "/_emulator/scripts", "script an answer: {input, content | error, basis, processor, times}"),
    ("GET, POST, DELETE", "/_emulator/faults", "list, add ({route, status, ...}), clear faults"),
    ("POST", "/_emulator/schedule", "{queued, running}: seconds for runs created from now on"),
    ("GET", "/_emulator/runs", "every run with its input"),
    ("POST", "/_emulator/runs/{run_id}/complete", "finish a run now"),
    ("POST", "/_emulator/runs/{run_id}/fail", "fail a run now ({message})"),
    ("GET", "/_emulator/requests", "the request log (keys redacted)"),
)


def _rows(routes: tuple[tuple[str, str, str], ...]) -> str:
    return "\n".join(
        f"<tr><td>{escape(m)}</td><td><code>{escape(p)}</code></td><td>{escape(d)}</td></tr>" for m, p, d in routes
    )


LANDING_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parallel API emulator</title></head>
<body>
<h1>Parallel API emulator</h1>
<p>An offline stand-in for the Parallel web research API (parallel-integrations): search answers from a local
corpus, task runs and task groups follow the API's wire format. Point <code>PARALLEL_BASE_URL</code> here; any
non-empty <code>x-api-key</code> is accepted unless the emulator was started with one.</p>
<h2>API routes (need <code>x-api-key</code>)</h2>
<table>{_rows(API_ROUTES)}</table>
<h2>Control routes</h2>
<table>{_rows(CONTROL_ROUTES)}</table>
</body></html>
"""
"""What ``GET /`` answers: what this server is, and its routes."""


def landing_route() -> Route:
    """``GET /``: a short page saying what this server is and listing its routes."""

    async def landing(request: Request) -> Response:
        return HTMLResponse(LANDING_PAGE)

    return Route("/", landing, methods=["GET"])


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
        engine.add_script(_build(Script, await json_body(request, empty={}), "script"))
        return json_response(_OK)

    @endpoint()
    async def faults(request: Request) -> Response:
        if request.method == "POST":
            ctx.faults.add(_build(Fault, await json_body(request, empty={}), "fault"))
        elif request.method == "DELETE":
            ctx.faults.clear()
        return json_response({"faults": [f.to_dict() for f in ctx.faults.pending()]})

    @endpoint()
    async def schedule(request: Request) -> Response:
        engine.set_schedule(_build(Schedule, await json_body(request, empty={}), "schedule"))
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
