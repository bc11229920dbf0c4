"""The emulator as an ASGI application: :func:`create_app` builds it.

Every request passes, in order: the body size limit (413, :mod:`.guard`), the request log, the fault plan
(:mod:`.faults`), the API key check (401), and the routes: search (:mod:`.routes_search`), task runs
(:mod:`.routes_tasks`), task groups at both prefixes (:mod:`.routes_groups`). ``GET /`` (a page saying what
this is) and the ``/_emulator`` control routes (:mod:`.routes_control`) take no faults and are not logged; they
need no key, except on an emulator that listens beyond loopback (``protect_all_routes``), where every route
needs it. Unknown paths answer 404 and wrong methods 405, both as ``ErrorResponse`` bodies.
"""

from __future__ import annotations

import functools
import hmac
import os
import sys
import time
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .._errors import ParallelValidationError
from .engine import Engine, Schedule
from .faults import run_with_fault
from .guard import MAX_BODY_BYTES, BodyTooLarge, declared_length, limit_body
from .handlers import Context, json_response, render_error
from .routes_control import control_routes, landing_route
from .routes_groups import group_routes
from .routes_search import search_routes
from .routes_tasks import task_routes
from .streams import StreamSettings
from .traffic import RequestRecord, redact
from .wire import error_body

if TYPE_CHECKING:
    from .corpus import Corpus

__all__ = ["EmulatorApp", "create_app"]

UNAUTHORIZED = "Unauthorized: invalid or missing credentials"
CONTROL_PREFIX = "/_emulator"


class EmulatorApp(Starlette):
    """The emulator's Starlette application. ``context`` holds its engine (runs, groups, scripts), fault plan,
    stream settings and request log; :class:`~.server.RunningEmulator` drives them from Python."""

    def __init__(
        self,
        context: Context,
        api_key: str | None = None,
        *,
        protect_all_routes: bool = False,
        max_body_bytes: int = MAX_BODY_BYTES,
        log_requests: bool = False,
    ) -> None:
        self.context = context
        self._api_key = api_key
        self._protect_all = protect_all_routes
        self._max_body = max_body_bytes
        self._print_requests = log_requests
        super().__init__(
            routes=[
                landing_route(),
                *search_routes(context),
                *task_routes(context),
                *group_routes(context),
                *control_routes(context),
            ],
            exception_handlers={HTTPException: _http_error},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        started = time.perf_counter()
        status: list[int] = []

        async def send_seen(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self._serve(scope, limit_body(receive, self._max_body), send_seen, send)
        finally:
            if self._print_requests:
                elapsed = (time.perf_counter() - started) * 1000
                answered = status[0] if status else "-"
                print(f"{scope['method']} {scope['path']} {answered} {elapsed:.1f} ms", file=sys.stdout, flush=True)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, raw_send: Send) -> None:
        declared = declared_length(scope.get("headers", []))
        if declared is not None and declared > self._max_body:
            await render_error(BodyTooLarge(self._max_body))(scope, receive, send)
            return
        path = scope["path"]
        if path == "/" or path.startswith(CONTROL_PREFIX):
            if self._protect_all and not self._key_ok(scope):
                await json_response(error_body(UNAUTHORIZED), 401)(scope, receive, send)
                return
            await super().__call__(scope, receive, send)
            return
        record = RequestRecord(
            method=scope["method"],
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=redact(scope.get("headers", [])),
        )
        self.context.log.add(record)

        async def send_logged(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            await send(message)

        fault = self.context.faults.take(record.method, record.path)
        if fault is None:
            await self._authorized(scope, receive, send_logged)
            return
        record.fault = fault.route
        await run_with_fault(fault, self._authorized, scope, receive, send_logged, raw_send=raw_send)

    def _key_ok(self, scope: Scope) -> bool:
        key = dict(scope.get("headers", [])).get(b"x-api-key", b"")
        return bool(key) and (self._api_key is None or hmac.compare_digest(key, self._api_key.encode()))

    async def _authorized(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._key_ok(scope):
            await json_response(error_body(UNAUTHORIZED), 401)(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, exc.detail)
    return json_response(error_body(message), exc.status_code, exc.headers)


def create_app(
    *,
    corpus: Corpus | None = None,
    schedule: Schedule | None = None,
    state_path: str | os.PathLike[str] | None = None,
    api_key: str | None = None,
    keepalive: float = 5.0,
    group_events_lifetime: float = 3600.0,
    run_events_lifetime: float = 570.0,
    protect_all_routes: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
    log_requests: bool = False,
    corpus_cache: str | os.PathLike[str] | None = None,
) -> EmulatorApp:
    """Build the emulator app (serve it with any ASGI server; :func:`~.server.serve` does it on loopback).

    ``corpus``: what search and task answers draw on (default: :meth:`Corpus.default`, the running Python's
    language reference and standard-library documentation, loaded on first use from ``corpus_cache``).
    ``schedule``: how long runs stay queued and running (default 0.05 s and 0.2 s). ``state_path``: a SQLite
    file keeping runs, groups and events across restarts (default: memory). ``api_key``: the only
    ``x-api-key`` accepted (default: any non-empty key). ``keepalive``: seconds between ``: keepalive``
    comments on an idle stream. ``group_events_lifetime`` / ``run_events_lifetime``: the longest a group
    (``/events``) or run event stream stays open, in seconds. ``protect_all_routes``: the control routes and
    ``GET /`` need the key too (set when serving beyond loopback). ``max_body_bytes``: larger request bodies
    answer 413. ``log_requests``: print one line per request (method, path, status, time). A wrong type or value
    is a :class:`ParallelValidationError` naming the option.
    """
    _check_options(max_body_bytes=max_body_bytes, protect_all_routes=protect_all_routes, log_requests=log_requests)
    if corpus is None:
        from .corpus import Corpus

        source: Corpus | Any = functools.partial(Corpus.default, corpus_cache)
    else:
        source = corpus
    engine = Engine(source, schedule, state_path)
    streams = StreamSettings(keepalive, group_events_lifetime, run_events_lifetime)
    return EmulatorApp(
        Context(engine, streams=streams),
        api_key,
        protect_all_routes=protect_all_routes,
        max_body_bytes=max_body_bytes,
        log_requests=log_requests,
    )


def _check_options(*, max_body_bytes: Any, protect_all_routes: Any, log_requests: Any) -> None:
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
        problem = f"a number of bytes, at least 1 (got {max_body_bytes!r})"
        raise ParallelValidationError("max_body_bytes", problem, limit=1)
    for name, value in (("protect_all_routes", protect_all_routes), ("log_requests", log_requests)):
        if not isinstance(value, bool):
            raise ParallelValidationError(name, f"true or false (got {type(value).__name__})")
