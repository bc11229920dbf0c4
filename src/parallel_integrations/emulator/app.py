"""The emulator as an ASGI application: :func:`create_app` builds it.

Every request passes, in order: the request log, the fault plan (:mod:`.faults`), the API key check (401), and
the routes: search (:mod:`.routes_search`), task runs (:mod:`.routes_tasks`), task groups at both prefixes
(:mod:`.routes_groups`), and the ``/_emulator`` control routes (:mod:`.routes_control`; no key, no faults,
not logged). Unknown paths answer 404 and wrong methods 405, both as ``ErrorResponse`` bodies.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .engine import Engine, Schedule
from .faults import run_with_fault
from .handlers import Context, json_response
from .routes_control import control_routes
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

    def __init__(self, context: Context, api_key: str | None = None) -> None:
        self.context = context
        self._api_key = api_key
        super().__init__(
            routes=[
                *search_routes(context),
                *task_routes(context),
                *group_routes(context),
                *control_routes(context),
            ],
            exception_handlers={HTTPException: _http_error},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await super().__call__(scope, receive, send)
            return
        record = RequestRecord(
            method=scope["method"],
            path=scope["path"],
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
        await run_with_fault(fault, self._authorized, scope, receive, send_logged, raw_send=send)

    async def _authorized(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = dict(scope.get("headers", [])).get(b"x-api-key", b"")
        if not key or (self._api_key is not None and not hmac.compare_digest(key, self._api_key.encode())):
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
) -> EmulatorApp:
    """Build the emulator app (serve it with any ASGI server; :func:`~.server.serve` does it on loopback).

    ``corpus``: what search and task answers draw on (default: the Python language reference shipped with
    CPython, built on first use). ``schedule``: how long runs stay queued and running (default 0.05 s and
    0.2 s). ``state_path``: a SQLite file keeping runs, groups and events across restarts (default: memory).
    ``api_key``: the only ``x-api-key`` accepted (default: any non-empty key). ``keepalive``: seconds between
    ``: keepalive`` comments on an idle stream. ``group_events_lifetime`` / ``run_events_lifetime``: the
    longest a group (``/events``) or run event stream stays open, in seconds.
    """
    if corpus is None:
        from .corpus import Corpus

        source: Corpus | Any = Corpus.default
    else:
        source = corpus
    engine = Engine(source, schedule, state_path)
    streams = StreamSettings(keepalive, group_events_lifetime, run_events_lifetime)
    return EmulatorApp(Context(engine, streams=streams), api_key)
