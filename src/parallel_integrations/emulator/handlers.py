"""What every group of routes shares: the :class:`Context` (engine, faults, settings), the wrapper that turns
:class:`ApiError` into the right body, and query-parameter parsing with the API's 422s."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from .._errors import ParallelValidationError
from .engine import Engine
from .faults import FaultPlan
from .streams import StreamSettings
from .traffic import RequestLog
from .wire import ApiError, error_body, errors_from_pydantic, parse_json, validation_error

__all__ = [
    "Context",
    "Handler",
    "endpoint",
    "json_body",
    "json_response",
    "query_bool",
    "query_cursor",
    "query_number",
    "render_error",
]

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Context:
    """The emulator's state, shared by every route."""

    engine: Engine
    faults: FaultPlan = field(default_factory=FaultPlan)
    streams: StreamSettings = field(default_factory=StreamSettings)
    log: RequestLog = field(default_factory=RequestLog)


def json_response(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """A compact JSON response."""
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def render_error(error: ApiError, *, fastapi_422: bool = False) -> Response:
    """The response for ``error``; ``fastapi_422`` picks the task-group endpoints' 422 shape."""
    if error.status == 422 and fastapi_422:
        return json_response({"detail": error.errors}, 422, error.headers)
    detail = {"errors": error.errors} if error.errors else None
    return json_response(error_body(error.message, detail), error.status, error.headers)


CLIENT_CLOSED_REQUEST = 499  # the status logs give a request whose client left before the answer


def endpoint(*, fastapi_422: bool = False) -> Callable[[Handler], Handler]:
    """Wrap a route handler so its errors become the API's bodies; ``fastapi_422`` for the group endpoints."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except ApiError as error:
                return render_error(error, fastapi_422=fastapi_422)
            except ParallelValidationError as exc:
                return render_error(validation_error(exc), fastapi_422=fastapi_422)
            except ValidationError as exc:
                return render_error(errors_from_pydantic(exc), fastapi_422=fastapi_422)
            except ClientDisconnect:
                # The client gave up before its body was read (a latency fault longer than its timeout): nothing
                # was acted on, and there is no one to answer.
                return Response(status_code=CLIENT_CLOSED_REQUEST)

        return run

    return wrap


async def json_body(request: Request, *, empty: Any = None) -> Any:
    """The JSON body; ``empty`` stands for a missing body when given, else a missing body is a 422."""
    return parse_json(await request.body(), empty=empty)


def _query_error(name: str, message: str, kind: str) -> ApiError:
    return ApiError(422, f"{name}: {message}", errors=[{"loc": ["query", name], "msg": message, "type": kind}])


def query_number(request: Request, name: str, default: float | None, *, integer: bool) -> float | None:
    """A numeric query parameter (``>= 0``), ``default`` when absent; 422 when not a number (or not an
    integer when ``integer``)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise _query_error(name, f"Input should be {kind} (got {raw!r})", "int_parsing") from None
    if value < 0:
        raise _query_error(name, f"Input should be greater than or equal to 0 (got {raw})", "greater_than_equal")
    return value


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter (``true``/``false``, also ``1``/``0``); 422 otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise _query_error(name, f"Input should be a valid boolean (got {raw!r})", "bool_parsing")


def query_cursor(request: Request, name: str = "last_event_id") -> int:
    """A stream cursor from the query (our cursors are integers as strings); 0 (the start) when absent."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return 0
    if not raw.isdigit():
        raise _query_error(name, f"not a cursor this server issued (got {raw!r})", "value_error")
    return int(raw)
